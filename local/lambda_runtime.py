"""Loads a function's handler the way Lambda does and invokes it with a Lambda-like context."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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


class LocalFunction:
    """One function's handler, imported once under its own module name (its own 'container')."""

    def __init__(self, definition: FunctionDef) -> None:
        self.definition = definition
        self._handler: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None
        # Lambda runs one request at a time per execution environment.
        self._lock = threading.Lock()

    def _load(self) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        module_file, _, attribute = self.definition.handler.rpartition(".")
        path = self.definition.code_dir / f"{module_file.replace('.', '/')}.py"
        name = f"_fn_{self.definition.logical_id}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(module, attribute)
        return handler

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._handler is None:
                self._handler = self._load()
            context = LambdaContext(
                function_name=self.definition.logical_id,
                memory_limit_in_mb=self.definition.memory_mb,
                timeout_s=self.definition.timeout_s,
            )
            return self._handler(event, context)
