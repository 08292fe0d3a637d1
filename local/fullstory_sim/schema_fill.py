"""Build a value that conforms to a profile's `response_schema` (Fullstory's capitalised
OBJECT/ARRAY/STRING/NUMBER/INTEGER/BOOLEAN types) from the session facts.

Which fact fills a property is decided from the property's name and description, e.g.
`issues`/`findings`/`errors` arrays → one item per finding (items' `kind`/`page`/`time`/
`message` properties from that finding), `intent`/`goal` → intent, `confidence` → number,
`has_errors` → boolean. Enums always get one of their own values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .facts import Facts, Finding
from .summaries import recommendation, short_text


@dataclass(frozen=True)
class _Ctx:
    facts: Facts
    lens: str
    item: Finding | str | None = None  # the array element being described, if any


def _has(name: str, *words: str) -> bool:
    return any(w in name for w in words)


def _pick_enum(options: list[Any], wanted: str) -> Any:
    low = wanted.lower()
    for option in options:
        if str(option).lower() in low or low in str(option).lower():
            return option
    return options[0]


def _consent_status(f: Facts) -> str:
    shown = "shown" if f.consent_shown else "not shown"
    failure = "CMP failure" if f.consent_failed else "no CMP failure"
    return f"banner {shown}; choice: {f.consent_choice}; {failure}"


def _string(name: str, ctx: _Ctx) -> str:
    f, item = ctx.facts, ctx.item
    if isinstance(item, Finding):
        if _has(name, "kind", "type", "category"):
            return item.kind
        if _has(name, "page", "url", "where", "location"):
            return item.page
        if _has(name, "time", "when", "timestamp"):
            return item.time
        if _has(name, "trigger", "action", "cause"):
            return item.trigger
        if _has(name, "severity", "priority", "impact"):
            return item.severity
        return item.message
    if isinstance(item, str):
        return item
    intent, _, evidence = f.intent
    table: tuple[tuple[tuple[str, ...], str], ...] = (
        (("summary", "overview", "narrative", "description", "status"), short_text(f, ctx.lens)),
        (("intent", "goal", "objective", "purpose"), intent),
        (("evidence",), evidence),
        (("persona",), f.persona),
        (("navigation",), f.navigation_style),
        (("engagement",), f.engagement),
        (("drop",), f.drop_off or "none"),
        (("stage", "step"), f.stages[-1] if f.stages else "none"),
        (("final_action", "last_action", "final action", "last action"), f.last_action),
        (("reason", "termination", "why"), f.drop_off_reason),
        (("outcome", "result", "conclusion"), f.outcome),
        (("recommend", "suggest", "next", "follow"), recommendation(f)),
        (("consent", "cmp", "banner"), _consent_status(f)),
        (("severity", "risk", "priority"), "high" if f.errors else "medium" if f.frustration else "low"),
        (("browser", "device", "os", "platform"), f"{f.session.device.browser} on {f.session.device.os}"),
        (("email",), f.user.email if f.user else ""),
        (("user", "customer", "name"), f.user.display_name if f.user else "anonymous"),
        (("session",), f.session.id),
        (("error", "issue", "problem"), f.errors[0].message if f.errors else "none"),
    )
    for words, value in table:
        if _has(name, *words):
            return value
    return short_text(f, ctx.lens)


def _number(name: str, ctx: _Ctx, integer: bool) -> float | int:
    f = ctx.facts
    if _has(name, "confidence", "probability", "score", "likelihood"):
        value: float = f.intent[1]
        return round(value * 100) if integer else value
    if _has(name, "rage"):
        value = sum(1 for x in f.frustration if x.kind == "rage-click")
    elif _has(name, "console"):
        value = len(f.console_errors)
    elif _has(name, "network", "request"):
        value = len(f.network_errors)
    elif _has(name, "error"):
        value = len(f.errors)
    elif _has(name, "page"):
        value = len(f.pages)
    elif _has(name, "event"):
        value = f.num_events
    elif _has(name, "duration", "second", "time"):
        value = f.duration_s
    elif _has(name, "revenue", "value", "amount", "total"):
        value = round(f.revenue, 2)
    else:
        value = len(f.findings)
    return int(value) if integer else float(value)


def _boolean(name: str, ctx: _Ctx) -> bool:
    f = ctx.facts
    if _has(name, "consent", "cmp", "banner"):
        return f.consent_failed
    if _has(name, "purchase", "convert", "order", "bought"):
        return f.purchased
    if _has(name, "rage", "frustrat"):
        return bool(f.frustration)
    if _has(name, "abandon", "drop"):
        return f.drop_off is not None
    if _has(name, "error", "issue", "problem", "fail", "bug"):
        return bool(f.errors)
    return bool(f.findings)


def _array_items(name: str, ctx: _Ctx) -> Sequence[Finding | str]:
    f = ctx.facts
    if _has(name, "help", "doc"):
        return [p.url for p in f.pages if p.path.startswith("/help")]
    if _has(name, "page", "url", "visited"):
        return [p.url for p in f.pages]
    if _has(name, "stage", "step", "funnel"):
        return list(f.stages)
    if _has(name, "feature", "custom_event"):
        return sorted(set(f.custom_events))
    if _has(name, "recommend", "suggest", "action"):
        return [recommendation(f)]
    if _has(name, "consent", "cmp"):
        return list(f.consent)
    if _has(name, "console"):
        return list(f.console_errors)
    if _has(name, "network", "request"):
        return list(f.network_errors)
    if _has(name, "error"):
        return list(f.errors)
    return list(f.findings)


def fill(schema: dict[str, Any], facts: Facts, lens: str, name: str = "", item: Finding | str | None = None) -> Any:
    ctx = _Ctx(facts, lens, item)
    key = f"{name} {schema.get('description', '')}".lower()
    kind = schema.get("type")
    if kind == "OBJECT":
        props: dict[str, Any] = schema.get("properties", {})
        return {k: fill(sub, facts, lens, k, item) for k, sub in props.items()}
    if kind == "ARRAY":
        sub = schema.get("items", {"type": "STRING"})
        if item is not None:
            return [fill(sub, facts, lens, name, item)]
        return [fill(sub, facts, lens, name, element) for element in _array_items(key, ctx)]
    if kind == "BOOLEAN":
        value: Any = _boolean(key, ctx)
    elif kind in {"NUMBER", "INTEGER"}:
        value = _number(key, ctx, integer=kind == "INTEGER")
    else:
        # An item description of the array's parent (e.g. "The URL of a help page") should not
        # pull a different fact: strings inside arrays describe the element itself.
        value = _string(name.lower() if item is None else key, ctx)
    if schema.get("enum"):
        return _pick_enum(schema["enum"], str(value))
    return value
