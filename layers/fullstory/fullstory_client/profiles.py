"""Summary ("visit") profiles found by name or created once, with their ids cached.

A profile per call would flood the org's profile list (and each creation is a write), so every
definition maps to one named profile. Custom prompts get profiles named by their hash; at most
``MAX_CUSTOM_PROFILES`` of those are kept: before another is created, the surplus is deleted.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from .client import FullstoryClient
from .errors import NotFound
from .models import LlmConfig, SessionSummary, SummaryProfile

PROFILE_PREFIX = "opal-tools"
CUSTOM_PREFIX = f"{PROFILE_PREFIX} custom "
MAX_CUSTOM_PROFILES = 20
_MAX_LIST_PAGES = 20


@dataclass(frozen=True)
class ProfileDefinition:
    name: str
    pre_prompt: str
    post_prompt: str
    temperature: float
    response_schema: dict[str, Any] | None = None
    # slice/context/events settings; Fullstory's defaults otherwise.
    configuration: dict[str, Any] = field(default_factory=dict)

    def llm(self) -> LlmConfig:
        return LlmConfig(
            pre_prompt=self.pre_prompt,
            post_prompt=self.post_prompt,
            temperature=self.temperature,
            response_schema=self.response_schema,
        )


class SessionNotFound(NotFound):
    """The session, not the profile, is what Fullstory does not know."""


class SummaryProfiles:
    def __init__(self, client: FullstoryClient) -> None:
        self._client = client
        self._ids: dict[str, str] | None = None  # name -> id of our profiles, once listed
        self._lock = threading.Lock()

    def _ours(self) -> dict[str, str]:
        if self._ids is None:
            found: dict[str, str] = {}
            token: str | None = None
            for _ in range(_MAX_LIST_PAGES):
                page = self._client.list_summary_profiles(limit=100, pagination_token=token)
                found.update({p.name: p.id for p in page.profiles if p.name.startswith(PROFILE_PREFIX)})
                token = page.next_pagination_token
                if not token:
                    break
            self._ids = found
        return self._ids

    def profile_id(self, definition: ProfileDefinition) -> str:
        with self._lock:
            ours = self._ours()
            if definition.name not in ours:
                if definition.name.startswith(CUSTOM_PREFIX):
                    self._make_room_for_custom(ours)
                created: SummaryProfile = self._client.create_summary_profile(
                    name=definition.name, llm=definition.llm(), configuration=definition.configuration
                )
                ours[definition.name] = created.id
            return ours[definition.name]

    def _make_room_for_custom(self, ours: dict[str, str]) -> None:
        custom = [name for name in ours if name.startswith(CUSTOM_PREFIX)]
        for name in custom[: max(0, len(custom) - MAX_CUSTOM_PROFILES + 1)]:
            with contextlib.suppress(NotFound):  # another container removed it first
                self._client.delete_summary_profile(ours[name])
            del ours[name]

    def forget(self, definition: ProfileDefinition) -> None:
        with self._lock:
            if self._ids is not None:
                self._ids.pop(definition.name, None)

    def summarize(self, session_id: str, definition: ProfileDefinition) -> SessionSummary:
        """The session's summary under ``definition``; recreates the profile if it was deleted meanwhile."""
        profile_id = self.profile_id(definition)
        try:
            return self._client.generate_summary(session_id, profile_id=profile_id)
        except NotFound:
            try:
                self._client.get_summary_profile(profile_id)
            except NotFound:
                self.forget(definition)
                return self._client.generate_summary(session_id, profile_id=self.profile_id(definition))
            raise SessionNotFound(f"Fullstory has no session {session_id}", status=404) from None


_registries: weakref.WeakKeyDictionary[FullstoryClient, SummaryProfiles] = weakref.WeakKeyDictionary()
_registries_lock = threading.Lock()


def summary_profiles(client: FullstoryClient) -> SummaryProfiles:
    """One registry per client (per API key): profile ids belong to the key's org."""
    with _registries_lock:
        registry = _registries.get(client)
        if registry is None:
            registry = _registries[client] = SummaryProfiles(client)
        return registry
