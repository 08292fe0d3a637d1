"""The deterministic stand-in for the summary LLM.

The prompt (`pre_prompt` + `post_prompt`) picks a *lens* by keywords — consent, technical,
funnel, support, intent, behavior, or general — and a length ("quick"/"two or three
sentences" → at most 3 sentences). The text is then written from the session's own facts
(facts.py), so it names the real console errors, requests, pages and clicks of that session.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .facts import Facts, Finding
from .shop import EU_COUNTRIES

LENS_KEYWORDS: dict[str, tuple[str, ...]] = {
    "consent": ("consent", "cmp", "cookie", "banner", "privacy", "gdpr", "opt-in", "opt-out", "compliance"),
    "technical": (
        "technical",
        "console",
        "network",
        "javascript",
        "exception",
        "developer",
        "qa",
        "stack trace",
        "failed request",
        "page load",
        "bug",
        "engineer",
    ),
    "funnel": (
        "funnel",
        "conversion",
        "checkout",
        "drop-off",
        "drop off",
        "dropped off",
        "signup",
        "sign-up",
        "purchase",
        "booking",
        "cart",
    ),
    "support": (
        "support",
        "ticket",
        "frustration",
        "frustrated",
        "agent",
        "customer service",
        "help desk",
        "went wrong",
        "follow-up",
        "follow up",
    ),
    "intent": ("intent", "intention", "came to do", "trying to accomplish", "goal of the visit", "motivation"),
    "behavior": (
        "behavior",
        "behaviour",
        "persona",
        "navigation",
        "engagement",
        "ux research",
        "user experience",
        "power user",
        "first-timer",
    ),
}
QUICK = (
    "quick",
    "brief",
    "two or three sentences",
    "two to three sentences",
    "2-3 sentences",
    "2–3 sentences",
    "tl;dr",
    "tldr",
    "triage",
    "one sentence",
    "in short",
)


def _hits(text: str, words: tuple[str, ...]) -> int:
    return sum(1 for w in words if re.search(rf"(?<![a-z]){re.escape(w)}", text))


def choose_lens(prompt: str) -> tuple[str, bool]:
    """(lens, quick). Ties go to the earlier lens in LENS_KEYWORDS."""
    text = prompt.lower()
    scores = {lens: _hits(text, words) for lens, words in LENS_KEYWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return (best if scores[best] else "general"), _hits(text, QUICK) > 0


def _msg(text: str) -> str:
    return text.rstrip(".")


def _who(f: Facts) -> str:
    if f.user is None:
        return "An anonymous visitor"
    return f"{f.user.display_name} ({f.user.email})"


def _device(f: Facts) -> str:
    d = f.session.device
    return f"{d.browser} {d.browser_version.split('.')[0]} on {d.os}, {d.device.lower()}"


def _date(f: Facts) -> str:
    return datetime.fromtimestamp(f.session.start_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _line(item: Finding) -> str:
    return f"- [{item.offset}] {item.page}: {_msg(item.message)} (after {item.trigger})"


def recommendation(f: Facts) -> str:
    msgs = " ".join(x.message for x in f.findings)
    if "card_declined" in msgs or "/api/checkout/payment" in msgs:
        return (
            "confirm the card decline with the payment provider and offer the customer another payment "
            "method or a manual order"
        )
    if "reading 'price'" in msgs:
        return (
            "escalate the \"reading 'price'\" TypeError on the product page to engineering and help the "
            "customer add the item manually"
        )
    if f.consent_failed:
        return "have the web team check the consent-management script and configuration; the banner is broken"
    if "/api/support/tickets" in msgs:
        return "the contact form failed, so the customer's ticket never arrived: reach out to them proactively"
    if f.errors:
        first = f.errors[0]
        return f'send this session to engineering: "{_msg(first.message)}" on {first.page}'
    if f.drop_off:
        return f"review the {f.drop_off} step and consider a reminder or offer for the abandoned cart"
    return "no follow-up needed"


# ---------------------------------------------------------------------------------------
# Lenses
# ---------------------------------------------------------------------------------------


def technical(f: Facts) -> str:
    lines = [f"Technical analysis of session {f.session.id} ({_device(f)})."]
    consoles = f.console_errors
    requests = f.network_errors
    if consoles:
        lines.append(f"Console errors ({len(consoles)}):")
        lines += [_line(c) for c in consoles]
    if requests:
        lines.append(f"Failed network requests ({len(requests)}):")
        lines += [_line(r) for r in requests]
    if not consoles and not requests:
        lines.append("No console errors or failed network requests were recorded in this session.")
    clicks = [x for x in f.frustration if x.kind in {"error-click", "dead-click"}]
    if clicks:
        lines.append("Interactions that failed: " + "; ".join(f"{c.message} on {c.page}" for c in clicks) + ".")
    path, ms = f.slowest_page
    if path:
        lines.append(f"Slowest page load: {path} ({ms} ms).")
    lines.append(f"Recommendation: {recommendation(f)}.")
    return "\n".join(lines)


def support(f: Facts) -> str:
    intent, _, _ = f.intent
    problems = [x for x in f.findings if x.kind != "consent"]
    lines = [f"Customer: {_who(f)}, session on {_date(f)} ({_device(f)}).", f"What they were trying to do: {intent}."]
    if problems:
        lines.append("What went wrong:")
        lines += [_line(x) for x in problems]
    else:
        lines.append("What went wrong: nothing visibly failed in this session.")
    rage = [x for x in f.frustration if x.kind == "rage-click"]
    if rage:
        lines.append("Frustration: " + "; ".join(f"{x.message} on {x.page}" for x in rage) + ".")
    lines.append(f"How it ended: the customer {f.outcome}.")
    lines.append(f"Suggested follow-up: {recommendation(f)}.")
    return "\n".join(lines)


def funnel(f: Facts) -> str:
    if len(f.stages) < 2:
        pages = ", ".join(f.paths[:5]) or "none"
        return (
            f"This session never entered the purchase funnel (pages: {pages}). "
            f"The visitor {f.outcome}. Purchase intent: low."
        )
    lines = [f"Funnel progress: {' → '.join(f.stages)}."]
    if f.purchased:
        lines.append(f"Converted: the order (${f.revenue:.2f}) was placed; no drop-off.")
    else:
        lines.append(f"Drop-off: at {f.drop_off} ({f.pages[-1].path}) — {_msg(f.drop_off_reason)}.")
    blockers = [x for x in f.findings if x.kind != "consent"]
    if blockers:
        lines.append("Blockers along the way: " + "; ".join(f"{_msg(x.message)} on {x.page}" for x in blockers) + ".")
    else:
        lines.append("Blockers along the way: none recorded.")
    hesitation = [x for x in f.frustration if x.kind == "rage-click"]
    lines.append(
        "Hesitation: "
        + (
            "; ".join(x.message for x in hesitation)
            if hesitation
            else f"{f.duration_s // 60} min in session, no repeated clicks"
        )
        + "."
    )
    stage_count = len(f.stages)
    level = "high" if stage_count >= 5 or f.purchased else "medium" if stage_count >= 3 else "low"
    lines.append(f"Purchase intent: {level}.")
    return "\n".join(lines)


def intent(f: Facts) -> str:
    label, confidence, evidence = f.intent
    first = ", ".join(f.paths[:3]) or "none"
    return (
        f"Primary intent: {label} (confidence {confidence:.2f}).\n"
        f"Evidence: {evidence}; first pages: {first}.\n"
        f"Outcome: the visitor {f.outcome}."
    )


def behavior(f: Facts) -> str:
    label, _, _ = f.intent
    notable = "; ".join(x.message for x in f.frustration) if f.frustration else "smooth, no frustration signals"
    return (
        f"Persona: {f.persona}.\n"
        f"Navigation style: {f.navigation_style}.\n"
        f"Engagement: {f.engagement}.\n"
        f"Inferred goal: {label}.\n"
        f"Pages: {' → '.join(f.paths)}.\n"
        f"Notable behaviour: {notable}."
    )


def consent(f: Facts) -> str:
    lines = [f"Consent and error detection for session {f.session.id}."]
    shown = [x for x in f.consent if x.kind == "consent"]
    if f.consent_shown:
        lines.append(f"Consent banner: shown on {f.pages[0].path if f.pages else '/'}. Choice: {f.consent_choice}.")
    else:
        lines.append("Consent banner: not shown in this session.")
    cmp = [x for x in f.consent if x.kind != "consent"]
    if cmp:
        lines.append("Consent-management problems:")
        lines += [_line(x) for x in cmp]
    for item in shown:
        lines.append(f"- [{item.offset}] {item.page}: {item.message}")
    other = [x for x in f.errors if x not in f.consent]
    if other:
        lines.append("Other errors visible to the user:")
        lines += [_line(x) for x in other]
    if f.consent_failed:
        verdict = "consent management FAILED in this session; the visitor's choice was not honoured reliably"
    elif f.consent_shown:
        verdict = "the consent flow worked"
    elif f.session.location.country in EU_COUNTRIES:
        verdict = f"possible compliance gap: a visitor from {f.session.location.country} saw no consent banner"
    else:
        verdict = "no consent interaction to assess"
    lines.append(f"Verdict: {verdict}.")
    return "\n".join(lines)


def general(f: Facts) -> str:
    features = sorted(set(f.custom_events)) or ["navigation only"]
    issues = [x for x in f.findings if x.kind != "consent"]
    issue_text = "; ".join(_msg(x.message) for x in issues[:3]) if issues else "none observed"
    return (
        f"Session {f.session.id} by {_who(f)} on {_date(f)} ({_device(f)}, {f.session.location.city}).\n"
        f"They visited {len(f.pages)} pages ({' → '.join(f.paths[:6])}) and {f.outcome}.\n"
        f"Features used: {', '.join(features)}.\n"
        f"Issues: {issue_text}.\n"
        f"Suggestion: {recommendation(f)}."
    )


def quick(f: Facts, lens: str) -> str:
    """At most three sentences, lens-aware."""
    label, _, _ = f.intent
    who = f.user.display_name if f.user else "The visitor"
    first = f"{who} visited {len(f.pages)} pages ({label}) and {f.outcome}."
    errors = f.errors
    if lens == "consent":
        second = (
            f"The consent banner failed: {_msg(f.consent[0].message)}."
            if f.consent_failed and f.consent
            else f"Consent banner {'shown, choice: ' + f.consent_choice if f.consent_shown else 'not shown'}."
        )
    elif errors:
        second = f'They hit {len(errors)} error(s), first "{_msg(errors[0].message)}" on {errors[0].page}.'
    elif f.frustration:
        second = f"Frustration signal: {f.frustration[0].message} on {f.frustration[0].page}."
    else:
        second = "No errors or frustration signals were recorded."
    third = f"Next step: {recommendation(f)}."
    return " ".join((first, second, third))


LENS_WRITERS = {
    "technical": technical,
    "support": support,
    "funnel": funnel,
    "intent": intent,
    "behavior": behavior,
    "consent": consent,
    "general": general,
}


# Every text the simulator writes starts so, lest anyone take it for Fullstory's model.
SIMULATED_PREFIX = "[Simulated summary: local Fullstory simulator, not Fullstory AI] "


def summarize(f: Facts, pre_prompt: str, post_prompt: str, temperature: float) -> str:
    lens, is_quick = choose_lens(f"{pre_prompt}\n{post_prompt}")
    if is_quick:
        return SIMULATED_PREFIX + quick(f, lens)
    text = LENS_WRITERS[lens](f)
    if temperature >= 0.7:  # a "creative" temperature adds a deterministic flourish
        text += f"\nIn a sentence: a {f.persona} who {f.outcome}."
    return SIMULATED_PREFIX + text


def short_text(f: Facts, lens: str) -> str:
    """The free text of a structured answer (its summary-like fields)."""
    return SIMULATED_PREFIX + quick(f, lens)
