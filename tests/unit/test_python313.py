"""scripts/python313: the interpreter the layer's bytecode is compiled with, or nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "python313"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, check=False)  # noqa: S603


def test_it_names_a_cpython_313_or_nothing() -> None:
    import os

    done = _run(dict(os.environ))
    assert done.returncode == 0
    found = done.stdout.strip()
    if found:
        version = subprocess.run(  # noqa: S603 - the interpreter the script just named
            [found, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert version == "(3, 13)"


def test_without_any_313_it_prints_nothing_and_succeeds(tmp_path: Path) -> None:
    # A PATH with only a python3.13 that is really another version, and no pyenv: nothing qualifies.
    fake = tmp_path / "python3.13"
    fake.write_text('#!/bin/sh\nexec /usr/bin/env -i python3 "$@"\n')
    fake.chmod(0o755)
    done = _run({"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout == ""
