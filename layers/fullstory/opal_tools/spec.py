"""What a tool is: its contract with Opal and its logic, independent of how it is served."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel


@dataclass(frozen=True)
class Need:
    """Something a tool's logic is given besides its parameters, as the keyword argument ``keyword``.

    ``name`` is what the deployment grants for it (its environment and permissions); two needs may
    give the same keyword (reading and starting runs of a workflow are one handle, two grants).
    """

    name: str
    keyword: str


# The one need the adapter meets itself: Opal's envelope around the parameters (``ToolCall``).
OPAL_CALL = Need("opal_call", "call")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str  # written for a language model choosing among tools: when to use it
    parameters: type[BaseModel]
    group: str  # a selection unit of ENABLED_TOOLS
    # The logic: run(params, **{need.keyword: what the need gives}); returns the JSON answer (or Accepted).
    run: Callable[..., Any]
    needs: tuple[Need, ...] = ()
    ai: bool = False  # hidden and disabled when AI analysis is turned off
    mode: Literal["sync", "async"] = "sync"
    timeout_s: int | None = None  # published for async tools
    example_prompt: str = ""  # what a user typically says; used in docs and demos
    # A valid call's parameters: the sample event of the tool's function, and its docs.
    example_parameters: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    memory_mb: int | None = None  # for its function, when the default is not enough (more memory, more CPU)
    # False when a call starts work that stays (an export in Fullstory, a run of the workflow): MCP's readOnlyHint.
    read_only: bool = True

    @property
    def endpoint(self) -> str:
        return f"/tools/{self.name}"

    @property
    def keywords(self) -> tuple[str, ...]:
        """The keyword arguments the logic takes besides the parameters, each once, in the order declared."""
        return tuple(dict.fromkeys(need.keyword for need in self.needs))
