"""The org's saved segments and what membership in each one means.

A segment is a rule evaluated per event: event-level rules (rage clicks, a console message, a
URL) match individual events/pages; user- and session-level rules (role, device, country, number
of sessions) match every event of a qualifying session. This is what export scopes are relative
to: SCOPE_EVENT(S) exports the matching events, SCOPE_PAGES every event on a page with a match,
SCOPE_SESSIONS every event of a session with a match, SCOPE_INDIVIDUAL every event of a
matching person.
"""

from __future__ import annotations

import random
import string

from .model import Dataset, Event, Page, Segment, SegmentRule, Session, User
from .timeutil import rfc3339_ms

DAY_MS = 86_400_000

# Built-in segments: word ids, no creator, no `created` (per the get-segment docs). The
# exact set of built-ins Fullstory ships varies by account; these are representative [I].
_BUILTINS: tuple[tuple[str, str, SegmentRule], ...] = (
    ("everyone", "Everyone", SegmentRule("all")),
    ("rageClicks", "Rage Clicks", SegmentRule("event", "rage-click")),
    ("deadClicks", "Dead Clicks", SegmentRule("event", "dead-click")),
    ("errorClicks", "Error Clicks", SegmentRule("event", "error-click")),
    ("newUsers", "New Users", SegmentRule("new_users", "14")),
    ("returningUsers", "Returning Users", SegmentRule("returning")),
    ("mobileUsers", "Mobile Users", SegmentRule("device", "Mobile")),
    ("desktopUsers", "Desktop Users", SegmentRule("device", "Desktop")),
)

# (name, creator, days before anchor it was created, rule)
_CUSTOM: tuple[tuple[str, str, int, SegmentRule], ...] = (
    ("High-Value Customers", "maria@acme.com", 412, SegmentRule("high_value", "250")),
    ("Admin Users", "dev.patel@acme.com", 377, SegmentRule("user_role", "admin")),
    ("Blog Readers", "maria@acme.com", 301, SegmentRule("url", "/blog/")),
    ("Checkout Abandoners", "maria@acme.com", 280, SegmentRule("abandon")),
    ("Completed Purchases", "sam.oconnor@acme.com", 265, SegmentRule("custom_event", "Order Completed")),
    ("Login Success", "dev.patel@acme.com", 240, SegmentRule("custom_event", "Login Success")),
    ("Cart API Errors", "lee.chen@acme.com", 198, SegmentRule("network_url", "/api/cart")),
    ("Payment Declines", "lee.chen@acme.com", 176, SegmentRule("network_url", "/api/checkout/payment")),
    ("Price Script Errors", "lee.chen@acme.com", 150, SegmentRule("console_message", "reading 'price'")),
    ("Consent Rejecters", "priya.shah@acme.com", 133, SegmentRule("consent", "reject")),
    ("Consent Banner Failures", "priya.shah@acme.com", 120, SegmentRule("consent", "cmp-error")),
    ("Help Center Visitors", "sam.oconnor@acme.com", 101, SegmentRule("url", "/help")),
    ("Returns Page Visitors", "sam.oconnor@acme.com", 96, SegmentRule("url", "/help/returns")),
    ("Site Search Users", "maria@acme.com", 88, SegmentRule("url", "/search?q=")),
    ("Jacket Browsers", "maria@acme.com", 75, SegmentRule("url", "/collections/jackets")),
    ("EU Visitors", "priya.shah@acme.com", 64, SegmentRule("country", "GB,DE,FR,NL")),
    ("Safari Users", "lee.chen@acme.com", 51, SegmentRule("browser", "Safari")),
    ("Gold Tier Members", "maria@acme.com", 43, SegmentRule("user_tier", "gold")),
    ("Power Users", "dev.patel@acme.com", 30, SegmentRule("min_sessions", "10")),
    ("Coupon Users", "sam.oconnor@acme.com", 22, SegmentRule("custom_event", "Coupon Applied")),
    ("Support Ticket Submitters", "sam.oconnor@acme.com", 12, SegmentRule("custom_event", "Support Ticket Created")),
    ("Newsletter Signups", "maria@acme.com", 5, SegmentRule("custom_event", "Newsletter Subscribed")),
)

# An old-style id `email:number` (still valid, must be URL-encoded in paths).
_LEGACY = ("Spring Sale Campaign Landings", "maria@acme.com", 640, SegmentRule("url", "utm_campaign=spring_sale"))


def build_segments(seed: int, anchor_ms: int) -> tuple[Segment, ...]:
    rng = random.Random(f"segments:{seed}")  # separate stream: ids stay put if data generation changes
    alphabet = string.ascii_letters + string.digits
    out = [Segment(sid, name, rule) for sid, name, rule in _BUILTINS]
    for name, creator, days, rule in _CUSTOM:
        sid = "".join(rng.choice(alphabet) for _ in range(12))
        created = anchor_ms - days * DAY_MS - rng.randint(0, DAY_MS)
        out.append(Segment(sid, name, rule, creator, rfc3339_ms(created)))
    name, creator, days, rule = _LEGACY
    legacy_id = f"{creator}:{rng.randrange(10**15, 10**16)}"
    out.append(Segment(legacy_id, name, rule, creator, rfc3339_ms(anchor_ms - days * DAY_MS)))
    return tuple(out)


# Rules about the person: a session without one matches none of them.
PERSON_RULES = frozenset({"user_role", "user_tier", "high_value", "new_users", "returning", "min_sessions"})


class SegmentMatcher:
    """Evaluates segment rules against the dataset."""

    def __init__(self, data: Dataset) -> None:
        self._data = data

    @staticmethod
    def _about_the_session(kind: str, arg: str, session: Session) -> bool | None:
        """Decision for rules about the whole session; None for the others."""
        if kind == "all":
            return True
        if kind == "device":
            return session.device.device == arg
        if kind == "browser":
            return arg in session.device.browser
        if kind == "country":
            return session.location.country in arg.split(",")
        if kind == "abandon":
            paths = [p.path for p in session.pages]
            reached = any(p.startswith(("/cart", "/checkout")) for p in paths)
            return None if reached and not any(p.startswith("/checkout/confirmation") for p in paths) else False
        return None

    def _about_the_person(self, kind: str, arg: str, user: User) -> bool | None:
        """Decision for rules about the person; None for the others."""
        decide = {
            "user_role": lambda: user.role == arg,
            "user_tier": lambda: user.loyalty_tier == arg,
            "high_value": lambda: user.lifetime_value >= float(arg),
            "new_users": lambda: user.created_ms >= self._data.anchor_ms - int(arg) * DAY_MS,
            "returning": lambda: len(self._data.sessions_of(user.uid)) > 1,
            "min_sessions": lambda: len(self._data.sessions_of(user.uid)) >= int(arg),
        }.get(kind)
        return None if decide is None else decide()

    def _session_level(self, rule: SegmentRule, user: User | None, session: Session) -> bool | None:
        """Decision for rules about the person or the whole session; None for event-level rules."""
        kind, arg = rule.kind, rule.arg
        if kind in PERSON_RULES:
            return False if user is None else self._about_the_person(kind, arg, user)
        return self._about_the_session(kind, arg, session)

    @staticmethod
    def _event_level(rule: SegmentRule, page: Page, event: Event) -> bool:
        kind, arg = rule.kind, rule.arg
        if kind == "event":
            return event.kind == arg
        if kind == "url":
            return arg in page.url
        if kind == "custom_event":
            return event.kind == "custom" and event.custom_name == arg
        if kind == "consent":
            return event.consent == arg
        if kind == "console_message":
            return event.kind == "console-error" and arg in event.message
        if kind == "network_url":
            return event.kind == "network-error" and arg in event.request_url
        if kind == "abandon":
            return page.path.startswith(("/cart", "/checkout"))
        return False

    def matching_events(self, segment: Segment, session: Session) -> list[tuple[Page, Event]]:
        decided = self._session_level(segment.rule, self._data.user(session.uid), session)
        if decided is not None:
            return list(session.iter_events()) if decided else []
        return [(p, e) for p, e in session.iter_events() if self._event_level(segment.rule, p, e)]

    def session_matches(self, segment: Segment, session: Session) -> bool:
        return bool(self.matching_events(segment, session))
