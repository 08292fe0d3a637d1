"""What one summary asks of Fullstory's model, sent whole with every request.

This is the official SDK's ``ProfileConfiguration`` (projects/sdk/src/profile.ts): ``llm``
(``pre_prompt``, ``post_prompt``, ``temperature``, ``response_schema``) and the optional ``slice``,
``context``, ``events`` and ``cache`` sections. ``POST /v2/sessions/{id}/summary`` ("Generate
Summary With Overrides") takes it as the body; without a ``config_profile`` Fullstory uses it "in
its entirety without referencing a saved profile" (session.ts ``summaryWithOverrides``), so a
summary writes nothing into the customer's org.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SummaryConfiguration:
    pre_prompt: str  # before the session's context: the role and the purpose
    post_prompt: str  # after it: what to produce and in what form
    temperature: float
    # Fullstory's schema dialect: CAPITALISED types, `enum` with `"format": "enum"`, no $schema/$id.
    response_schema: Mapping[str, Any] | None = None
    slice: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    events: Mapping[str, Any] = field(default_factory=dict)
    cache: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The request body's configuration part; empty sections are left to Fullstory's defaults."""
        llm: dict[str, Any] = {
            "pre_prompt": self.pre_prompt,
            "post_prompt": self.post_prompt,
            "temperature": self.temperature,
        }
        if self.response_schema is not None:
            llm["response_schema"] = copy.deepcopy(dict(self.response_schema))
        body: dict[str, Any] = {"llm": llm}
        for name, section in (("slice", self.slice), ("context", self.context), ("events", self.events)):
            if section:
                body[name] = copy.deepcopy(dict(section))
        if self.cache:
            body["cache"] = dict(self.cache)
        return body
