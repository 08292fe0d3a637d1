"""What this environment lets requests to someone else's URL do (fullstory_client/outbound.py)."""

from __future__ import annotations

from fullstory_client.outbound import Allowance

from .settings import settings


def allowance() -> Allowance:
    """Loopback only where the local server allows it; the CA bundle the environment names, if any."""
    current = settings()
    return Allowance(loopback=current.allow_loopback_urls, ca_bundle=current.ca_bundle)
