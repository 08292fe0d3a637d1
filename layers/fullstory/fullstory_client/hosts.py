"""Which Fullstory host to talk to."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.fullstory.com"
EU_BASE_URL = "https://api.eu1.fullstory.com"


def resolve_base_url(api_key: str, override: str | None = None) -> str:
    """An explicit override wins; else keys with the ``eu1.`` region prefix go to the EU host.

    Fullstory's own SDK picks the host the same way; api.fullstory.com would also route EU
    accounts, but one hop slower.
    """
    if override and override.strip():
        return override.strip().rstrip("/")
    if api_key.startswith("eu1."):
        return EU_BASE_URL
    return DEFAULT_BASE_URL
