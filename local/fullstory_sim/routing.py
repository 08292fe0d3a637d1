"""Request/response records and the route table type used by the API modules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from .errors import bad_request

if TYPE_CHECKING:
    from .simulator import FullstorySimulator


@dataclass
class Request:
    method: str
    path: str  # raw path, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # URL-decoded path parameters

    @staticmethod
    def parse_query(raw: str) -> dict[str, list[str]]:
        return parse_qs(raw, keep_blank_values=True)

    def arg(self, *names: str) -> str | None:
        """First non-empty query value among alternative spellings (camelCase/snake_case)."""
        for name in names:
            values = self.query.get(name)
            if values and values[0] != "":
                return values[0]
        return None

    def int_arg(self, *names: str, default: int, low: int = 1, high: int | None = None) -> int:
        raw = self.arg(*names)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"{names[0]} must be an integer, got {raw!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise bad_request(f"{names[0]} must be {bound}, got {value}")
        return value

    def json(self, *, required: bool = True) -> Any:
        if not self.body.strip():
            if required:
                raise bad_request("request body must be a JSON object")
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("request body is not valid JSON") from None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(payload).encode(), "application/json", headers or {})


Handler = Callable[["FullstorySimulator", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool = True  # needs the API key
    admin: bool = False  # needs an Admin/Architect key (exports, Activation endpoints)

    def match(self, path: str) -> dict[str, str] | None:
        m = self.pattern.fullmatch(path)
        if m is None:
            return None
        return {k: unquote(v) for k, v in m.groupdict().items()}


def route(method: str, pattern: str, handler: Handler, *, auth: bool = True, admin: bool = False) -> Route:
    """`pattern` uses `{name}` for one path segment (matched still-encoded, then URL-decoded)."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return Route(method, re.compile(regex), handler, auth, admin)
