"""The README's "Add a tool" recipe, followed to the letter in a copy of the repository.

The copy holds what git tracks or would track (as this working tree has it); the tool is the README's own example,
added as its steps say; then the generator runs and the contract tests run in the copy, with this
interpreter. A recipe that needs a step more (a hand edit of template.yaml, a count in a test) fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION = "### Add a tool"


def _copy_of_the_repository(target: Path) -> Path:
    # What git tracks, and what it would track (new files not yet added); never what it ignores (.venv).
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree but not yet in git is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _recipe() -> tuple[str, str]:
    """The example module's path and source, as the README's recipe gives them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION) : readme.index("\n## ", readme.index(SECTION))]
    path = re.search(r"For example `(layers/fullstory/tools/\w+\.py)`", section)
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert path and code, "the README's recipe names its example module and shows its code"
    source = "\n".join(line.removeprefix("   ") for line in code.group(1).splitlines()) + "\n"
    return path.group(1), source


def _register(registry: Path, module: str, spec: str) -> None:
    """Step 2: the module imported in the registry, its spec added to TOOLS."""
    text = registry.read_text(encoding="utf-8")
    imports = re.search(r"^from \. import (.+)$", text, re.M)
    assert imports, "registry.py imports the tool modules with one `from . import ...`"
    names = sorted({*imports.group(1).split(", "), module})
    text = text.replace(imports.group(0), f"from . import {', '.join(names)}")
    tools = re.search(r"^TOOLS: tuple\[ToolSpec, \.\.\.\] = \(\n(.*?)^\)", text, re.M | re.S)
    assert tools, "registry.py lists the tools in one TOOLS tuple"
    text = text.replace(tools.group(0), tools.group(0)[:-1] + f"    {spec},\n)")
    registry.write_text(text, encoding="utf-8")


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter running our own code in the copy
        [sys.executable, *args], cwd=copy, capture_output=True, text=True, check=False, timeout=1200
    )


def test_adding_a_tool_as_the_readme_says_passes_the_contract_tests(tmp_path: Path) -> None:
    copy = _copy_of_the_repository(tmp_path / "repo")
    module_path, source = _recipe()
    (copy / module_path).write_text(source, encoding="utf-8")
    module = Path(module_path).stem
    spec = re.search(r"^(\w+) = ToolSpec\(", source, re.M)
    assert spec
    _register(copy / "layers/fullstory/tools/registry.py", module, f"{module}.{spec.group(1)}")

    before = _run(copy, "scripts/generate.py", "--check")
    assert before.returncode == 1 and "run `make generate`" in before.stderr  # the new tool is not generated yet
    generated = _run(copy, "scripts/generate.py")
    assert generated.returncode == 0, generated.stderr
    name = re.search(r'name="(\w+)"', source)
    assert name
    assert (copy / "functions" / name.group(1) / "app.py").is_file()
    assert f"Path: /tools/{name.group(1)} " in (copy / "template.yaml").read_text(encoding="utf-8")

    this_test = f"--ignore={Path(__file__).relative_to(ROOT)}"  # the copy has no git to copy itself with
    tested = _run(
        copy, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--show-capture=no", this_test, "tests/contract"
    )
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
