"""The export parameters: Fullstory's field names and everyday words for them, RFC 3339 times and
ranges, lenient enum spelling, IANA zones."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opal_tools.adapter import validate
from opal_tools.discovery import function_entry
from opal_tools.problems import Problem
from tools.export_fields import fields_to_send, resolve_fields
from tools.export_request import CreateSegmentExportParams, fullstory_type
from tools.export_runs import EXPORT_SEGMENT
from tools.exports import CREATE_SEGMENT_EXPORT

WEEK = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-08T00:00:00Z"}


def _params(**overrides: Any) -> CreateSegmentExportParams:
    raw = {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": WEEK, **overrides}
    params = validate(CREATE_SEGMENT_EXPORT, raw)
    assert isinstance(params, CreateSegmentExportParams)
    return params


def _problem(**overrides: Any) -> list[dict[str, str]]:
    with pytest.raises(Problem) as raised:
        _params(**overrides)
    return raised.value.errors


def _sent(text: str, kind: Any) -> list[str]:
    return fields_to_send(resolve_fields(text, kind))


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("url, referrer, page title, event name", "TYPE_PAGES",
         ["PageUrl", "PageRefererUrl", "PageName", "EventCustomName"]),
        ("user_id, email", "TYPE_SESSIONS", ["UserAppKey", "UserEmail"]),
        ("user id, email, display name", "TYPE_INDIVIDUAL", ["Uid", "Email", "DisplayName"]),
        ("pageurl, EVENTCUSTOMNAME, event_custom_name", "TYPE_EVENT", None),  # the same field twice
        ("pageurl, EVENTCUSTOMNAME, page_max_scroll_depth_percent", "TYPE_EVENT",
         ["PageUrl", "EventCustomName", "PageMaxScrollDepthPercent"]),
        ("user_*, evt_*, evt_price_real, user_plan_str", "TYPE_EVENT",
         ["user_*", "evt_*", "evt_price_real", "user_plan_str"]),
        # Fullstory's real export columns: underscores, dots (nested objects), the list types.
        ("evt_product_id_str, evt_price_raw_real, evt_order.total_real, user_tags_strs, page_foobar_str",
         "TYPE_EVENT",
         ["evt_product_id_str", "evt_price_raw_real", "evt_order.total_real", "user_tags_strs", "page_foobar_str"]),
        ("EVT_price_REAL, User_Tags_Strs", "TYPE_EVENT", ["evt_price_real", "user_Tags_strs"]),
        ("UserVars, user properties", "TYPE_INDIVIDUAL", None),  # both are UserVars
        ("UserVars, LastPage", "TYPE_INDIVIDUAL", ["UserVars", "LastPage"]),
        (" , url ,, ", "TYPE_EVENT", ["PageUrl"]),
    ],
)  # fmt: skip
def test_field_names(text: str, kind: Any, expected: list[str] | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="both name the export field"):
            resolve_fields(text, kind)
    else:
        assert _sent(text, kind) == expected


@pytest.mark.parametrize("word", ["page title", "page_title", "Page Title", "PageTitle", "title"])
def test_page_title_is_the_nearest_real_field_and_says_so(word: str) -> None:
    # No official list has a title column; PageName is the page name set with FS('setProperties').
    (choice,) = resolve_fields(word, "TYPE_PAGES")
    assert choice.sent == "PageName"
    assert "no page-title column" in choice.note and "PageName" in choice.note


@pytest.mark.parametrize(
    ("word", "prefix", "exact"),
    [("product_id", "evt", "evt_product_id_<type>"), ("event_properties.price", "evt", "evt_price_<type>"),
     ("evt_price", "evt", "evt_price_<type>"), ("properties.order.total", "evt", "evt_order.total_<type>"),
     ("user_properties.plan", "user", "user_plan_<type>"), ("price", "evt", "evt_price_<type>")],
)  # fmt: skip
def test_a_property_without_its_type_includes_all_of_its_kind(word: str, prefix: str, exact: str) -> None:
    (choice,) = resolve_fields(word, "TYPE_EVENT")
    assert choice.sent == f"{prefix}_*"
    assert exact in choice.note and "strs" in choice.note  # how to name it exactly next time


def test_several_untyped_properties_send_the_wildcard_once() -> None:
    choices = resolve_fields("event_name, user_id, product_id, event_properties.price", "TYPE_EVENT")
    assert [c.sent for c in choices] == ["EventCustomName", "UserAppKey", "evt_*", "evt_*"]
    assert fields_to_send(choices) == ["EventCustomName", "UserAppKey", "evt_*"]  # never a field twice


def test_individual_exports_read_bare_property_names_as_user_properties() -> None:
    (choice,) = resolve_fields("loyalty_tier", "TYPE_INDIVIDUAL")
    assert choice.sent == "user_*" and "user_loyalty_tier_<type>" in choice.note


@pytest.mark.parametrize("name", ["IndvId", "EventDuration", "PageNumInfos", "LoadFirstPaintTime", "AppViewName"])
def test_every_case_spelling_comes_out_exact(name: str) -> None:
    for spelling in (name, name.lower(), name.upper()):
        assert _sent(spelling, "TYPE_EVENT") == [name]


def test_fullstory_user_id_is_not_the_apps_user_id() -> None:
    # UserId is Fullstory's device id; the id an app sets with FS.identify is UserAppKey.
    assert _sent("fullstory user id, user id", "TYPE_EVENT") == ["UserId", "UserAppKey"]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [("url, PageUrl", "TYPE_EVENT", "both name the export field PageUrl"),
     ("email, email", "TYPE_EVENT", "listed twice"),
     ("url", "TYPE_INDIVIDUAL", "no equivalent in individual exports"),
     ("PageUrl", "TYPE_INDIVIDUAL", "no equivalent in individual exports"),
     ("NumSessions", "TYPE_EVENT", "is a field of individual exports"),
     ("event_properties.price", "TYPE_INDIVIDUAL", "use TYPE_EVENT for event properties")],
)  # fmt: skip
def test_field_mistakes_say_what_to_do(text: str, kind: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_fields(text, kind)


@pytest.mark.parametrize(
    ("word", "offered"),
    [("PageUrll", "PageUrl"), ("refferer", "PageRefererUrl"), ("e-mail address", "email address"),
     ("EventCustomNme", "EventCustomName"), ("SomeNewFullstoryField", None), ("favourite colour", None),
     ("browsr", "PageBrowser")],
)  # fmt: skip
def test_a_word_that_matches_nothing_offers_the_correct_spellings(word: str, offered: str | None) -> None:
    errors = _problem(fields=word)
    assert [e["parameter"] for e in errors] == ["fields"]
    problem = errors[0]["problem"]
    assert "is not an export field" in problem and "evt_<name>_<type>" in problem
    if offered:
        assert f"Did you mean {offered}" in problem
    else:
        assert "Did you mean" not in problem


def test_segment_time_range_defaults_to_the_time_range() -> None:
    for given in ({}, {"segmentTimeRange": None}, {"segmentTimeRange": {}}, {"segmentTimeRange": ""},
                  {"segmentTimeRange": {"start": None, "end": None}}):  # fmt: skip
        params = _params(**given)
        assert params.segmentTimeRange is None and params.segment_range() == params.timeRange
    explicit = _params(segmentTimeRange={"start": "", "end": ""})
    assert explicit.segment_range().model_dump() == {"start": "", "end": ""}  # all time, as hauser sends it


@pytest.mark.parametrize("empty", [{}, {"start": None}, {"start": None, "end": None}])
def test_a_required_time_range_must_name_a_bound(empty: dict[str, Any]) -> None:
    errors = _problem(timeRange=empty)
    assert [e["parameter"] for e in errors] == ["timeRange"]
    assert '{"start": "", "end": ""}' in errors[0]["problem"]


@pytest.mark.parametrize("bounds", [{"start": ""}, {"end": ""}, {"start": "", "end": ""}])
def test_empty_strings_stay_fullstorys_unbounded(bounds: dict[str, str]) -> None:
    assert _params(timeRange=bounds).timeRange.model_dump() == {"start": "", "end": ""}


@pytest.mark.parametrize(
    ("bound", "value"),
    [("start", "0001-01-01T00:00:00+01:00"), ("end", "9999-12-31T23:59:59-01:00")],
)
@pytest.mark.parametrize("parameter", ["timeRange", "segmentTimeRange"])
def test_times_past_the_datetime_range_are_400s(parameter: str, bound: str, value: str) -> None:
    errors = _problem(**{parameter: {bound: value}})
    assert [e["parameter"] for e in errors] == [f"{parameter}.{bound}"]
    assert "0001 to 9999" in errors[0]["problem"]


def test_the_edges_of_the_range_themselves_are_fine() -> None:
    params = _params(timeRange={"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"})
    assert params.timeRange.model_dump() == {"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"}


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


def test_the_field_examples_in_the_tool_description_resolve() -> None:
    description = CreateSegmentExportParams.model_fields["fields"].description or ""
    examples = re.findall(r"'([^']+)'", description)
    assert "url, referrer, page title" in examples and len(examples) >= 2
    for example in examples:
        kind = "TYPE_PAGES" if "url" in example else "TYPE_EVENT"
        assert fields_to_send(resolve_fields(example, kind))  # no ValueError
