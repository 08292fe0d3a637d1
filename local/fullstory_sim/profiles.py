"""Summary ("visit") profiles — `/v2/visit_profile` — and validation of profile configuration
(`llm`, `slice`, `context`, `events`, `cache`), which the summary and context endpoints reuse.

Profile JSON (official SDK, projects/sdk/src/profile.ts): `{"id", "name", "configuration": {slice,
context, events, cache}, "llm": {...}}`; ids are server-assigned UUIDs. The response-schema rules
(CAPITALISED types, no `$schema`/`$id`, `items` for ARRAY, `enum` for STRING) are from the SDK's
summary-profile skill (.claude/skills/summary-profile/response-schema.md).
"""

from __future__ import annotations

import base64
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, not_found, required
from .model import EVENT_KINDS
from .timeutil import parse_rfc3339

SLICE_MODES = ("UNSPECIFIED", "FIRST", "LAST", "TIMESTAMP")
CONTEXT_PARTS = ("user", "org", "location", "device")
MODELS = ("GEMINI_2_FLASH", "GEMINI_2_FLASH_LITE")
SCHEMA_TYPES = ("OBJECT", "ARRAY", "STRING", "NUMBER", "INTEGER", "BOOLEAN")
SECTIONS = ("slice", "context", "events", "cache")


def _obj(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be an object")
    return value


def _bool_fields(section: dict[str, Any], name: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in section and not isinstance(section[key], bool):
            raise bad_request(f"{name}.{key} must be a boolean")


def _validate_object(schema: dict[str, Any], path: str) -> None:
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        raise bad_request(f"{path}.properties must be an object")
    for key, sub in props.items():
        validate_schema(sub, f"{path}.properties.{key}")
    req = schema.get("required", [])
    if not isinstance(req, list) or any(r not in props for r in req):
        raise bad_request(f"{path}.required must list names from {path}.properties")


def _validate_enum(schema: dict[str, Any], kind: Any, path: str) -> None:
    if not isinstance(schema["enum"], list) or not schema["enum"]:
        raise bad_request(f"{path}.enum must be a non-empty list")
    if kind != "STRING":  # "Fixed set of allowed values (use with STRING type)"
        raise bad_request(f"{path}.enum is for STRING properties")


def validate_schema(schema: Any, path: str = "llm.response_schema") -> None:
    if not isinstance(schema, dict):
        raise bad_request(f"{path} must be an object")
    for banned in ("$schema", "$id"):
        if banned in schema:
            raise bad_request(f"{path}: {banned} is not supported in response_schema")
    kind = schema.get("type")
    if kind not in SCHEMA_TYPES:
        raise bad_request(f"{path}.type must be one of {', '.join(SCHEMA_TYPES)} (capitalised), got {kind!r}")
    if kind == "OBJECT":
        _validate_object(schema, path)
    if kind == "ARRAY":
        if "items" not in schema:
            raise bad_request(f"{path}.items is required for ARRAY")
        validate_schema(schema["items"], f"{path}.items")
    if "enum" in schema:
        _validate_enum(schema, kind, path)


def validate_llm(value: Any) -> dict[str, Any]:
    llm = _obj(value, "llm")
    for key in ("pre_prompt", "post_prompt"):
        if key in llm and not isinstance(llm[key], str):
            raise bad_request(f"llm.{key} must be a string")
    if "temperature" in llm:
        temp = llm["temperature"]
        if isinstance(temp, bool) or not isinstance(temp, int | float) or not 0.0 <= float(temp) <= 2.0:
            raise bad_request("llm.temperature must be a number between 0.0 and 2.0")
    if "model" in llm and llm["model"] not in MODELS:
        raise bad_request(f"llm.model must be one of {', '.join(MODELS)}")
    if "response_schema" in llm and llm["response_schema"] is not None:
        validate_schema(llm["response_schema"])
    return dict(llm)


def _validate_slice(sl: dict[str, Any]) -> None:
    if "mode" in sl and sl["mode"] not in SLICE_MODES:
        raise bad_request(f"slice.mode must be one of {', '.join(SLICE_MODES)}")
    for key in ("event_limit", "duration_limit_ms"):
        if key in sl:
            value = sl[key]
            if isinstance(value, str) and value.isdigit():  # int64 may arrive as a string
                sl[key] = value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request(f"slice.{key} must be a non-negative integer")
    for key in ("start_timestamp", "end_timestamp"):
        if sl.get(key):
            try:
                parse_rfc3339(str(sl[key]))
            except ValueError:
                raise bad_request(f"slice.{key} must be an RFC 3339 timestamp") from None


def _validate_context(ctx: dict[str, Any]) -> None:
    for key in ("include", "exclude"):
        if key in ctx and (not isinstance(ctx[key], list) or any(v not in CONTEXT_PARTS for v in ctx[key])):
            raise bad_request(f"context.{key} must be a list of {', '.join(CONTEXT_PARTS)}")
    _bool_fields(
        ctx,
        "context",
        ("exclude_org_context", "exclude_user_context", "exclude_location", "exclude_device", "exclude_descriptions"),
    )


def _validate_events(ev: dict[str, Any]) -> None:
    for key in ("include_types", "exclude_types"):
        # Besides the built-in types, a custom event's name: the docs' merge example includes
        # "Added to Cart" (generate-summary-with-overrides).
        if key in ev and (not isinstance(ev[key], list) or any(not isinstance(v, str) or not v for v in ev[key])):
            raise bad_request(
                f"events.{key} must be a list of event types ({', '.join(EVENT_KINDS)}) or custom event names"
            )
    _bool_fields(
        ev,
        "events",
        (
            "exclude_defined_events",
            "exclude_api_events",
            "exclude_event_timestamps",
            "exclude_selectors",
            "include_selector_tags",
            "include_tab_index",
            "include_descriptions",
        ),
    )
    if "trim_to_last_n_selectors" in ev and (
        isinstance(ev["trim_to_last_n_selectors"], bool) or not isinstance(ev["trim_to_last_n_selectors"], int)
    ):
        raise bad_request("events.trim_to_last_n_selectors must be an integer")


def validate_config(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The slice/context/events/cache sections of a body (flat or under `configuration`)."""
    nested = _obj(body.get("configuration"), "configuration")
    out: dict[str, dict[str, Any]] = {}
    for name in SECTIONS:
        out[name] = dict(_obj(body.get(name, nested.get(name)), name))
    _validate_slice(out["slice"])
    _validate_context(out["context"])
    _validate_events(out["events"])
    _bool_fields(out["cache"], "cache", ("enable_event_cache",))
    return out


@dataclass
class Profile:
    id: str
    name: str
    llm: dict[str, Any]
    config: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "configuration": self.config, "llm": self.llm}


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"profiles:{offset}".encode()).decode().rstrip("=")


def _parse_page_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, offset = text.split(":")
        if kind != "profiles":
            raise ValueError(kind)
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid pagination_token") from None


@dataclass
class ProfileStore:
    seed: int
    max_profiles: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _profiles: dict[str, Profile] = field(default_factory=dict)  # insertion order = creation order
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"profiles:{self.seed}")

    def create(self, body: Any) -> Profile:
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        name = body.get("name")
        if not name:
            raise required("name")
        if not isinstance(name, str):
            raise bad_request("name must be a string")
        # Everything but the name is optional (SDK profile.ts: `create(name, configuration)`, every
        # ProfileConfiguration field optional; docs' merge example: a profile with `events` only).
        llm = validate_llm(body.get("llm"))
        config = validate_config(body)
        with self._lock:
            if len(self._profiles) >= self.max_profiles:
                # The real quota and its error are undocumented; a non-retryable 400 keeps clients
                # from retrying a request that cannot succeed [I].
                raise ApiError(
                    400,
                    f"profile limit reached: at most {self.max_profiles} summary profiles "
                    "per organization; delete unused profiles",
                    "resource_exhausted",
                )
            profile_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            profile = Profile(profile_id, name, llm, config)
            self._profiles[profile_id] = profile
            return profile

    def get(self, profile_id: str) -> Profile:
        with self._lock:
            profile = self._profiles.get(profile_id)
        if profile is None:
            raise not_found()
        return profile

    def update(self, profile_id: str, body: Any) -> Profile:
        """Partial update: `name` replaced; `llm` and each config section merged key by key."""
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        with self._lock:
            profile = self._profiles.get(profile_id)
            if profile is None:
                raise not_found()
            name = body.get("name", profile.name)
            if not isinstance(name, str) or not name:
                raise bad_request("name must be a non-empty string")
            llm = {**profile.llm, **validate_llm(body.get("llm"))}
            patch = validate_config(body)
            config = {k: {**profile.config[k], **patch[k]} for k in SECTIONS}
            updated = Profile(profile_id, name, llm, config)
            self._profiles[profile_id] = updated
            return updated

    def delete(self, profile_id: str) -> None:
        with self._lock:
            if self._profiles.pop(profile_id, None) is None:
                raise not_found()

    def page(self, limit: int, token: str | None) -> dict[str, Any]:
        offset = _parse_page_token(token) if token else 0
        with self._lock:
            items = list(self._profiles.values())
        chunk = items[offset : offset + limit]
        out: dict[str, Any] = {"profiles": [p.to_json() for p in chunk]}
        if offset + limit < len(items):
            out["next_pagination_token"] = _page_token(offset + limit)
        return out
