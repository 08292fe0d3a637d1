"""scripts/check_built_layer.py's bytecode check: what Lambda would have to compile on every cold start."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import check_built_layer


def _pyc(path: Path, magic: bytes, flags: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(magic + flags.to_bytes(4, "little") + b"\0" * 8 + b"code")


def _layer(tmp_path: Path) -> Path:
    package = tmp_path / "Layer" / "python" / "pkg"
    package.mkdir(parents=True)
    for name in ("__init__", "used", "unused"):
        (package / f"{name}.py").write_text("")
    return tmp_path / "Layer"


def test_unchecked_hash_bytecode_for_every_imported_module_passes(tmp_path: Path) -> None:
    layer = _layer(tmp_path)
    for name in ("__init__", "used"):
        _pyc(layer / "python/pkg/__pycache__" / f"{name}.cpython-313.pyc", check_built_layer.PYC_MAGIC_313, 0b01)
    report = check_built_layer.Report(layer_dir=layer)
    # A traced module the layer does not ship (another version, the standard library) is not judged.
    checked = check_built_layer.check_bytecode(
        report, ["pkg/__init__.py", "pkg/used.py", "elsewhere/x.py"], python_tag="cpython-313"
    )
    assert report.problems == []
    assert checked == 2


def test_an_imported_module_without_bytecode_fails(tmp_path: Path) -> None:
    layer = _layer(tmp_path)
    report = check_built_layer.Report(layer_dir=layer)
    check_built_layer.check_bytecode(report, ["pkg/used.py"], python_tag="cpython-313")
    assert report.problems == ["pkg/used.py: imported by the handlers but shipped without bytecode"]


@pytest.mark.parametrize(
    ("name", "magic", "flags", "problem"),
    [
        ("used.cpython-313.pyc", None, 0b00, "not unchecked-hash"),  # timestamp: stale once zipped
        ("used.cpython-313.pyc", None, 0b11, "not unchecked-hash"),  # checked-hash: stats the source
        ("used.cpython-311.pyc", None, 0b01, "another interpreter"),
        ("used.cpython-313.pyc", b"\xa7\r\r\n", 0b01, "another interpreter"),  # 3.11's magic
    ],
)
def test_foreign_or_checked_bytecode_fails(
    tmp_path: Path, name: str, magic: bytes | None, flags: int, problem: str
) -> None:
    layer = _layer(tmp_path)
    _pyc(layer / "python/pkg/__pycache__" / name, magic or check_built_layer.PYC_MAGIC_313, flags)
    report = check_built_layer.Report(layer_dir=layer)
    check_built_layer.check_bytecode(report, [], python_tag="cpython-313")
    assert len(report.problems) == 1 and problem in report.problems[0]


def test_the_trace_finds_what_a_tool_imports() -> None:
    sources = check_built_layer.handler_module_sources()
    assert {"opal_tools/adapter.py", "tools/segments.py", "pydantic/main.py"} <= set(sources)
    assert {"urllib3/__init__.py", "aws_lambda_powertools/logging/logger.py"} <= set(sources)
    # boto3 is created lazily by the export tasks only (Powertools merely touches botocore/__init__).
    assert not [source for source in sources if source.startswith("boto3/") or source == "botocore/session.py"]
