"""Loads a function's handler the way Lambda does and invokes it with a Lambda-like context."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .template import ROOT, FunctionDef

LAYER_DIR = ROOT / "layers" / "fullstory"


def use_layer() -> None:
    """Put the shared layer on sys.path, as Lambda does with /opt/python."""
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started)) * 1000))


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def import_handler(code_dir: Path, handler: str, module_name: str) -> Handler:
    """``handler`` (``app.lambda_handler``) from ``code_dir``, imported under ``module_name``.

    Every function's module is named ``app``; a name of its own keeps them apart in one process.
    """
    use_layer()
    module_file, _, attribute = handler.rpartition(".")
    path = code_dir / f"{module_file.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    loaded: Handler = getattr(module, attribute)
    return loaded


class LocalFunction:
    """One function's handler, imported once under its own module name (its own 'container')."""

    def __init__(self, definition: FunctionDef) -> None:
        self.definition = definition
        self._handler: Handler | None = None
        # Lambda runs one request at a time per execution environment.
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._handler is None:
                definition = self.definition
                self._handler = import_handler(definition.code_dir, definition.handler, f"_fn_{definition.logical_id}")
            context = LambdaContext(
                function_name=self.definition.logical_id,
                memory_limit_in_mb=self.definition.memory_mb,
                timeout_s=self.definition.timeout_s,
            )
            return self._handler(event, context)
