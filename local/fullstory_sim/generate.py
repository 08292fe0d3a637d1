"""Seeded, deterministic generation of the simulated organisation.

Same seed + same anchor → byte-identical dataset. Sessions are spread over the ~60 days before
the anchor (the simulator passes its clock's current hour, so `make run` always shows recent
activity). Every user has at least one session; a handful of "regulars" have 10+.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from .journeys import CONSENT_MODES, JOURNEYS, PROBLEMS, Plan, SessionRecorder
from .model import Dataset, Device, Location, Session, User
from .segments import build_segments
from .shop import DEVICES, EU_COUNTRIES, FIRST_NAMES, LAST_NAMES, LOCATIONS, ORG_ID, ORG_NAME, SITE_DOMAIN, location

NUM_USERS = 64
MIN_SESSIONS = 310
DAY_MS = 86_400_000

# Journey weights per persona.
PERSONAS: dict[str, dict[str, int]] = {
    "shopper": {"browse": 4, "purchase": 3, "abandon": 3, "search": 2, "account": 1, "blog": 1, "support": 1},
    "bargain": {"browse": 3, "abandon": 4, "purchase": 1, "search": 2, "blog": 1},
    "reader": {"blog": 6, "browse": 2, "search": 1, "purchase": 1},
    "support": {"support": 4, "account": 3, "browse": 1, "abandon": 1},
    "loyal": {"purchase": 5, "account": 2, "browse": 2, "search": 2, "abandon": 1},
    "admin": {"admin": 6, "account": 1, "browse": 1},
}


@dataclass
class _Visitor:
    uid: str
    first: str
    last: str
    email: str
    persona: str
    devices: list[tuple[str, Device]]
    home: Location
    n_sessions: int


def _digits(rng: random.Random, n: int, used: set[str]) -> str:
    while True:
        value = str(rng.randrange(10 ** (n - 1), 10**n))
        if value not in used:
            used.add(value)
            return value


def _visitors(rng: random.Random, used: set[str]) -> list[_Visitor]:
    visitors: list[_Visitor] = []
    emails: set[str] = set()
    regulars = {0, *rng.sample(range(1, NUM_USERS), 8)}
    admins = set(rng.sample(sorted(set(range(1, NUM_USERS)) - regulars), 6))
    for i in range(NUM_USERS):
        if i == 0:
            first, last = "John", "Doe"  # the customer support tickets keep mentioning
        else:
            while True:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                if f"{first}.{last}".lower() not in emails:
                    break
        email = f"{first}.{last}@example.com".lower()
        emails.add(f"{first}.{last}".lower())
        if i in admins:
            persona = "admin"
        elif i == 0:
            persona = "shopper"
        else:
            persona = rng.choices(("shopper", "bargain", "reader", "support", "loyal"), (5, 3, 2, 2, 2))[0]
        loc_index = rng.randrange(len(LOCATIONS))
        home = location(loc_index, (rng.randint(1, 254), rng.randint(1, 254)))
        desktop = [d for d in DEVICES if d.device == "Desktop"]
        devices = [(_digits(rng, 16, used), rng.choice(desktop if persona == "admin" else DEVICES))]
        if persona != "admin" and rng.random() < 0.45:
            devices.append((_digits(rng, 16, used), rng.choice(DEVICES)))
        n_sessions = rng.randint(10, 16) if i in regulars else rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 7))
        visitors.append(_Visitor(f"usr_{1001 + i}", first, last, email, persona, devices, home, n_sessions))
    while sum(v.n_sessions for v in visitors) < MIN_SESSIONS:  # any seed yields a full dataset
        rng.choice(visitors[1:]).n_sessions += 1
    return visitors


def _plan(rng: random.Random, visitor: _Visitor) -> Plan:
    weights = PERSONAS[visitor.persona]
    journey = rng.choices(tuple(weights), tuple(weights.values()))[0]
    possible = PROBLEMS[journey]
    roll = rng.random()
    count = 2 if roll < 0.12 else 1 if roll < 0.5 else 0
    problems = frozenset(rng.sample(possible, k=min(count, len(possible))))
    banner_chance = 0.9 if visitor.home.country in EU_COUNTRIES else 0.45
    consent = "none"
    if rng.random() < banner_chance:
        consent = rng.choices(CONSENT_MODES[1:], (10, 4, 2, 2, 1, 1))[0]
    return Plan(journey, problems, consent, "admin" if visitor.persona == "admin" else "customer")


# John Doe's latest visits are scripted so demos and tests always find the same stories there.
_JOHN_SCRIPT: dict[int, Plan] = {
    -1: Plan("abandon", frozenset({"price_error"}), "accept"),
    -2: Plan("abandon", frozenset({"payment_decline", "coupon_fail"}), "fail-script"),
    -3: Plan("support", frozenset({"contact_500"}), "fail-persist"),
}
# The id of John's latest visit is the one the README, the tools' descriptions and their sample
# events use (``deviceId:sessionId``), so that every example works against `make run`.
EXAMPLE_DEVICE_ID, EXAMPLE_SESSION_ID = "4617328710723584", "7291042947185627"


def _pin_example(visitor: _Visitor, used: set[str]) -> None:
    """John's first device gets the example device id; the rest of the dataset is as the seed makes it."""
    _, device = visitor.devices[0]
    visitor.devices[0] = (EXAMPLE_DEVICE_ID, device)
    used.update((EXAMPLE_DEVICE_ID, EXAMPLE_SESSION_ID))


@functools.lru_cache(maxsize=8)  # datasets are read-only, so simulators with equal inputs share one
def generate(seed: int, anchor_ms: int) -> Dataset:
    rng = random.Random(seed)
    used: set[str] = set()
    visitors = _visitors(rng, used)
    _pin_example(visitors[0], used)
    sessions: list[Session] = []
    users: list[User] = []
    window_start = anchor_ms - 60 * DAY_MS
    for visitor in visitors:
        starts = sorted(rng.randint(window_start, anchor_ms - 3_600_000) for _ in range(visitor.n_sessions))
        revenue = 0.0
        mine: list[Session] = []
        for index, start in enumerate(starts):
            plan = _plan(rng, visitor)
            if visitor.uid == "usr_1001":
                plan = _JOHN_SCRIPT.get(index - len(starts), plan)
            device_id, device = rng.choice(visitor.devices)
            recorder = SessionRecorder(rng, start, lambda: _digits(rng, 19, used))
            outcome = JOURNEYS[plan.journey](recorder, plan)
            pages = recorder.finish()
            session_id = _digits(rng, 19, used)
            if visitor.uid == "usr_1001" and index == len(starts) - 1:
                (device_id, device), session_id = visitor.devices[0], EXAMPLE_SESSION_ID
            revenue += outcome.revenue
            loc = visitor.home
            mine.append(
                Session(
                    device_id=device_id,
                    session_id=session_id,
                    uid=visitor.uid,
                    start_ms=pages[0].start_ms,
                    end_ms=pages[-1].end_ms,
                    device=device,
                    location=loc,
                    pages=pages,
                    journey=plan.journey,
                )
            )
        tier = "gold" if revenue >= 400 else "silver" if revenue >= 150 else "bronze"
        users.append(
            User(
                uid=visitor.uid,
                indv_id=_digits(rng, 16, used),
                email=visitor.email,
                display_name=f"{visitor.first} {visitor.last}",
                role="admin" if visitor.persona == "admin" else "customer",
                loyalty_tier=tier,
                newsletter=rng.random() < 0.4,
                lifetime_value=round(revenue, 2),
                created_ms=mine[0].start_ms,
                device_ids=tuple(d for d, _ in visitor.devices),
            )
        )
        sessions.extend(mine)
    sessions.sort(key=lambda s: s.start_ms)
    return Dataset(
        org_id=ORG_ID,
        org_name=ORG_NAME,
        domain=SITE_DOMAIN,
        anchor_ms=anchor_ms,
        users=tuple(users),
        sessions=tuple(sessions),
        segments=build_segments(seed, anchor_ms),
    )
