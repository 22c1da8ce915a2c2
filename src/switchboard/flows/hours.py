"""Opening hours: whether a Smart Routing flow's "opening hours" node goes `open` or `closed`.

Theory of operation
-------------------
An administrator writes, per weekday, the ranges during which the contact center
answers (`mon: ["09:00-12:00", "14:00-18:00"]`), plus holidays (closed all day) and
special days (their own hours instead of the weekly ones). A day not listed is closed.

Every local calendar day D has a *schedule*: the ranges that start on D. It is, in
order of precedence, the hours of a special day matching D (an exact `YYYY-MM-DD`
entry before a yearly `MM-DD` one), nothing if a holiday matches D, else the weekly
ranges of D's weekday. A range whose end is before its start (`22:00-02:00`) crosses
midnight and belongs to the day it starts on: a holiday on Tuesday does not cut
Monday's 22:00-02:00, and a special day replaces only the ranges starting that day.
A yearly `02-29` applies in leap years only.

Each range of day D becomes a half-open interval of epoch seconds [start, end): open
at 09:00:00 sharp, closed again at 18:00:00 sharp. The wall times are read in the
zone of `OpeningHours.timezone`, or the tenant's default zone given by the caller.
Wall times are converted the way zoneinfo normally does, with `fold=0`:

* on the spring-forward gap a wall time that does not exist is read with the offset
  in force before the change, so in Paris 02:30 on that Sunday means 03:30 CEST; a
  range lying wholly inside the gap is empty and never open;
* on the fall-back fold an ambiguous wall time is its first occurrence (summer time).

The intervals of neighbouring days are merged (overlapping or touching ones form one
opening), so `is_open` is a membership test and `next_change` is the nearest border
after the given instant. `next_change` looks 14 days ahead at most and answers None
when nothing changes in that window (always open, or closed for two weeks).

This module is pure: time comes in as epoch seconds, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema

HORIZON = 14 * 86_400
"""How far `next_change` looks ahead, in seconds."""

_MINUTES_PER_DAY = 24 * 60
_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_DATE = re.compile(r"(?:(?P<year>\d{4})-)?(?P<month>\d{2})-(?P<day>\d{2})")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Model(BaseModel):
    # Attribute docstrings describe the fields in the flow JSON Schema, as in `model.py`.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_WEEKDAYS = list(Weekday)  # indexed by `date.weekday()`


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Open from `start` to `end`, in minutes after the local midnight of its day.

    Written `HH:MM-HH:MM` in YAML. `end` may be 1440 (`24:00`); an `end` before
    `start` means the range ends on the next day.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        text = f"{_hhmm(self.start)}-{_hhmm(self.end)}"
        if not 0 <= self.start < _MINUTES_PER_DAY or not 0 <= self.end <= _MINUTES_PER_DAY:
            raise ValueError(f"{text!r} is not a time range; times go from 00:00 to 24:00")
        if self.start == self.end:
            raise ValueError(
                f"{text!r} starts and ends at the same time; for the whole day write 00:00-24:00"
            )

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """`"09:00-18:00"` → `TimeRange(540, 1080)`, with a readable ValueError otherwise."""
        match = _RANGE.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a time range; write it as 09:00-18:00")
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        if (start_h, start_m) == (24, 0):
            raise ValueError(f"{text!r} is not a time range: 24:00 can only end a range")
        for hour, minute in ((start_h, start_m), (end_h, end_m)):
            if hour > 24 or minute > 59 or (hour == 24 and minute):
                raise ValueError(
                    f"{text!r} is not a time range: {hour:02d}:{minute:02d} is not a time "
                    "of day (00:00 to 23:59, or 24:00 to end a range)"
                )
        return cls(start_h * 60 + start_m, end_h * 60 + end_m)

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    @classmethod
    def _validate(cls, value: object) -> TimeRange:
        if isinstance(value, TimeRange):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError(f"{value!r} is not a time range; write it as text: 09:00-18:00")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            json_schema_input_schema=core_schema.str_schema(pattern=_RANGE.pattern),
            serialization=core_schema.to_string_ser_schema(),
        )


def _check_date(value: str) -> str:
    match = _DATE.fullmatch(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a date; write 2025-12-25 for that day only or 12-25 for every year"
        )
    year = int(match["year"]) if match["year"] else None
    month, day = int(match["month"]), int(match["day"])
    if year == 0:
        raise ValueError(f"{value!r} is not a date: there is no year 0")
    if not 1 <= month <= 12:
        raise ValueError(f"{value!r} is not a date: there is no month {month}")
    last = _DAYS_IN_MONTH[month - 1]
    if month == 2 and year is not None and not _is_leap(year):
        last = 28
    if not 1 <= day <= last:
        when = _MONTHS[month - 1] + (f" {year}" if year is not None else "")
        raise ValueError(f"{value!r} is not a date: {when} has no day {day}")
    return value


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _matches(date: str, day: dt.date) -> bool:
    """Whether a validated `YYYY-MM-DD` or `MM-DD` designates `day`."""
    return date == (day.isoformat() if len(date) == 10 else day.isoformat()[5:])


class _Dated(_Model):
    date: str
    """`YYYY-MM-DD`: that day only; `MM-DD`: every year."""

    @field_validator("date")
    @classmethod
    def _known_date(cls, value: str) -> str:
        return _check_date(value)


class Closure(_Dated):
    """A holiday: closed all day."""

    name: str | None = Field(default=None, min_length=1, max_length=100)


class SpecialDay(_Dated):
    """A day with its own hours instead of the weekly ones; no hours: closed all day."""

    hours: list[TimeRange] = Field(default_factory=list)
    name: str | None = Field(default=None, min_length=1, max_length=100)


class OpeningHours(_Model):
    """When a flow's "opening hours" node answers `open`: the weekly ranges
    (`mon: ["09:00-12:00", "14:00-18:00"]`), except on holidays (closed all day) and
    special days (their own hours). A day not listed is closed; the module docstring
    says how ranges, days and time zones combine."""

    timezone: str | None = None
    """An IANA time zone (Europe/Paris); the tenant's `settings.timezone` when absent
    (which `is_open` receives as its default)."""
    weekly: dict[Weekday, list[TimeRange]] = Field(default_factory=dict)
    holidays: list[Closure] = Field(default_factory=list)
    special_days: list[SpecialDay] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Paris"
            ) from None
        return value

    @model_validator(mode="after")
    def _one_special_day_per_date(self) -> OpeningHours:
        seen: set[str] = set()
        for special in self.special_days:
            if special.date in seen:
                raise ValueError(f"special day {special.date} is listed twice")
            seen.add(special.date)
        return self

    def schedule(self, day: dt.date) -> list[TimeRange]:
        """The ranges starting on the local date `day`, after special days and holidays."""
        specials = [s for s in self.special_days if _matches(s.date, day)]
        if specials:  # an exact date sorts before a yearly one
            return min(specials, key=lambda s: len(s.date) != 10).hours
        if any(_matches(h.date, day) for h in self.holidays):
            return []
        return self.weekly.get(_WEEKDAYS[day.weekday()], [])


def _openings(
    hours: OpeningHours, zone: ZoneInfo, first: dt.date, last: dt.date
) -> list[tuple[float, float]]:
    """The merged [start, end) epoch intervals of the ranges starting from `first` to `last`."""
    intervals: list[tuple[float, float]] = []
    day = first
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)  # fold=0
        for span in hours.schedule(day):
            end = span.end + (_MINUTES_PER_DAY if span.crosses_midnight else 0)
            # Aware + timedelta is wall-clock arithmetic: the offset is that of the result.
            start_at = (midnight + dt.timedelta(minutes=span.start)).timestamp()
            end_at = (midnight + dt.timedelta(minutes=end)).timestamp()
            if end_at > start_at:  # a range inside a spring-forward gap is empty
                intervals.append((start_at, end_at))
        day += dt.timedelta(days=1)
    merged: list[tuple[float, float]] = []
    for start_at, end_at in sorted(intervals):
        if merged and start_at <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end_at))
        else:
            merged.append((start_at, end_at))
    return merged


def _local_date(hours: OpeningHours, at: float, default_timezone: str) -> tuple[ZoneInfo, dt.date]:
    if not math.isfinite(at):
        raise ValueError(f"not an instant: {at}")
    zone = ZoneInfo(hours.timezone or default_timezone)
    return zone, dt.datetime.fromtimestamp(at, zone).date()


def is_open(hours: OpeningHours, at: float, default_timezone: str = "UTC") -> bool:
    """Whether the epoch instant `at` falls in an opening (zone: hours', else the default)."""
    zone, today = _local_date(hours, at, default_timezone)
    # Two days back: a range crossing midnight, stretched by a gap at its end.
    openings = _openings(hours, zone, today - dt.timedelta(days=2), today + dt.timedelta(days=1))
    return any(start <= at < end for start, end in openings)


def next_change(hours: OpeningHours, at: float, default_timezone: str = "UTC") -> float | None:
    """The first instant after `at` when `is_open` flips, within `HORIZON`; else None."""
    zone, today = _local_date(hours, at, default_timezone)
    # Ranges of later days start after at + HORIZON, so they cannot move a border within it.
    openings = _openings(hours, zone, today - dt.timedelta(days=2), today + dt.timedelta(days=15))
    for start, end in openings:
        if end <= at:
            continue
        border = end if start <= at else start
        return border if border <= at + HORIZON else None
    return None
