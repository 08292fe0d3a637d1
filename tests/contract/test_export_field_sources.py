"""Export field names against fixtures transcribed from Fullstory's own sources (each fixture names
its source): the registry's list and the simulator's list are each checked on their own, so the
simulator can never agree with a wrong registry."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from local.fullstory_sim import export_schema as simulator
from local.fullstory_sim.errors import ApiError
from tools import export_fields as registry

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "fullstory"


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert data["source"], f"{name} must name its source"
    return data


OFFICIAL = _fixture("export_fields.json")
COLUMNS = _fixture("export_custom_columns.json")
GROUPS: dict[str, list[str]] = OFFICIAL["groups"]
EVENT_EXPORT = [f for group in OFFICIAL["event_export_groups"] for f in GROUPS[group]]
INDIVIDUAL_EXPORT = [f for group in OFFICIAL["individual_export_groups"] for f in GROUPS[group]]


@pytest.mark.parametrize(
    ("group", "names"),
    [("ExportFields", registry.EXPORT_FIELDS), ("EventFields", registry.EVENT_FIELDS),
     ("PageFields", registry.PAGE_FIELDS), ("LoadFields", registry.LOAD_FIELDS),
     ("RequestFields", registry.REQUEST_FIELDS), ("MobileFields", registry.MOBILE_FIELDS),
     ("IndividualFields", registry.INDIVIDUAL_FIELDS)],
)  # fmt: skip
def test_the_registrys_lists_are_fullstorys(group: str, names: tuple[str, ...]) -> None:
    assert list(names) == GROUPS[group]


def test_the_registry_accepts_exactly_the_official_names() -> None:
    assert list(registry.EVENT_EXPORT_FIELDS) == EVENT_EXPORT
    assert list(registry.STANDARD_FIELDS) == list(dict.fromkeys(EVENT_EXPORT + INDIVIDUAL_EXPORT))
    assert len(registry.STANDARD_FIELDS) == 94  # IndvId is in both lists


def test_the_simulators_lists_are_fullstorys() -> None:
    assert list(simulator.EVENT_EXPORT_FIELDS) == EVENT_EXPORT
    assert list(simulator.INDIVIDUAL_EXPORT_FIELDS) == INDIVIDUAL_EXPORT


def test_both_know_the_ten_type_suffixes_and_the_wildcards() -> None:
    naming = COLUMNS["naming"]
    assert list(registry.TYPE_SUFFIXES) == naming["type_suffixes"] == list(simulator.TYPE_SUFFIXES)
    assert list(registry.WILDCARDS) == naming["wildcards"] == list(simulator.WILDCARDS)


def test_the_simulator_does_not_borrow_the_registrys_facts() -> None:
    for path in (ROOT / "local" / "fullstory_sim").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m.split(".")[0] in {"tools", "segment_exports", "fullstory_client"}}, path


@pytest.mark.parametrize("column", COLUMNS["custom_columns"])
def test_real_export_columns_are_accepted_as_written(column: str) -> None:
    """hauser's real export rows: evt_product_id_str, evt_price_raw_real, evt_order.total_real, ..."""
    assert registry.fields_to_send(registry.resolve_fields(column, "TYPE_EVENT")) == [column]
    simulator.check_fields(["EventStart", column], "TYPE_EVENT")  # raises when refused


@pytest.mark.parametrize("example", COLUMNS["naming"]["examples"])
@pytest.mark.parametrize("prefix", ["user", "evt"])
def test_every_type_suffix_is_accepted(prefix: str, example: str) -> None:
    column = f"{prefix}_{example}"
    assert registry.fields_to_send(registry.resolve_fields(column, "TYPE_EVENT")) == [column]
    simulator.check_fields([column], "TYPE_EVENT")


@pytest.mark.parametrize("column", COLUMNS["standard_columns"])
def test_real_standard_columns_are_on_both_lists(column: str) -> None:
    assert column in registry.EVENT_EXPORT_FIELDS and column in simulator.EVENT_EXPORT_FIELDS


@pytest.mark.parametrize("field", sorted(set(EVENT_EXPORT)))
def test_every_official_event_field_reaches_fullstory_spelled_exactly(field: str) -> None:
    assert registry.fields_to_send(registry.resolve_fields(field.lower(), "TYPE_EVENT")) == [field]
    simulator.check_fields([field], "TYPE_EVENT")


@pytest.mark.parametrize("field", INDIVIDUAL_EXPORT)
def test_every_official_individual_field_reaches_fullstory_spelled_exactly(field: str) -> None:
    assert registry.fields_to_send(registry.resolve_fields(field.upper(), "TYPE_INDIVIDUAL")) == [field]
    simulator.check_fields([field], "TYPE_INDIVIDUAL")


@pytest.mark.parametrize("word", sorted(registry.EVENT_ALIASES))
def test_every_everyday_word_maps_to_a_real_field(word: str) -> None:
    (choice,) = registry.resolve_fields(word, "TYPE_EVENT")
    assert choice.sent in EVENT_EXPORT
    simulator.check_fields([choice.sent], "TYPE_EVENT")


@pytest.mark.parametrize("word", sorted(registry.INDIVIDUAL_ALIASES))
def test_every_everyday_word_maps_to_a_real_individual_field(word: str) -> None:
    (choice,) = registry.resolve_fields(word, "TYPE_INDIVIDUAL")
    assert choice.sent in INDIVIDUAL_EXPORT


def test_no_title_field_exists_in_any_source() -> None:
    assert not [f for f in EVENT_EXPORT + INDIVIDUAL_EXPORT + COLUMNS["standard_columns"] if "Title" in f]
    with pytest.raises(ApiError):
        simulator.check_fields(["PageTitle"], "TYPE_EVENT")
