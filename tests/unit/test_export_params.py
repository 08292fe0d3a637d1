"""The export parameters: everyday field names, RFC 3339 times, lenient enum spelling, IANA zones."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.export_fields import resolve_fields
from catalog.exports import CREATE_SEGMENT_EXPORT, EXPORT_SEGMENT, CreateSegmentExportParams
from opal_tools.adapter import validate
from opal_tools.discovery import function_entry
from opal_tools.problems import Problem
from segment_exports.request import fullstory_type


def _params(**overrides: Any) -> CreateSegmentExportParams:
    raw = {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": {}, **overrides}
    params = validate(CREATE_SEGMENT_EXPORT, raw)
    assert isinstance(params, CreateSegmentExportParams)
    return params


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "url, referrer, page title, event name",
            "TYPE_PAGES",
            ["PageUrl", "PageRefererUrl", "PageTitle", "EventCustomName"],
        ),
        ("User ID, e-mail address, Email", "TYPE_EVENT", None),  # 'e-mail address' is not a known word
        ("user_id, email", "TYPE_SESSIONS", ["UserAppKey", "UserEmail"]),
        ("user id, email, display name", "TYPE_INDIVIDUAL", ["Uid", "Email", "DisplayName"]),
        ("pageurl, EVENTCUSTOMNAME", "TYPE_EVENT", ["PageUrl", "EventCustomName"]),
        (
            "user_*, evt_*, evt_price_real, user_plan_str",
            "TYPE_EVENT",
            ["user_*", "evt_*", "evt_price_real", "user_plan_str"],
        ),
        ("SomeNewFullstoryField", "TYPE_EVENT", ["SomeNewFullstoryField"]),
        (" , url ,, ", "TYPE_EVENT", ["PageUrl"]),
    ],
)  # fmt: skip
def test_field_names(text: str, kind: Any, expected: list[str] | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="is not an export field"):
            resolve_fields(text, kind)
    else:
        assert [name for _, name in resolve_fields(text, kind)] == expected


def test_fullstory_user_id_is_not_the_apps_user_id() -> None:
    # UserId is Fullstory's device id; the id an app sets with FS.identify is UserAppKey.
    assert resolve_fields("fullstory user id, user id", "TYPE_EVENT") == [
        ("fullstory user id", "UserId"),
        ("user id", "UserAppKey"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [("url, PageUrl", "both name the export field PageUrl"), ("email, email", "listed twice"),
     ("url", "no equivalent in individual exports")],
)  # fmt: skip
def test_field_mistakes_say_what_to_do(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_fields(text, "TYPE_INDIVIDUAL" if text == "url" else "TYPE_EVENT")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"),
        ("2024-05-01t09:30:00+09:00", "2024-05-01T00:30:00Z"),
        ("2024-05-01 00:00:00.250-05:00", "2024-05-01T05:00:00.250Z"),
        ("", ""),
    ],
)
def test_times_are_rfc3339_and_sent_in_utc(given: str, expected: str) -> None:
    assert _params(timeRange={"start": given}).timeRange.start == expected


@pytest.mark.parametrize(
    "bad", ["2024-05-01", "2024-05-01T00:00:00", "yesterday", "2024-02-30T00:00:00Z", "1714521600"]
)
def test_times_without_zone_or_impossible_are_rejected(bad: str) -> None:
    with pytest.raises(Problem) as raised:
        _params(timeRange={"start": bad})
    assert raised.value.errors[0]["parameter"] == "timeRange.start"
    assert "2024-05-01T00:00:00Z" in raised.value.errors[0]["problem"]  # an example to copy


def test_start_must_be_before_end() -> None:
    with pytest.raises(Problem) as raised:
        _params(timeRange={"start": "2024-05-02T00:00:00Z", "end": "2024-05-02T00:00:00Z"})
    assert raised.value.errors == [
        {"parameter": "timeRange", "problem": "start (2024-05-02T00:00:00Z) must be before end (2024-05-02T00:00:00Z)"}
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("sessions", "TYPE_SESSIONS"), ("individuals", "TYPE_INDIVIDUAL"), ("type-pages", "TYPE_PAGES"),
     ("events", "TYPE_EVENT"), ("users", "TYPE_INDIVIDUAL")],
)  # fmt: skip
def test_type_spelling(given: str, expected: str) -> None:
    assert _params(type=given).type == expected


@pytest.mark.parametrize(
    ("given", "expected"), [("csv", "FORMAT_CSV"), ("ndjson", "FORMAT_NDJSON"), ("jsonl", "FORMAT_NDJSON")]
)
def test_format_spelling(given: str, expected: str) -> None:
    assert _params(format=given).format == expected


def test_time_zones() -> None:
    assert _params(timezone="America/New_York").timezone == "America/New_York"
    assert _params(timezone="europe/berlin").timezone == "Europe/Berlin"
    assert _params(timezone="").timezone is None
    with pytest.raises(Problem) as raised:
        _params(timezone="EST5EDT-but-wrong")
    assert raised.value.errors[0]["parameter"] == "timezone"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("TYPE_INDIVIDUAL", ("TYPE_INDIVIDUAL", None)), ("TYPE_EVENT", ("TYPE_EVENT", None)),
     ("TYPE_SESSIONS", ("TYPE_EVENT", "SCOPE_SESSIONS")), ("TYPE_PAGES", ("TYPE_EVENT", "SCOPE_PAGES"))],
)  # fmt: skip
def test_what_fullstory_is_sent(kind: str, expected: tuple[str, str | None]) -> None:
    assert fullstory_type(kind) == expected


def test_discovery_publishes_enums_and_the_async_tool() -> None:
    sync, asynchronous = function_entry(CREATE_SEGMENT_EXPORT), function_entry(EXPORT_SEGMENT)
    parameters = {p["name"]: p for p in sync["parameters"]}
    assert parameters["type"]["schema"]["enum"] == ["TYPE_INDIVIDUAL", "TYPE_EVENT", "TYPE_SESSIONS", "TYPE_PAGES"]
    assert parameters["format"]["schema"]["enum"] == ["FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"]
    assert parameters["timeRange"]["type"] == "object" and parameters["timeRange"]["required"]
    assert set(parameters["timeRange"]["schema"]["properties"]) == {"start", "end"}
    assert "mode" not in sync
    assert asynchronous["mode"] == "async" and asynchronous["timeout"] == 4 * 3600
    assert asynchronous["parameters"] == sync["parameters"]
