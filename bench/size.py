"""P5 size: ``sam build`` (arm64, python3.13), then the unzipped layer and every function package.

Built into .aws-sam/bench-build (its own cache), so a ``make build`` in progress is not disturbed.
The layer is checked with scripts/check_built_layer.py's own walk (size, aarch64, no boto3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts import check_built_layer

from .report import NA, Row, verdict
from .services import ROOT

BUILD_DIR = ROOT / ".aws-sam" / "bench-build"
CACHE_DIR = ROOT / ".aws-sam" / "bench-cache"
SAM = ROOT / ".venv" / "bin" / "sam"
LAYER = "FullstoryLayer"
GOAL_LAYER_MB = 15.0
BUILD_TIMEOUT_S = 900
MIB = 1024 * 1024


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def sam_build() -> str | None:
    """Runs sam build; None when it worked, else why not."""
    if not SAM.exists():
        return "no .venv/bin/sam (run make venv)"
    python313 = subprocess.run(  # noqa: S603 - the project's own script, as `make build` runs it
        [str(ROOT / "scripts" / "python313")], capture_output=True, text=True, check=False
    ).stdout.strip()
    env = {**os.environ, "PYTHON313": python313, "PIP_PYTHON": sys.executable, "SAM_CLI_TELEMETRY": "0"}
    argv = [str(SAM), "build", "--build-dir", str(BUILD_DIR), "--cache-dir", str(CACHE_DIR), "--cached", "--parallel"]
    try:
        done = subprocess.run(  # noqa: S603 - the project's own sam
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return f"sam build took over {BUILD_TIMEOUT_S} s"
    if done.returncode != 0:
        return "sam build failed: " + (done.stderr or done.stdout).strip().splitlines()[-1][:200]
    return None


def measure() -> tuple[list[Row], list[str]]:
    title = "P5 size"
    failure = sam_build()
    if failure is not None:
        return [Row(title, "sam build", f"n/a ({failure})", result=NA)], []
    report = check_built_layer.check_layer(BUILD_DIR / LAYER, python_tag="cpython-313")
    layer_mb = report.total_bytes / MIB
    bundled = check_built_layer.find_bundled_sdk(check_built_layer.site_roots(BUILD_DIR / LAYER))
    functions = {path.name: _size(path) for path in sorted(BUILD_DIR.iterdir()) if path.is_dir() and path.name != LAYER}
    bundled += [name for name in functions if (BUILD_DIR / name / "boto3").exists()]
    problems = [p for p in report.problems if "boto3" not in p and "exceeds" not in p]
    smallest, largest = min(functions.values(), default=0), max(functions.values(), default=0)
    rows = [
        Row(
            title,
            "layer, unzipped (arm64, python3.13)",
            f"{layer_mb:.2f} MB ({report.file_count} files)",
            "",
            f"≤ {GOAL_LAYER_MB:g} MB",
            verdict(layer_mb <= GOAL_LAYER_MB),
        ),
        Row(
            title,
            "boto3/botocore bundled",
            "no" if not bundled else ", ".join(bundled),
            "",
            "not bundled",
            verdict(not bundled),
        ),
        Row(
            title,
            f"function packages, unzipped ({len(functions)})",
            f"{smallest / 1024:.1f}–{largest / 1024:.1f} KB each",
        ),
    ]
    if problems:
        rows.append(Row(title, "layer check", "; ".join(problems)[:300], result="MISS"))
    details = [f"{name}: {size / 1024:.1f} KB" for name, size in functions.items()]
    return rows, details
