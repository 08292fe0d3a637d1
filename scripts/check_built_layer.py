#!/usr/bin/env python3
"""Check the shared layer that `sam build` produced before it is deployed.

Run after `sam build`:

    python scripts/check_built_layer.py                      # .aws-sam/build/FullstoryLayer
    python scripts/check_built_layer.py --build-dir X --layer FullstoryLayer --max-mb 15

It walks ``<build-dir>/<layer>/`` and fails (exit 1) when

* a compiled file (``*.so``, ``*.so.N``, or any other file with an ELF header) is not an
  ELF for aarch64 (``e_machine`` 183) -- e.g. an x86_64 wheel slipped in because the layer's
  ``Metadata.BuildArchitecture`` was missing or a package was built from an sdist on the host;
* a CPython extension was built for another interpreter than ``--python-tag`` (cpython-313);
* ``boto3``/``botocore`` are bundled (the Lambda runtime provides them; bundling bloats the
  layer and pins an old SDK);
* the unzipped layer is larger than ``--max-mb`` (MB = 2**20 bytes, as Lambda's quotas count);
* a package named by ``--expect`` (default: pydantic_core) has no aarch64 extension at all,
  so the check cannot pass by scanning an empty or wrong folder;
* a ``.pyc`` is not unchecked-hash bytecode for the runtime's interpreter, or a layer module that
  the handlers import (traced in a subprocess of this interpreter: every ``functions/*/app.py`` and
  ``workflow/*/app.py`` imported, and every tool's parameter schema built) has no bytecode, so
  Lambda would compile it on every cold start (/opt is read-only). ``--no-bytecode`` skips this.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
MACHINE_NAMES: dict[int, str] = {
    3: "i386",
    8: "mips",
    20: "ppc",
    21: "ppc64",
    22: "s390",
    40: "arm",
    62: "x86_64",
    183: "aarch64",
    243: "riscv",
}
X86_MACHINES = frozenset({3, 62})
FORBIDDEN_PACKAGES = ("boto3", "botocore")
SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")
CPYTHON_TAG = re.compile(r"\.(cpython-\d+)[^/]*\.so$")
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
# CPython 3.13's bytecode magic, and the PEP 552 flags of unchecked-hash .pyc (hash-based, no source check).
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
PYC_UNCHECKED_HASH = 0b01
# Imports every module of the layer's own packages (those a handler loads only later too, such as
# discovery's OpenAPI) and every handler module as Lambda's init would, builds what the first calls
# build, and prints the files of the modules that came from the layer's packages (site-packages or
# layers/fullstory). Run isolated (-I): the caller's own imports and PYTHON* settings do not count.
TRACE = """
import importlib, importlib.util, json, pathlib, sys, sysconfig
root = pathlib.Path(sys.argv[1])
layer = root / "layers" / "fullstory"
sys.path.insert(0, str(layer))
for module in sorted(layer.glob("*/*.py")):
    importlib.import_module(module.parent.name if module.stem == "__init__" else f"{module.parent.name}.{module.stem}")
for app in sorted([*root.glob("functions/*/app.py"), *root.glob("workflow/*/app.py")]):
    spec = importlib.util.spec_from_file_location(f"handler_{app.parent.name}", app)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
from tools.registry import TOOLS
for tool in TOOLS:
    tool.parameters.model_json_schema()
bases = [layer, pathlib.Path(sysconfig.get_paths()["purelib"]), pathlib.Path(sysconfig.get_paths()["platlib"])]
found = set()
for module in list(sys.modules.values()):
    source = getattr(module, "__file__", None)
    if not source or not source.endswith(".py"):
        continue
    for base in bases:
        try:
            found.add(str(pathlib.Path(source).resolve().relative_to(base.resolve())))
        except ValueError:
            pass
print(json.dumps(sorted(found)))
"""


@dataclass(frozen=True)
class ElfInfo:
    """The parts of an ELF header this check needs."""

    machine: int
    bits: int

    @property
    def machine_name(self) -> str:
        return MACHINE_NAMES.get(self.machine, f"e_machine={self.machine}")


@dataclass
class Report:
    """What the walk found."""

    layer_dir: Path
    total_bytes: int = 0
    file_count: int = 0
    architectures: Counter[str] = field(default_factory=Counter)
    aarch64_packages: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def size_mb(self) -> float:
        return self.total_bytes / MIB


def read_elf_header(path: Path) -> ElfInfo | None:
    """Return the ELF machine and class of ``path``, or None if it is not an ELF file."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    ei_class, ei_data = header[4], header[5]
    machine = int.from_bytes(header[18:20], "big" if ei_data == 2 else "little")
    return ElfInfo(machine=machine, bits=64 if ei_class == 2 else 32)


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (symlinks are not followed), in a stable order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def site_roots(layer_dir: Path) -> list[Path]:
    """Folders Lambda puts on sys.path for a Python layer."""
    roots = [layer_dir / "python"]
    roots.extend(sorted(layer_dir.glob("python/lib/python3*/site-packages")))
    return [root for root in roots if root.is_dir()]


def top_level_package(path: Path, roots: Sequence[Path]) -> str | None:
    """The importable top-level name that ``path`` belongs to, if it lies under a site root."""
    for root in roots:
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] != "lib":
            return relative.parts[0]
    return None


def find_bundled_sdk(roots: Sequence[Path]) -> list[str]:
    """boto3/botocore packages or dist-info folders that were bundled into the layer."""
    found: list[str] = []
    for root in roots:
        for name in FORBIDDEN_PACKAGES:
            if (root / name).exists():
                found.append(str(root / name))
            found.extend(str(info) for info in sorted(root.glob(f"{name}-*.dist-info")))
    return found


def check_layer(layer_dir: Path, *, python_tag: str) -> Report:
    """Walk the built layer and collect sizes, architectures and problems."""
    report = Report(layer_dir=layer_dir)
    roots = site_roots(layer_dir)
    if not roots:
        report.problems.append(f"{layer_dir}: no python/ folder; is this a built Python layer?")

    for path in iter_files(layer_dir):
        report.file_count += 1
        report.total_bytes += path.stat().st_size
        relative = path.relative_to(layer_dir)
        elf = read_elf_header(path)
        if elf is None:
            if SHARED_OBJECT.search(path.name):
                report.problems.append(f"{relative}: named like a shared object but is not an ELF file")
            continue

        report.architectures[elf.machine_name] += 1
        if elf.machine in X86_MACHINES:
            report.problems.append(f"{relative}: {elf.machine_name} ELF (x86 build in an arm64 layer)")
        elif elf.machine != EM_AARCH64 or elf.bits != 64:
            report.problems.append(f"{relative}: {elf.machine_name}/{elf.bits}-bit ELF, expected aarch64")
        else:
            package = top_level_package(path, roots)
            if package is not None:
                report.aarch64_packages.add(package)

        tag = CPYTHON_TAG.search(path.name)
        if tag is not None and tag.group(1) != python_tag:
            report.problems.append(f"{relative}: built for {tag.group(1)}, the runtime is {python_tag}")

    for bundled in find_bundled_sdk(roots):
        report.problems.append(f"{bundled}: boto3/botocore must not be bundled (the runtime provides them)")
    return report


def pyc_path(source: Path, python_tag: str) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.{python_tag}.pyc"


def handler_module_sources() -> list[str]:
    """Layer-relative paths (``pydantic/main.py``) of the modules the layer and the handlers import, traced."""
    traced = subprocess.run(  # noqa: S603 - this interpreter running our own trace
        [sys.executable, "-I", "-c", TRACE, str(ROOT)], capture_output=True, text=True, check=False, timeout=120
    )
    if traced.returncode != 0:
        raise RuntimeError(f"tracing the handlers' imports failed: {traced.stderr.strip()[-500:]}")
    sources: list[str] = json.loads(traced.stdout)
    return sources


def check_bytecode(report: Report, imported: Sequence[str], *, python_tag: str) -> int:
    """Adds problems for foreign or checked .pyc files and for imported modules without bytecode.

    A traced module whose source is not in the layer (another version of a package) is skipped:
    only what the layer really ships is judged. Returns the number of imported modules checked.
    """
    roots = site_roots(report.layer_dir)
    for pyc in sorted(report.layer_dir.rglob("*.pyc")):
        relative = pyc.relative_to(report.layer_dir)
        header = pyc.read_bytes()[:8]
        if not pyc.name.endswith(f".{python_tag}.pyc") or header[:4] != PYC_MAGIC_313:
            report.problems.append(f"{relative}: bytecode for another interpreter than {python_tag}")
        elif int.from_bytes(header[4:8], "little") != PYC_UNCHECKED_HASH:
            report.problems.append(f"{relative}: not unchecked-hash bytecode (a timestamp .pyc goes stale in the zip)")
    checked = 0
    for name in imported:
        for root in roots:
            source = root / name
            if source.is_file():
                checked += 1
                if not pyc_path(source, python_tag).is_file():
                    report.problems.append(f"{name}: imported by the handlers but shipped without bytecode")
    return checked


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=Path(".aws-sam/build"),
        help="sam build output folder",
    )
    parser.add_argument(
        "--layer",
        default="FullstoryLayer",
        help="logical id of the layer in template.yaml",
    )
    parser.add_argument(
        "--max-mb",
        type=float,
        default=15.0,
        help="largest allowed unzipped size, MB (2**20 bytes)",
    )
    parser.add_argument(
        "--python-tag",
        default="cpython-313",
        help="interpreter tag extensions must carry",
    )
    parser.add_argument(
        "--expect",
        action="append",
        default=None,
        metavar="PACKAGE",
        help="top-level package that must ship an aarch64 extension (repeatable; default pydantic_core)",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="do not check the layer's bytecode (a layer built by SAM's python builder has none)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    layer_dir: Path = args.build_dir / args.layer
    if not layer_dir.is_dir():
        print(f"FAIL: {layer_dir} does not exist; run `sam build` first", file=sys.stderr)
        return 1

    report = check_layer(layer_dir, python_tag=args.python_tag)
    expected: list[str] = args.expect if args.expect is not None else ["pydantic_core"]
    for package in expected:
        if package not in report.aarch64_packages:
            report.problems.append(f"{package}: no aarch64 extension module found in the layer")
    if report.size_mb > args.max_mb:
        report.problems.append(f"unzipped size {report.size_mb:.2f} MB exceeds {args.max_mb:g} MB")
    bytecode = "not checked"
    if not args.no_bytecode:
        checked = check_bytecode(report, handler_module_sources(), python_tag=args.python_tag)
        bytecode = f"{checked} modules the handlers import, each with {args.python_tag} unchecked-hash .pyc"

    architectures = ", ".join(f"{name}: {count}" for name, count in sorted(report.architectures.items()))
    print(f"layer:         {layer_dir}")
    print(f"files:         {report.file_count}")
    print(f"unzipped size: {report.size_mb:.2f} MB ({report.total_bytes} bytes; limit {args.max_mb:g} MB)")
    print(f"ELF files:     {architectures or 'none'}")
    print(f"with aarch64 extensions: {', '.join(sorted(report.aarch64_packages)) or 'none'}")
    print(f"bytecode:      {bytecode}")
    if report.problems:
        for problem in report.problems:
            print(f"FAIL: {problem}", file=sys.stderr)
        return 1
    in_place = "bytecode not checked (built without Python 3.13)" if args.no_bytecode else "bytecode in place"
    print(f"OK: every compiled file is aarch64, no boto3/botocore, size within limit, {in_place}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
