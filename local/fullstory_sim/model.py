"""Typed records of the simulated organisation: users, sessions (pages → events), segments.

Everything here is immutable once generated, so request threads can read it without locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

# Event vocabulary of the Activation API (context `include_types`/`exclude_types`), plus
# `custom` for FS('trackEvent') API events.
EventKind = Literal[
    "navigate",
    "click",
    "dead-click",
    "error-click",
    "rage-click",
    "input-change",
    "console-error",
    "network-error",
    "element-seen",
    "custom",
]
EVENT_KINDS: tuple[str, ...] = (
    "navigate",
    "click",
    "dead-click",
    "error-click",
    "rage-click",
    "input-change",
    "network-error",
    "console-error",
    "mouse-thrash",
    "highlight",
    "copy",
    "paste",
    "element-seen",
)

# Consent-management tags carried by the events that belong to the cookie banner flow.
ConsentTag = Literal["", "banner-shown", "banner-reshown", "accept", "reject", "settings", "cmp-error"]

PropValue = str | int | float | bool


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at_ms: int
    target_text: str = ""
    selector: str = ""
    message: str = ""  # console-error text
    source_url: str = ""  # script that logged the console error
    request_url: str = ""  # network-error
    request_method: str = ""
    status: int = 0
    click_count: int = 0  # rage-click: clicks in the burst
    custom_name: str = ""  # custom (API) event name
    properties: dict[str, PropValue] = field(default_factory=dict)
    consent: ConsentTag = ""


@dataclass(frozen=True)
class Page:
    page_id: str
    url: str
    title: str
    referrer: str
    start_ms: int
    end_ms: int
    events: tuple[Event, ...]
    tab: int = 1
    load_ms: int = 900

    @property
    def path(self) -> str:
        rest = self.url.split("://", 1)[-1].split("#", 1)[0].split("?", 1)[0]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


@dataclass(frozen=True)
class Device:
    browser: str
    browser_version: str
    os: str
    device: Literal["Desktop", "Mobile", "Tablet"]
    user_agent: str
    screen: tuple[int, int]
    viewport: tuple[int, int]


@dataclass(frozen=True)
class Location:
    country: str
    region: str
    city: str
    lat_long: str
    ip: str


@dataclass(frozen=True)
class Session:
    device_id: str
    session_id: str
    uid: str
    start_ms: int
    end_ms: int
    device: Device
    location: Location
    pages: tuple[Page, ...]
    journey: str  # archetype the generator followed (browse, purchase, abandon, ...)

    @property
    def id(self) -> str:
        """Server-API session id `deviceId:sessionId`."""
        return f"{self.device_id}:{self.session_id}"

    @property
    def created_s(self) -> int:
        return self.start_ms // 1000

    def iter_events(self) -> Iterator[tuple[Page, Event]]:
        for page in self.pages:
            for event in page.events:
                yield page, event

    @property
    def num_events(self) -> int:
        return sum(len(p.events) for p in self.pages)


@dataclass(frozen=True)
class User:
    uid: str
    indv_id: str
    email: str
    display_name: str
    role: Literal["customer", "admin"]
    loyalty_tier: str
    newsletter: bool
    lifetime_value: float
    created_ms: int
    device_ids: tuple[str, ...]

    @property
    def properties(self) -> dict[str, PropValue]:
        """User vars as set through FS('setProperties') — names without type suffix."""
        return {
            "role": self.role,
            "loyaltyTier": self.loyalty_tier,
            "newsletter": self.newsletter,
            "lifetimeValue": self.lifetime_value,
        }


SegmentRuleKind = Literal[
    "all",
    "event",
    "url",
    "device",
    "browser",
    "country",
    "user_role",
    "user_tier",
    "custom_event",
    "consent",
    "abandon",
    "min_sessions",
    "high_value",
    "new_users",
    "returning",
    "console_message",
    "network_url",
]


@dataclass(frozen=True)
class SegmentRule:
    """What makes a session part of a segment; see segments.py for the semantics."""

    kind: SegmentRuleKind
    arg: str = ""


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    rule: SegmentRule
    creator: str | None = None  # built-ins have no creator
    created: str | None = None  # RFC 3339; absent for built-ins
    # The segment's own saved date range, "the last N days" (None = all time); an export without
    # segmentTimeRange decides membership over it [I: the days are a guess; the rule is documented].
    saved_range_days: int | None = 30

    @property
    def builtin(self) -> bool:
        return self.created is None


@dataclass
class Dataset:
    """The seeded organisation. Lookup indexes are built once in __post_init__."""

    org_id: str
    org_name: str
    domain: str
    anchor_ms: int
    users: tuple[User, ...]
    sessions: tuple[Session, ...]  # sorted by start time, oldest first
    segments: tuple[Segment, ...]
    _by_uid: dict[str, User] = field(init=False, repr=False)
    _by_email: dict[str, list[User]] = field(init=False, repr=False)
    _sessions_by_uid: dict[str, list[Session]] = field(init=False, repr=False)
    _session_by_id: dict[str, Session] = field(init=False, repr=False)
    _segment_by_id: dict[str, Segment] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_uid = {u.uid: u for u in self.users}
        self._by_email = {}
        for u in self.users:
            self._by_email.setdefault(u.email.lower(), []).append(u)
        self._sessions_by_uid = {}
        for s in self.sessions:
            self._sessions_by_uid.setdefault(s.uid, []).append(s)
        self._session_by_id = {s.id: s for s in self.sessions}
        self._segment_by_id = {s.id: s for s in self.segments}

    def user(self, uid: str) -> User | None:
        return self._by_uid.get(uid)

    def users_with_email(self, email: str) -> list[User]:
        return list(self._by_email.get(email.strip().lower(), []))

    def sessions_of(self, uid: str) -> list[Session]:
        """Oldest first."""
        return list(self._sessions_by_uid.get(uid, []))

    def session(self, session_id: str) -> Session | None:
        return self._session_by_id.get(session_id)

    def segment(self, segment_id: str) -> Segment | None:
        return self._segment_by_id.get(segment_id)

    def app_url(self, path: str) -> str:
        return f"https://app.fullstory.com/ui/{self.org_id}/{path.lstrip('/')}"

    def session_url(self, session: Session) -> str:
        return self.app_url(f"session/{session.id}")
