"""Shared pieces of the tools' parameter models: strict names, lenient values, null as "not given"."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError


def _blank_is_none(value: Any) -> Any:
    # Language models often send "" for a parameter they mean to leave out.
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _not_a_dot_segment(value: str) -> str:
    # Ids go into Fullstory's URL paths, where the client percent-encodes every other character;
    # "." and ".." stay path steps ("/segments/v1/.." is "/segments/").
    if value.strip(".") == "":
        raise PydanticCustomError("path_id", "must be an id, not '.' or '..' (that would change the request path)")
    return value


NOT_A_DOT_SEGMENT = AfterValidator(_not_a_dot_segment)
# An id that the tools put into a Fullstory URL path.
PathId = Annotated[str, StringConstraints(min_length=1, max_length=256), NOT_A_DOT_SEGMENT]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]
OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_is_none)]


NULL_DEPTH = 32  # how deep nested objects are searched for nulls; the adapter refuses deeper bodies


def without_nulls(value: Any, depth: int = NULL_DEPTH) -> Any:
    """``value`` with every object key whose value is null left out, in nested objects too
    (and objects inside arrays); nulls that are array items stay, they are values."""
    if depth <= 0:
        return value
    if isinstance(value, dict):
        return {k: without_nulls(v, depth - 1) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(item, depth - 1) for item in value]
    return value


class ToolParameters(BaseModel):
    """Strict about names (a misspelt parameter is an error that names it), lenient about spelling of values.

    ``null`` means "not given", for every parameter and every key of a nested object: language
    models send it for parameters they leave out. An optional one then takes its default; a
    required one is reported missing, by name.
    """

    # defer_build: built when first validated, so a function's cold start builds only its own model.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, data: Any) -> Any:
        return without_nulls(data)


def parameter_error(parameter: str, message: str) -> PydanticCustomError:
    """Raise from a model validator for rules that span parameters; the 400 names ``parameter``."""
    return PydanticCustomError("parameter_rule", message.replace("{", "(").replace("}", ")"), {"parameter": parameter})
