"""Facts the simulated "LLM" knows about a session, derived only from the recorded events the
profile lets it see (after slice/type filters). Summaries and structured answers are phrased
from these, so every claim is traceable to a real event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .context import Selected, describe
from .model import Dataset, Event, Page, Session, User
from .timeutil import rfc3339_ms

FUNNEL = (
    ("Landing", lambda p, e: True),
    ("Product viewed", lambda p, e: p.path.startswith("/products/")),
    ("Added to cart", lambda p, e: e.kind == "custom" and e.custom_name == "Added to Cart"),
    ("Cart", lambda p, e: p.path == "/cart"),
    ("Checkout: information", lambda p, e: p.path == "/checkout/information"),
    ("Checkout: shipping", lambda p, e: p.path == "/checkout/shipping"),
    ("Checkout: payment", lambda p, e: p.path == "/checkout/payment"),
    ("Order confirmed", lambda p, e: e.kind == "custom" and e.custom_name == "Order Completed"),
)
ACTIONS = {"click", "dead-click", "error-click", "rage-click", "input-change"}


@dataclass(frozen=True)
class Finding:
    """One notable thing that went wrong (or a consent observation)."""

    kind: str  # console-error | network-error | rage-click | dead-click | error-click | consent
    page: str  # path
    page_url: str
    time: str  # RFC 3339
    offset: str  # mm:ss into the session
    message: str
    trigger: str  # the user action that preceded it
    severity: str  # high | medium | low


@dataclass
class Facts:
    session: Session
    user: User | None
    num_events: int
    duration_s: int
    pages: list[Page] = field(default_factory=list)
    console_errors: list[Finding] = field(default_factory=list)
    network_errors: list[Finding] = field(default_factory=list)
    frustration: list[Finding] = field(default_factory=list)  # rage, dead and error clicks
    consent: list[Finding] = field(default_factory=list)
    consent_shown: bool = False
    consent_choice: str = "none recorded"
    consent_failed: bool = False
    stages: list[str] = field(default_factory=list)
    purchased: bool = False
    revenue: float = 0.0
    custom_events: list[str] = field(default_factory=list)
    search_terms: list[str] = field(default_factory=list)
    slowest_page: tuple[str, int] = ("", 0)
    last_action: str = "no interaction recorded"
    sessions_before: int = 0  # the same person's earlier sessions

    # ---- derived judgements -------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        items = self.console_errors + self.network_errors + self.frustration + self.consent
        unique = {(f.kind, f.time, f.message): f for f in items}
        return sorted(unique.values(), key=lambda f: f.time)

    @property
    def errors(self) -> list[Finding]:
        return sorted(self.console_errors + self.network_errors, key=lambda f: f.time)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.pages]

    @property
    def drop_off(self) -> str | None:
        if self.purchased or len(self.stages) < 2:
            return None
        return self.stages[-1]

    @property
    def drop_off_reason(self) -> str:
        stage = self.drop_off
        if stage is None:
            return "no drop-off: the order was placed" if self.purchased else "the visitor never entered the funnel"
        last_page = self.pages[-1].path if self.pages else ""
        blockers = [f for f in self.findings if f.page == last_page and f.kind != "consent"]
        if blockers:
            return "; ".join(f.message for f in blockers[:3])
        return "no error was recorded; the visitor hesitated and left"

    @property
    def intent(self) -> tuple[str, float, str]:
        """(class, confidence, evidence) judged from the first actions."""
        early = self.paths[:4]
        adds = "Added to cart" in self.stages
        if any(p.startswith("/admin") for p in early):
            return "managing the store (internal user)", 0.9, "went straight to the admin back office"
        if any(p.startswith(("/help", "/account/orders")) for p in early):
            opened = ", ".join(p for p in early if p.startswith(("/help", "/account")))
            return "seeking support", 0.85, f"opened {opened}"
        if (adds and len(self.paths) <= 6) or self.purchased:
            return "ready to buy", 0.8 if not self.purchased else 0.95, "added a product to the cart early"
        products = {p for p in self.paths if p.startswith("/products/")}
        if len(products) >= 2:
            return "comparing", 0.7, f"viewed {len(products)} products: {', '.join(sorted(products))}"
        if any(p.startswith("/blog/") for p in early):
            return "researching", 0.75, "arrived on blog articles and read them"
        if self.search_terms:
            return "researching", 0.6, f"searched for {', '.join(repr(t) for t in self.search_terms)}"
        if adds:
            return "ready to buy", 0.65, "added a product to the cart"
        return "exploring", 0.55, f"browsed {len(self.pages)} pages without a clear target"

    @property
    def persona(self) -> str:
        if self.user is not None and self.user.role == "admin":
            return "internal power user (store admin)"
        if self.sessions_before >= 9:
            return "power user"
        if self.sessions_before == 0:
            return "first-timer"
        if any(p.startswith("/blog/") for p in self.paths):
            return "content reader"
        if self.purchased or (self.user is not None and self.user.lifetime_value > 0):
            return "returning customer"
        return "explorer" if len(self.pages) >= 4 else "casual browser"

    @property
    def navigation_style(self) -> str:
        if self.search_terms:
            return "search-driven"
        if sum(1 for p in self.paths if p.startswith("/blog/")) >= 1:
            return "content-led"
        browsing = sum(1 for p in self.paths if p.startswith(("/collections/", "/products/")))
        if browsing >= 4:
            return "exploratory (many listing and product pages)"
        return "direct (few pages, straight to the goal)"

    @property
    def engagement(self) -> str:
        minutes = max(self.duration_s / 60, 0.5)
        rate = self.num_events / minutes
        level = "high" if rate >= 4 else "medium" if rate >= 2 else "low"
        return f"{level} ({self.num_events} events in {self.duration_s // 60} min {self.duration_s % 60} s)"

    @property
    def outcome(self) -> str:
        if self.purchased:
            return f"completed an order worth ${self.revenue:.2f}"
        if self.drop_off:
            return f"left at the {self.drop_off} stage without ordering"
        if "Support Ticket Created" in self.custom_events:
            return "submitted a support ticket"
        last = self.pages[-1].path if self.pages else "/"
        return f"left from {last}"


def _offset(session: Session, at_ms: int) -> str:
    seconds = max(0, (at_ms - session.start_ms) // 1000)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


Make = Callable[[str, str, str], Finding]  # (kind, message, severity) -> a finding at the event
_CHOICES = {"accept": "accepted all", "reject": "rejected all", "settings": "customised preferences"}


def _note_problem(facts: Facts, event: Event, make: Make) -> None:
    """Errors and frustration signals, and the consent failures among them."""
    if event.kind == "console-error":
        item, found = make("console-error", event.message, "high"), facts.console_errors
    elif event.kind == "network-error":
        severity = "high" if event.status >= 500 or event.status == 402 else "medium"
        message = f"{event.request_method} {event.request_url} returned {event.status}"
        item, found = make("network-error", message, severity), facts.network_errors
    else:  # a rage, dead or error click
        severity = "high" if event.kind == "rage-click" else "medium"
        item, found = make(event.kind, describe(event), severity), facts.frustration
    found.append(item)
    if event.consent == "cmp-error" or (found is facts.frustration and event.consent):
        facts.consent.append(item)


def _note_other(facts: Facts, event: Event, make: Make) -> None:
    """The consent banner and choice, custom events (a purchase) and searches."""
    if event.kind == "element-seen" and event.consent in {"banner-shown", "banner-reshown"}:
        facts.consent_shown = True
        if event.consent == "banner-reshown":
            facts.consent.append(make("consent", "the cookie banner appeared again on a later page", "medium"))
    elif event.kind == "click" and event.consent in _CHOICES:
        facts.consent_choice = _CHOICES[event.consent]
    elif event.kind == "custom":
        facts.custom_events.append(event.custom_name)
        if event.custom_name == "Order Completed":
            facts.purchased = True
            facts.revenue += float(event.properties.get("revenue", 0.0))
    elif event.kind == "input-change" and event.properties.get("field") == "Search":
        facts.search_terms.append(event.target_text)


def _banner_never_rendered(facts: Facts) -> None:
    config_failures = [f for f in facts.consent if f.kind == "network-error"]
    if config_failures and not facts.consent_shown:
        first = config_failures[0]
        facts.consent.append(
            Finding(
                "consent",
                first.page,
                first.page_url,
                first.time,
                first.offset,
                "the consent banner never rendered, so no choice could be made",
                first.trigger,
                "high",
            )
        )


def derive(data: Dataset, session: Session, selected: Selected) -> Facts:
    user = data.user(session.uid)
    facts = Facts(
        session=session, user=user, num_events=len(selected), duration_s=(session.end_ms - session.start_ms) // 1000
    )
    if user is not None:
        facts.sessions_before = sum(1 for s in data.sessions_of(user.uid) if s.start_ms < session.start_ms)
    last_action: dict[str, str] = {}  # page id → description of the latest user action on it
    reached: set[str] = set()
    slowest = ("", 0)
    for page, event in selected:
        if not facts.pages or facts.pages[-1] is not page:
            facts.pages.append(page)
            slowest = max(slowest, (page.path, page.load_ms), key=lambda pair: pair[1])
        reached.update(stage for stage, test in FUNNEL if test(page, event))
        trigger = last_action.get(page.page_id, f"loading {page.path}")

        def make(kind: str, message: str, severity: str, p: Page = page, e: Event = event, t: str = trigger) -> Finding:
            return Finding(kind, p.path, p.url, rfc3339_ms(e.at_ms), _offset(session, e.at_ms), message, t, severity)

        if event.kind in {"console-error", "network-error", "rage-click", "dead-click", "error-click"}:
            _note_problem(facts, event, make)
        else:
            _note_other(facts, event, make)
        if event.consent == "cmp-error":
            facts.consent_failed = True
        if event.kind in ACTIONS:
            last_action[page.page_id] = describe(event)
            facts.last_action = f"{describe(event)} on {page.path}"
    facts.stages = [stage for stage, _ in FUNNEL if stage in reached]
    facts.slowest_page = slowest
    _banner_never_rendered(facts)
    return facts
