"""Embedded Fullstory simulator: a real HTTP server on loopback that behaves like the Fullstory
REST API (segments, segment exports, operations, sessions, Activation summaries/context/profiles)
over a seeded, deterministic dataset. Standard library only.

    from local.fullstory_sim import FullstorySimulator
    with FullstorySimulator() as sim:
        requests.get(f"{sim.base_url}/segments/v1", headers={"Authorization": "Basic sim-key"})
"""

from .faults import Fault, LoggedRequest, RequestLog
from .model import Dataset, Device, Event, Location, Page, Segment, SegmentRule, Session, User
from .simulator import FullstorySimulator

__all__ = [
    "Dataset",
    "Device",
    "Event",
    "Fault",
    "FullstorySimulator",
    "Location",
    "LoggedRequest",
    "Page",
    "RequestLog",
    "Segment",
    "SegmentRule",
    "Session",
    "User",
]
