"""CORS for the local server, as the HTTP API answers it once ``CorsAllowedOrigins`` is set.

The headers, methods and max age come from template.yaml's ``CorsConfiguration``; the origins from
``CORS_ALLOWED_ORIGINS`` (any origin when unset, so that a browser-based tool such as the Opal tools
debugger works out of the box; ``none`` turns CORS off). Preflights are answered for every path,
and every answer, errors included, carries the headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ENV = "CORS_ALLOWED_ORIGINS"
ANY = "*"
API_ID = "ToolsApi"


def local_origins(raw: str | None, pattern: str) -> str:
    """The ``CorsAllowedOrigins`` value the local server runs with: ``*`` when unset, ``""`` for ``none``."""
    if raw is None:
        return ANY
    value = ",".join(part.strip() for part in raw.split(",") if part.strip())
    if value.lower() == "none":
        return ""
    if not re.fullmatch(pattern, value):
        raise ValueError(
            f"{ENV}: {raw!r} is not a comma-separated list of origins such as http://localhost:5173 (or *, or none)"
        )
    return value


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple[str, ...]
    headers: tuple[str, ...]
    methods: tuple[str, ...]
    expose: tuple[str, ...]
    max_age: int

    def _allowed(self, origin: str | None) -> str | None:
        if ANY in self.origins:
            return ANY
        return origin if origin in self.origins else None

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for any answer to a request from ``origin``."""
        allowed = self._allowed(origin)
        headers: dict[str, str] = {} if allowed == ANY else {"vary": "Origin"}
        if allowed is not None:
            headers["access-control-allow-origin"] = allowed
            if self.expose:
                headers["access-control-expose-headers"] = ",".join(self.expose)
        return headers

    def preflight_headers(self, origin: str | None) -> dict[str, str]:
        headers = self.response_headers(origin)
        if "access-control-allow-origin" in headers:
            headers.update(
                {
                    "access-control-allow-methods": ",".join(self.methods),
                    "access-control-allow-headers": ",".join(self.headers),
                    "access-control-max-age": str(self.max_age),
                }
            )
        return headers


def cors_policy(template: dict[str, Any], origins: str) -> CorsPolicy | None:
    """The CORS the template configures once ``CorsAllowedOrigins`` is ``origins``; None for no origins
    (the template's ``!If [HasCorsOrigins, <configuration>, !Ref AWS::NoValue]``)."""
    config = ((template.get("Resources") or {}).get(API_ID, {}).get("Properties") or {}).get("CorsConfiguration")
    if isinstance(config, dict) and "Fn::If" in config:
        config = config["Fn::If"][1]
    if not origins or not isinstance(config, dict):
        return None
    return CorsPolicy(
        origins=tuple(origin for origin in origins.split(",") if origin),  # AllowOrigins: !Split [",", <origins>]
        headers=tuple(str(h).lower() for h in config.get("AllowHeaders", [])),
        methods=tuple(str(m).upper() for m in config.get("AllowMethods", [])),
        expose=tuple(str(h).lower() for h in config.get("ExposeHeaders", [])),
        max_age=int(config.get("MaxAge", 0)),
    )
