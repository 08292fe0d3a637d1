"""What a tool is: its contract with Opal, independent of how it is served."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

ToolGroup = Literal["segments", "exports", "sessions", "ai"]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str  # written for a language model choosing among tools: when to use it
    parameters: type[BaseModel]
    group: ToolGroup
    ai: bool = False  # hidden and disabled when FULLSTORY_AI_ANALYSIS_ENABLED is false
    calls_fullstory: bool = True  # False: the logic gets no client, the Fullstory key is never read
    mode: Literal["sync", "async"] = "sync"
    timeout_s: int | None = None  # published for async tools
    example_prompt: str = ""  # what a user typically says; used in docs and demos

    @property
    def endpoint(self) -> str:
        return f"/tools/{self.name}"
