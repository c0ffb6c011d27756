"""Validation errors of a config file in a user's words: `file: key: what is wrong (got VALUE)`.

pydantic says "Input should be greater than or equal to 1024" for `max_body_bytes = 10`: neither
the value given nor what would be accepted. A number outside its field's bounds (or no number at
all) is said with the value and the whole allowed range: "must be a whole number from 1,024 to
1,000,000,000 (got 10)".
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

# pydantic error types about a number's bounds, and about a value that is no number.
_BOUND_ERRORS = frozenset({"greater_than_equal", "greater_than", "less_than_equal", "less_than"})
_NUMBER_ERRORS = frozenset({"int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"})


def loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Add the watch name to a location inside [[watches]], which is what a user searches for."""
    key = loc_text(loc)
    if len(loc) >= 2 and loc[0] == "watches" and isinstance(loc[1], int):
        try:
            name = data["watches"][loc[1]].get("name")
        except (IndexError, AttributeError, KeyError):
            name = None
        if name:
            key += f" (watch {name!r})"
    return key


def shows_input(err: Any) -> bool:
    """Whether a validation error should quote the value: a short scalar of the wrong type or
    unparsable as one (`timeout = "five"`). Not for other errors, whose value may be a URL with a
    password in it."""
    value = err.get("input")
    wrong_type = err["type"].endswith(("_type", "_parsing"))
    return wrong_type and isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 60


def problem_text(err: Any, model: type[BaseModel]) -> str:
    """What is wrong with one value, as the line after `file: key: ` says it."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] in _BOUND_ERRORS | _NUMBER_ERRORS:
        field = _field(model, tuple(err["loc"]))
        allowed = _allowed(field) if field is not None else None
        value = err.get("input")
        if allowed and isinstance(value, (str, int, float)) and len(repr(value)) <= 60:
            return f"must be {allowed} (got {value!r})"
    if shows_input(err):
        msg += f" (got {err['input']!r})"
    return msg


def _field(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> FieldInfo | None:
    """The field a validation error's location names, through nested models and lists of them."""
    field = None
    for part in loc:
        if isinstance(part, int):
            continue  # an index into a list of tables ([[watches]])
        if model is None or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        model = _model_in(field.annotation)
    return field


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):  # list[WatchConfig], WatchConfig | None
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed(field: FieldInfo) -> str | None:
    """The field's range in words: "a whole number from 1,024 to 1,000,000,000", "at least 1"."""
    low = high = None
    for m in field.metadata:
        low = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else low
        high = getattr(m, "le", None) if getattr(m, "le", None) is not None else high
    if low is None and high is None:
        return None
    kind = "a whole number" if _model_kind(field.annotation) is int else "a number"
    if low is not None and high is not None:
        return f"{kind} from {low:,} to {high:,}"
    return f"{kind} of at least {low:,}" if low is not None else f"{kind} of at most {high:,}"


def _model_kind(annotation: Any) -> type | None:
    if annotation in (int, float):
        return annotation
    kinds = [a for a in typing.get_args(annotation) if a in (int, float)]  # int | None
    return kinds[0] if kinds else None


__all__ = ["describe", "loc_text", "problem_text", "shows_input"]
