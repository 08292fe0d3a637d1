"""P1 cold start: a fresh process imports one tool's handler and serves its first call.

Each subject runs in its own interpreter (the .venv-bench python for all), with Lambda's
environment, the secrets behind the Parameters and Secrets extension's interface (ours; its cache
emptied before each of our cold starts, as a new execution environment's is) or in a moto server
(the peers' boto3), and Fullstory in the simulator (all other processes on loopback). Wall time
runs from spawn until the first answer is ready (``cold_child`` reports it on a pipe), so it is
Lambda's init plus first invoke; peak RSS is the child's VmHWM. One
discarded warm-up run per subject first (it writes the .pyc files and fills the page cache),
then rounds that interleave the subjects so drift on a busy machine hits all alike.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import functions, load_template

from .events import tool_event
from .report import Row, mb, median, ms, ratio, verdict
from .services import ROOT, Services

BENCH = Path(__file__).resolve().parent
CHILD = BENCH / "cold_child.py"
RUN_TIMEOUT_S = 60.0
SUBJECTS: dict[str, tuple[Path, Path | None]] = {
    "ours": (ROOT / "functions" / "fullstory_list_segments", ROOT / "layers" / "fullstory"),
    "typical": (BENCH / "peers" / "typical", None),
    "opal_sdk": (BENCH / "peers" / "opal_sdk", None),
}
FLOOR = ("-c", "import json, urllib.request")
GOAL_VS_TYPICAL = 0.5
GOAL_VS_SDK = 0.12
GOAL_RSS_MB = 50.0


@functools.cache
def template_literals(logical_id: str = "ListSegmentsFunction") -> dict[str, str]:
    """The literal (not !Ref) environment values our template gives the function, as AWS would."""
    function = next(f for f in functions(load_template()) if f.logical_id == logical_id)
    return {name: value for name, value in function.environment.items() if isinstance(value, str)}


@dataclass
class Sample:
    wall_s: float
    rss_kib: int
    phases: dict[str, Any] = field(default_factory=dict)


def spawn(argv: list[str], env: dict[str, str], timeout_s: float = RUN_TIMEOUT_S) -> tuple[float, str, int, str]:
    """Run ``argv`` with a pipe whose write end it gets as ``{fd}`` in argv.

    Returns (seconds from spawn to the first line on the pipe, or to exit when none came;
    that line; exit code; stderr tail). The process is killed after ``timeout_s``.
    """
    read_end, write_end = os.pipe()
    argv = [part.replace("{fd}", str(write_end)) for part in argv]
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our interpreter, our scripts
            argv,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            pass_fds=(write_end,),
        )
        os.close(write_end)
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            chunks: list[bytes] = []
            while not chunks or not chunks[-1].endswith(b"\n"):
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break  # exited (or killed) without a line
                chunks.append(chunk)
            answered = time.perf_counter()
            process.wait()
        finally:
            watchdog.cancel()
            os.close(read_end)
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
    return answered - started, b"".join(chunks).decode(), int(process.returncode), tail


def _event(directory: Path) -> Path:
    path = directory / "event.json"
    path.write_text(json.dumps(tool_event("fullstory_list_segments", {"limit": 20})), encoding="utf-8")
    return path


def _run_subject(name: str, services: Services, event: Path, layers: dict[str, Path] | None = None) -> Sample:
    env = services.lambda_env()
    if name.startswith("ours"):
        env.update(template_literals())
        services.reset_secrets_cache()
    code_dir, layer_dir = SUBJECTS["ours" if name.startswith("ours") else name]
    if layers and name in layers:  # as on Lambda's read-only /opt: what is not shipped compiled is compiled afresh
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        layer_dir = layers[name]
    argv = [sys.executable, str(CHILD), str(code_dir), str(layer_dir or "-"), str(event), "{fd}"]
    wall, line, code, tail = spawn(argv, env)
    phases: dict[str, Any] = json.loads(line) if line.strip() else {}
    if code != 0 or phases.get("status") != 200 or not phases.get("segments"):
        raise RuntimeError(f"cold start of {name} failed (exit {code}, {phases.get('error')}): {tail}")
    return Sample(wall, int(phases["rss_kib"]), phases)


_FLOOR_RSS = (
    "import json, urllib.request, os, sys; "
    "os.write(int(sys.argv[1]), [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].encode())"
)


def _run_floor(services: Services) -> Sample:
    """Wall time of exactly ``python -c "import json, urllib.request"`` (to its exit); its RSS
    from the same imports followed by a read of VmHWM."""
    wall, _, code, tail = spawn([sys.executable, *FLOOR], services.lambda_env())
    _, line, rss_code, rss_tail = spawn([sys.executable, "-c", _FLOOR_RSS, "{fd}"], services.lambda_env())
    if code != 0 or rss_code != 0 or not line.strip():
        raise RuntimeError(f"floor run failed: {tail or rss_tail}")
    return Sample(wall, int(line.split()[1]))


def layer_copy(built_layer: Path, into: Path, *, bytecode: bool) -> tuple[Path, int] | None:
    """The built layer's packages, from this interpreter's site-packages and our sources.

    (The built layer itself holds arm64 binaries for 3.13: unusable here.) With ``bytecode``, the
    modules the build shipped compiled (its unchecked-hash .pyc) are compiled the same way for
    this interpreter; without, none is, as SAM's python builder ships the layer. Returns the
    folder and the number of modules compiled.
    """
    import py_compile
    import shutil
    import sysconfig

    layer_python = built_layer / "python"
    names = sorted(p.name for p in layer_python.glob("*") if not p.name.endswith((".dist-info", ".data")))
    if not names:
        return None
    site = Path(sysconfig.get_paths()["purelib"])
    target = into / "python"
    for name in names:
        source = ROOT / "layers" / "fullstory" / name
        if not source.exists():
            source = site / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file() and source.suffix == ".py":
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    compiled = 0
    if bytecode:
        for pyc in layer_python.rglob("__pycache__/*.pyc"):
            module = target / pyc.parent.parent.relative_to(layer_python) / f"{pyc.name.split('.', 1)[0]}.py"
            if module.is_file():
                py_compile.compile(
                    str(module), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
                )
                compiled += 1
    return target, compiled


def measure(services: Services, runs: int, built_layer: Path | None = None) -> list[Row]:
    names = list(SUBJECTS)
    samples: dict[str, list[Sample]] = {"floor": []}
    layers: dict[str, Path] = {}
    compiled = 0
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        event = _event(Path(tmp))
        if built_layer is not None:
            for name, bytecode in (("ours_as_built", True), ("ours_no_bytecode", False)):
                copied = layer_copy(built_layer, Path(tmp) / name, bytecode=bytecode)
                if copied is not None:
                    layers[name], count = copied
                    compiled = max(compiled, count)
        names.extend(layers)
        samples.update({name: [] for name in names})
        for name in names:  # warm-up: .pyc files and the page cache, discarded
            _run_subject(name, services, event, layers)
        _run_floor(services)
        for _ in range(runs):
            samples["floor"].append(_run_floor(services))
            for name in names:
                samples[name].append(_run_subject(name, services, event, layers))
    return rows(samples, compiled)


def _phase(samples: list[Sample], key: str) -> float:
    return median([float(s.phases[key]) / 1000 for s in samples])


def rows(samples: dict[str, list[Sample]], compiled: int = 0) -> list[Row]:
    """The table's P1 rows. What is judged is ours as we ship it: the layer as built (its bytecode,
    /opt read-only) when a build exists, else the source tree with the interpreter's own cache."""
    wall = {name: median([s.wall_s for s in runs]) for name, runs in samples.items()}
    rss = {name: median([float(s.rss_kib) for s in runs]) for name, runs in samples.items()}
    judged = "ours_as_built" if "ours_as_built" in wall else "ours"
    vs_typical = wall[judged] / wall["typical"]
    vs_sdk = wall[judged] / wall["opal_sdk"]
    title = "P1 cold start"

    def timing(name: str) -> str:
        runs = samples[name]
        return (
            f"{ms(wall[name])} (import {ms(_phase(runs, 'import_ms'))}, first call "
            f"{ms(_phase(runs, 'first_call_ms'))}) · {mb(rss[name])}"
        )

    what = "fullstory_list_segments: 2 secrets (from the secrets extension, on the first call) + 1 Fullstory call"
    result = []
    if judged == "ours_as_built":
        result.append(
            Row(
                title,
                f"ours: {what}; the layer as built ({compiled} modules as bytecode, /opt read-only)",
                timing(judged),
            )
        )
    result += [
        Row(
            title,
            f"ours{' from the source tree (interpreter-cached bytecode)' if judged != 'ours' else ''}: {what}",
            timing("ours"),
        ),
        Row(
            title,
            "peer (a) typical: Powertools resolver, boto3 client at import, pydantic, requests",
            f"{ms(wall['typical'])} · {mb(rss['typical'])}",
        ),
        Row(title, "peer (b) Opal tools SDK + FastAPI + Mangum", f"{ms(wall['opal_sdk'])} · {mb(rss['opal_sdk'])}"),
        Row(title, 'floor: python -c "import json, urllib.request"', f"{ms(wall['floor'])} · {mb(rss['floor'])}"),
        Row(
            title,
            "ours vs peer (a)",
            ratio(vs_typical),
            "peer (a)",
            f"≤ {GOAL_VS_TYPICAL}×",
            verdict(vs_typical <= GOAL_VS_TYPICAL),
        ),
        Row(title, "ours vs peer (b)", ratio(vs_sdk), "peer (b)", f"≤ {GOAL_VS_SDK}×", verdict(vs_sdk <= GOAL_VS_SDK)),
        Row(
            title,
            "ours, peak memory (VmHWM)",
            mb(rss[judged]),
            "",
            f"≤ {GOAL_RSS_MB:.0f} MB",
            verdict(rss[judged] / 1024 <= GOAL_RSS_MB),
        ),
    ]
    if judged != "ours":
        result.append(
            Row(
                title,
                "ours from the source tree vs peer (a) / peer (b)",
                f"{ratio(wall['ours'] / wall['typical'])} / {ratio(wall['ours'] / wall['opal_sdk'])}",
            )
        )
    if "ours_no_bytecode" in wall:
        result.append(
            Row(
                title,
                "ours with no bytecode in the layer (as SAM's python builder ships it: compiled every cold start)",
                f"{ms(wall['ours_no_bytecode'])} · {mb(rss['ours_no_bytecode'])}",
            )
        )
    return result
