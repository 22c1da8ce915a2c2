"""Pydantic's validation errors, said the way an administrator understands them.

Pydantic writes for programmers: `Input should be greater than 0`, `Extra inputs are
not permitted`, `String should match pattern '^[a-z0-9][a-z0-9_.-]{0,62}$'`. The
person editing a tenant file wants `must be greater than 0`, `unknown field (did you
mean 'max_wait'?)`, `must be an id: lower-case letters, digits…`. Each error type we
meet in the model has its sentence here; an unexpected type falls back to pydantic's
own text, lower-cased and without "Input should be".
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from switchboard import schema as model
from switchboard.config.errors import DocPath

_PATTERNS = {
    model.SLUG_PATTERN: (
        "must be an id: lower-case letters, digits, '_', '.' or '-', starting with a "
        "letter or digit, at most 63 characters"
    ),
    model.PHONE_NUMBER_PATTERN: "must be a phone number: an optional '+' then 2 to 20 digits, "
    "no spaces",
    model.EXTENSION_PATTERN: "must be an extension: 2 to 8 digits",
    model.ARGON2_HASH_PATTERN: "must be an argon2 hash; make one with `switchboard hash-password`",
    model.COLOR_PATTERN: "must be a colour written #rrggbb, e.g. #1d4ed8",
}

_TYPE_SENTENCES = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}

_BOUNDS = {
    "greater_than": ("gt", "must be greater than {}"),
    "greater_than_equal": ("ge", "must be at least {}"),
    "less_than": ("lt", "must be less than {}"),
    "less_than_equal": ("le", "must be at most {}"),
}


def translate(
    error: ErrorDetails, root: type[BaseModel], plain_scalars: Mapping[DocPath, str]
) -> tuple[DocPath, str]:
    """The document path and the English sentence for one pydantic error.

    `plain_scalars` holds the text of unquoted YAML values that YAML read as numbers,
    dates or booleans, to tell the person how to write them as text.
    """
    loc = tuple(error["loc"])
    if loc and loc[-1] == "[key]":
        # A mapping key that is not allowed: pydantic puts the key in the path, then
        # this marker.
        return loc[:-1], "unknown key; " + _sentence(error, root, plain_scalars)
    return loc, _sentence(error, root, plain_scalars)


def _sentence(
    error: ErrorDetails, root: type[BaseModel], plain_scalars: Mapping[DocPath, str]
) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error["input"]
    loc = tuple(part for part in error["loc"] if part != "[key]")
    handler = _HANDLERS.get(kind)
    if handler is not None:
        return handler(error, root, plain_scalars.get(loc))
    if kind in _TYPE_SENTENCES:
        return f"{_TYPE_SENTENCES[kind]}, got {_describe(value)}"
    if kind in _BOUNDS:
        name, template = _BOUNDS[kind]
        return template.format(_number(ctx.get(name)))
    return _plain(error["msg"])


def _missing(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    return "field required"


def _extra(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    loc = error["loc"]
    name = loc[-1] if loc else ""
    fields = _fields_at(root, loc[:-1])
    close = difflib.get_close_matches(str(name), fields, n=1, cutoff=0.6)
    return f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"


def _choices(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    ctx = error.get("ctx") or {}
    choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return f"must be one of {', '.join(choices)} (got {_describe(error['input'])})"


def _pattern(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    ctx = error.get("ctx") or {}
    pattern = str(ctx.get("pattern", ""))
    sentence = _PATTERNS.get(pattern, f"must match the pattern {pattern}")
    return f"{sentence} (got {_describe(error['input'])})"


def _text(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    if raw is not None:
        return (
            f'must be text: write it in quotes, "{raw}"; without quotes YAML reads it as '
            f"{_describe(error['input'])}"
        )
    return f"must be text, got {_describe(error['input'])}"


def _too_short_text(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    minimum = (error.get("ctx") or {}).get("min_length", 1)
    return "must not be empty" if minimum == 1 else f"must be at least {minimum} characters long"


def _too_long_text(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    maximum = (error.get("ctx") or {}).get("max_length")
    return f"must be at most {maximum} characters long"


def _too_few(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    minimum = (error.get("ctx") or {}).get("min_length", 1)
    return f"must have at least {minimum} {'entry' if minimum == 1 else 'entries'}"


def _too_many(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    maximum = (error.get("ctx") or {}).get("max_length")
    return f"must have at most {maximum} entries"


def _finite(error: ErrorDetails, root: type[BaseModel], raw: str | None) -> str:
    return "must be a finite number"


_HANDLERS: dict[str, Callable[[ErrorDetails, type[BaseModel], str | None], str]] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "enum": _choices,
    "literal_error": _choices,
    "string_pattern_mismatch": _pattern,
    "string_type": _text,
    "string_too_short": _too_short_text,
    "string_too_long": _too_long_text,
    "too_short": _too_few,
    "too_long": _too_many,
    "finite_number": _finite,
}


def _plain(message: str) -> str:
    """Pydantic's own words, made to fit after `path: `."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    message = re.sub(r"^Input should be\b", "must be", message)
    return message[:1].lower() + message[1:]


def _number(value: object) -> str:
    """`0.0` → `0`, `86400.0` → `86400`, `0.5` → `0.5`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe(value: object) -> str:
    """What the person wrote, in words: `'fifo'`, `the number 0`, `a list`, `nothing`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}" if len(str(value)) <= 40 else "a number"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:39] + "…")
    if isinstance(value, dt.date | dt.datetime):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


def _fields_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc` in `root`, for "did you mean"."""
    annotation: object = root
    for part in loc:
        annotation = _step(_unwrap(annotation), part)
        if annotation is None:
            return []
    target = _unwrap(annotation)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _step(annotation: object, part: int | str) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(part))
        return info.annotation if info is not None else None
    if typing.get_origin(annotation) is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    return None


def _unwrap(annotation: object) -> object:
    """`Overflow | None` → `Overflow`; `Annotated[X, …]` → `X`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(models) != 1:
                return annotation
            annotation = models[0]
        else:
            return annotation
