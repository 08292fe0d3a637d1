"""What the layer's handlers import: never ``requests`` (its import chain cost every cold start ~20 ms),
and a tool only what its own needs take."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts import check_built_layer

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted([*ROOT.glob("functions/*/app.py"), *ROOT.glob("workflow/*/app.py")])
FORBIDDEN = ("requests", "charset_normalizer")


def test_no_layer_module_or_handler_imports_requests() -> None:
    # The trace imports every layer module and every handler in a fresh, isolated interpreter:
    # pytest itself (and the other tests) have long imported requests.
    sources = check_built_layer.handler_module_sources()
    assert {"opal_tools/openapi.py", "segment_exports/callback.py", "fullstory_client/client.py"} <= set(sources)
    assert "urllib3/__init__.py" in sources  # the transport the layer does use
    assert [source for source in sources if source.split("/")[0] in FORBIDDEN] == []


def test_the_layer_build_ships_every_package_of_ours() -> None:
    # layers/fullstory/Makefile copies the packages it names (OURS): one left out is missing in Lambda.
    makefile = (ROOT / "layers" / "fullstory" / "Makefile").read_text(encoding="utf-8")
    [line] = [line for line in makefile.splitlines() if line.startswith("OURS = ")]
    packages = {path.parent.name for path in (ROOT / "layers" / "fullstory").glob("*/__init__.py")}
    assert set(line.removeprefix("OURS = ").split()) == packages


def test_a_tool_without_summaries_does_not_import_the_summary_cache() -> None:
    # In a fresh interpreter: the test process has long imported everything.
    probe = (
        "import sys; sys.path[:0] = ['layers/fullstory', 'functions/fullstory_list_segments']; import app; "
        "print(sorted(m for m in sys.modules if m.startswith(('summary_store', 'tools.summary'))))"
    )
    found = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "[]", found.stdout
