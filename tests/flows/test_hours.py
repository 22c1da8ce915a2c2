"""Opening hours of Smart Routing flows: `is_open` and `next_change`.

Covered: weekday hours in Europe/Paris and America/New_York, a lunch break, a range
crossing midnight (and how holidays and special days treat it), holidays once and
every year, special days with reduced hours and on a holiday, both DST transitions
in both zones (and wall times in the spring gap and autumn fold), the tenant's default
zone, `next_change` (borders, merged ranges, the 14-day horizon), validation messages
an administrator can act on, and a Hypothesis property: `is_open` keeps its value from
an instant until `next_change` and flips there.

Instants are built from local wall times: `at(PARIS, 2025, 1, 6, 9, 30)` is Monday
6 January 2025 at 09:30 in Paris, as epoch seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from switchboard.flows.hours import (
    HORIZON,
    OpeningHours,
    TimeRange,
    Weekday,
    is_open,
    next_change,
)

FUZZ = 500 if os.environ.get("CI") else 100

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def office(
    zone: str | None = "Europe/Paris", days: tuple[str, ...] = WEEKDAYS, **more: object
) -> OpeningHours:
    """Open 09:00-18:00 on `days`, plus whatever else is given."""
    return OpeningHours.model_validate(
        {"timezone": zone, "weekly": {day: ["09:00-18:00"] for day in days}, **more}
    )


# --- Weekly hours ---------------------------------------------------------------------


def test_an_office_in_paris_opens_at_nine_and_closes_at_six_on_weekdays() -> None:
    hours = office()

    # Monday 6 January 2025: 09:00 Paris is 08:00 UTC
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 8, 59))
    assert is_open(hours, at(PARIS, 2025, 1, 6, 9, 0))
    assert is_open(hours, utc(2025, 1, 6, 8, 30))
    assert is_open(hours, at(PARIS, 2025, 1, 6, 17, 59))
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 18, 0))
    # Friday is a weekday, Saturday and Sunday are not listed: closed
    assert is_open(hours, at(PARIS, 2025, 1, 10, 12, 0))
    assert not is_open(hours, at(PARIS, 2025, 1, 11, 12, 0))
    assert not is_open(hours, at(PARIS, 2025, 1, 12, 12, 0))


def test_the_same_instant_is_closed_in_paris_and_open_in_new_york() -> None:
    paris, new_york = office("Europe/Paris"), office("America/New_York")
    # 18:30 in Paris is 12:30 in New York
    instant = at(PARIS, 2025, 1, 6, 18, 30)
    assert instant == at(NEW_YORK, 2025, 1, 6, 12, 30)

    assert not is_open(paris, instant)
    assert is_open(new_york, instant)
    # New York opens at 09:00 its own time, 15:00 in Paris
    assert is_open(new_york, at(NEW_YORK, 2025, 1, 6, 9, 30))
    assert not is_open(new_york, at(NEW_YORK, 2025, 1, 6, 8, 30))


def test_a_lunch_break_is_two_ranges_and_closed_between_them() -> None:
    hours = OpeningHours.model_validate(
        {"timezone": "Europe/Paris", "weekly": {"mon": ["09:00-12:00", "14:00-18:00"]}}
    )

    assert is_open(hours, at(PARIS, 2025, 1, 6, 11, 59))
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 12, 0))
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 13, 30))
    assert is_open(hours, at(PARIS, 2025, 1, 6, 14, 0))
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 18, 0))


def test_a_range_crossing_midnight_belongs_to_the_day_it_starts() -> None:
    # Monday night service only
    hours = OpeningHours.model_validate(
        {"timezone": "Europe/Paris", "weekly": {"mon": ["22:00-02:00"]}}
    )

    assert not is_open(hours, at(PARIS, 2025, 1, 6, 1, 0))  # Monday early: Sunday has none
    assert not is_open(hours, at(PARIS, 2025, 1, 6, 21, 59))
    assert is_open(hours, at(PARIS, 2025, 1, 6, 22, 0))
    assert is_open(hours, at(PARIS, 2025, 1, 7, 1, 59))  # Tuesday
    assert not is_open(hours, at(PARIS, 2025, 1, 7, 2, 0))
    assert not is_open(hours, at(PARIS, 2025, 1, 7, 23, 0))  # Tuesday has no range of its own


def test_24_00_ends_a_day_and_whole_days_join_up() -> None:
    hours = OpeningHours.model_validate(
        {"timezone": "Europe/Paris", "weekly": {"mon": ["18:00-24:00"], "tue": ["00:00-24:00"]}}
    )

    assert is_open(hours, at(PARIS, 2025, 1, 6, 23, 59))
    assert is_open(hours, at(PARIS, 2025, 1, 7, 0, 0))
    # one opening from Monday 18:00 to Wednesday 00:00
    assert next_change(hours, at(PARIS, 2025, 1, 6, 19, 0)) == at(PARIS, 2025, 1, 8)


# --- Holidays and special days ---------------------------------------------------------


def test_holidays_close_once_or_every_year() -> None:
    hours = office(holidays=[{"date": "2025-05-08", "name": "Victoire 1945"}, {"date": "12-25"}])

    # 8 May 2025 only (a Thursday); 8 May 2026 is an ordinary Friday
    assert not is_open(hours, at(PARIS, 2025, 5, 8, 10, 0))
    assert is_open(hours, at(PARIS, 2026, 5, 8, 10, 0))
    # Christmas every year, and not the day before
    assert not is_open(hours, at(PARIS, 2025, 12, 25, 10, 0))
    assert not is_open(hours, at(PARIS, 2026, 12, 25, 10, 0))
    assert is_open(hours, at(PARIS, 2025, 12, 24, 10, 0))


def test_a_yearly_29_february_applies_in_leap_years_only() -> None:
    hours = office(days=ALL_DAYS, holidays=[{"date": "02-29"}])

    assert not is_open(hours, at(PARIS, 2028, 2, 29, 10, 0))
    assert is_open(hours, at(PARIS, 2027, 2, 28, 10, 0))
    assert is_open(hours, at(PARIS, 2027, 3, 1, 10, 0))


def test_a_special_day_has_reduced_hours_instead_of_the_weekly_ones() -> None:
    hours = office(special_days=[{"date": "12-24", "hours": ["09:00-12:00"], "name": "Eve"}])

    # Wednesday 24 December 2025: the morning only
    assert is_open(hours, at(PARIS, 2025, 12, 24, 11, 59))
    assert not is_open(hours, at(PARIS, 2025, 12, 24, 12, 0))
    assert not is_open(hours, at(PARIS, 2025, 12, 24, 15, 0))
    # the day before is an ordinary Tuesday
    assert is_open(hours, at(PARIS, 2025, 12, 23, 15, 0))


def test_a_special_day_can_open_a_day_the_week_leaves_closed() -> None:
    hours = office(special_days=[{"date": "2025-01-12", "hours": ["10:00-16:00"]}])

    assert is_open(hours, at(PARIS, 2025, 1, 12, 10, 30))  # a Sunday
    assert not is_open(hours, at(PARIS, 2025, 1, 19, 10, 30))  # the next Sunday


def test_a_special_day_on_a_holiday_wins() -> None:
    # 1 May is a holiday, but in 2025 a skeleton team answers from 10:00 to 12:00
    hours = office(
        holidays=[{"date": "05-01"}],
        special_days=[{"date": "2025-05-01", "hours": ["10:00-12:00"]}],
    )

    assert not is_open(hours, at(PARIS, 2025, 5, 1, 9, 30))
    assert is_open(hours, at(PARIS, 2025, 5, 1, 10, 30))
    assert not is_open(hours, at(PARIS, 2026, 5, 1, 10, 30))  # a Friday, the holiday again


def test_a_dated_special_day_wins_over_a_yearly_one() -> None:
    hours = office(
        special_days=[
            {"date": "12-24", "hours": ["09:00-12:00"]},
            {"date": "2025-12-24", "name": "closed this year"},
        ]
    )

    assert not is_open(hours, at(PARIS, 2025, 12, 24, 10, 0))
    assert is_open(hours, at(PARIS, 2026, 12, 24, 10, 0))


def test_holidays_and_special_days_cut_only_the_ranges_starting_that_day() -> None:
    night = {"timezone": "Europe/Paris", "weekly": {"mon": ["22:00-02:00"]}}
    tuesday_01 = at(PARIS, 2025, 1, 7, 1, 0)

    # A holiday or special day on Tuesday leaves Monday night's range whole...
    assert is_open(
        OpeningHours.model_validate({**night, "holidays": [{"date": "2025-01-07"}]}), tuesday_01
    )
    special_tuesday = {"date": "2025-01-07", "hours": ["09:00-10:00"]}
    assert is_open(
        OpeningHours.model_validate({**night, "special_days": [special_tuesday]}), tuesday_01
    )
    # ...one on Monday removes it, after midnight too
    holiday = OpeningHours.model_validate({**night, "holidays": [{"date": "2025-01-06"}]})
    assert not is_open(holiday, at(PARIS, 2025, 1, 6, 23, 0))
    assert not is_open(holiday, tuesday_01)
    special_monday = {"date": "2025-01-06", "hours": ["20:00-23:00"]}
    special = OpeningHours.model_validate({**night, "special_days": [special_monday]})
    assert is_open(special, at(PARIS, 2025, 1, 6, 22, 30))
    assert not is_open(special, tuesday_01)


# --- Daylight saving time -------------------------------------------------------------

DST_SUNDAYS = [
    pytest.param(PARIS, dt.date(2025, 3, 30), id="paris-spring-forward"),
    pytest.param(PARIS, dt.date(2025, 10, 26), id="paris-fall-back"),
    pytest.param(NEW_YORK, dt.date(2025, 3, 9), id="new-york-spring-forward"),
    pytest.param(NEW_YORK, dt.date(2025, 11, 2), id="new-york-fall-back"),
]


@pytest.mark.parametrize(("zone", "sunday"), DST_SUNDAYS)
def test_hours_follow_the_local_clock_on_both_sides_of_a_dst_change(
    zone: ZoneInfo, sunday: dt.date
) -> None:
    hours = office(str(zone), days=ALL_DAYS)
    saturday, monday = sunday - dt.timedelta(days=1), sunday + dt.timedelta(days=1)

    for day in (sunday, monday):
        # An offset taken from Saturday would be an hour off at each of these
        assert not is_open(hours, at(zone, day.year, day.month, day.day, 8, 59))
        assert is_open(hours, at(zone, day.year, day.month, day.day, 9, 0))
        assert is_open(hours, at(zone, day.year, day.month, day.day, 9, 30))
        assert is_open(hours, at(zone, day.year, day.month, day.day, 17, 59))
        assert not is_open(hours, at(zone, day.year, day.month, day.day, 18, 0))
    # Saturday night is 15 hours on the clock, one less or one more in real time
    saturday_close = at(zone, saturday.year, saturday.month, saturday.day, 18, 0)
    sunday_open = next_change(hours, saturday_close)
    assert sunday_open == at(zone, sunday.year, sunday.month, sunday.day, 9, 0)
    spring = sunday.month < 7
    assert sunday_open - saturday_close == (14 if spring else 16) * 3600


def test_the_spring_gap_and_autumn_fold_use_zoneinfo_fold_0() -> None:
    # Paris, Sunday 30 March 2025: the clock jumps from 02:00 to 03:00 (01:00 UTC)
    gap = OpeningHours.model_validate(
        {"timezone": "Europe/Paris", "weekly": {"sun": ["02:00-03:00", "02:30-04:00"]}}
    )
    # 02:00-03:00 does not exist: never open; 02:30 is read as 02:30+01:00 = 03:30 CEST
    assert not is_open(gap, utc(2025, 3, 30, 1, 0))
    assert not is_open(gap, at(PARIS, 2025, 3, 30, 3, 10))
    assert next_change(gap, at(PARIS, 2025, 3, 30)) == utc(2025, 3, 30, 1, 30)
    assert next_change(gap, utc(2025, 3, 30, 1, 30)) == at(PARIS, 2025, 3, 30, 4, 0)

    # Sunday 26 October 2025: 02:00-03:00 happens twice; 02:30 is its first time (CEST)
    fold = OpeningHours.model_validate(
        {"timezone": "Europe/Paris", "weekly": {"sun": ["01:00-02:30"]}}
    )
    assert is_open(fold, utc(2025, 10, 26, 0, 29))  # 02:29 CEST
    assert not is_open(fold, utc(2025, 10, 26, 0, 30))  # 02:30 CEST
    assert not is_open(fold, utc(2025, 10, 26, 1, 15))  # 02:15 CET, the second time


# --- Time zones -----------------------------------------------------------------------


def test_hours_without_a_zone_use_the_tenants_default() -> None:
    hours = office(zone=None)
    instant = at(PARIS, 2025, 1, 6, 9, 30)  # 08:30 UTC, 03:30 in New York

    assert not is_open(hours, instant)  # the default default is UTC
    assert is_open(hours, instant, "Europe/Paris")
    assert next_change(hours, instant) == utc(2025, 1, 6, 9, 0)
    assert next_change(hours, instant, "Europe/Paris") == at(PARIS, 2025, 1, 6, 18, 0)
    # a zone of their own wins over the default
    assert not is_open(office("America/New_York"), instant, "Europe/Paris")


# --- next_change ----------------------------------------------------------------------


def test_next_change_tells_when_the_office_closes_or_opens_again() -> None:
    # Built in Python rather than from YAML: a long lunch on Mondays
    weekly = {Weekday(day): [TimeRange.parse("09:00-18:00")] for day in WEEKDAYS}
    weekly[Weekday.MON] = [TimeRange(9 * 60, 12 * 60), TimeRange(14 * 60, 18 * 60)]
    hours = OpeningHours(timezone="Europe/Paris", weekly=weekly)

    assert next_change(hours, at(PARIS, 2025, 1, 6, 10, 0)) == at(PARIS, 2025, 1, 6, 12, 0)
    assert next_change(hours, at(PARIS, 2025, 1, 6, 12, 0)) == at(PARIS, 2025, 1, 6, 14, 0)
    assert next_change(hours, at(PARIS, 2025, 1, 6, 12, 30)) == at(PARIS, 2025, 1, 6, 14, 0)
    # Friday evening: open again on Monday morning
    assert next_change(hours, at(PARIS, 2025, 1, 10, 17, 0)) == at(PARIS, 2025, 1, 10, 18, 0)
    assert next_change(hours, at(PARIS, 2025, 1, 10, 19, 0)) == at(PARIS, 2025, 1, 13, 9, 0)


def test_touching_ranges_are_one_opening() -> None:
    hours = OpeningHours.model_validate(
        {
            "timezone": "Europe/Paris",
            "weekly": {
                "mon": ["09:00-12:00", "12:00-18:00", "22:00-02:00"],
                "tue": ["02:00-05:00"],
            },
        }
    )

    assert next_change(hours, at(PARIS, 2025, 1, 6, 10, 0)) == at(PARIS, 2025, 1, 6, 18, 0)
    assert next_change(hours, at(PARIS, 2025, 1, 6, 23, 0)) == at(PARIS, 2025, 1, 7, 5, 0)


def test_next_change_is_none_when_nothing_changes_for_14_days() -> None:
    always = OpeningHours.model_validate({"weekly": {d: ["00:00-24:00"] for d in ALL_DAYS}})
    never = OpeningHours()
    instant = at(PARIS, 2025, 1, 6, 10, 0)

    assert is_open(always, instant)
    assert next_change(always, instant) is None
    assert not is_open(never, instant)
    assert next_change(never, instant) is None


def test_next_change_looks_exactly_14_days_ahead() -> None:
    # Open on Mondays 09:00-10:00, but the next two Mondays are holidays
    hours = OpeningHours.model_validate(
        {
            "timezone": "Europe/Paris",
            "weekly": {"mon": ["09:00-10:00"]},
            "holidays": [{"date": "2025-01-06"}, {"date": "2025-01-13"}],
        }
    )
    opening = at(PARIS, 2025, 1, 20, 9, 0)

    assert next_change(hours, at(PARIS, 2025, 1, 6, 9, 0)) == opening
    assert opening - at(PARIS, 2025, 1, 6, 9, 0) == HORIZON
    assert next_change(hours, at(PARIS, 2025, 1, 6, 9, 0) - 1) is None


# --- Validation -----------------------------------------------------------------------


def test_hours_read_from_yaml_and_written_back_are_the_same() -> None:
    text = """
        timezone: Europe/Paris
        weekly:
          mon: ["09:00-12:00", "14:00-18:00"]
          fri: [09:00-17:00]
          sat: ["22:00 - 02:00"]
        holidays:
          - {date: "12-25", name: Christmas}
        special_days:
          - {date: "2025-12-24", hours: [09:00-12:00]}
          - {date: "2025-12-31"}
    """
    hours = OpeningHours.model_validate(yaml.safe_load(text))

    assert hours.weekly[Weekday.MON] == [TimeRange(9 * 60, 12 * 60), TimeRange(14 * 60, 18 * 60)]
    assert hours.weekly[Weekday.SAT] == [TimeRange(22 * 60, 2 * 60)]
    assert hours.weekly[Weekday.SAT][0].crosses_midnight
    assert str(hours.weekly[Weekday.SAT][0]) == "22:00-02:00"
    assert hours.special_days[1].hours == []
    assert OpeningHours.model_validate_json(hours.model_dump_json()) == hours
    assert '"fri":["09:00-17:00"]' in hours.model_dump_json()


@pytest.mark.parametrize(
    ("raw", "loc", "message"),
    [
        (
            {"weekly": {"mon": ["9-18"]}},
            ("weekly", "mon", 0),
            "'9-18' is not a time range; write it as 09:00-18:00",
        ),
        (
            {"weekly": {"mon": ["09:00-25:00"]}},
            ("weekly", "mon", 0),
            "'09:00-25:00' is not a time range: 25:00 is not a time of day "
            "(00:00 to 23:59, or 24:00 to end a range)",
        ),
        (
            {"weekly": {"tue": ["08:00-12:00", "13:60-18:00"]}},
            ("weekly", "tue", 1),
            "'13:60-18:00' is not a time range: 13:60 is not a time of day "
            "(00:00 to 23:59, or 24:00 to end a range)",
        ),
        (
            {"weekly": {"mon": ["24:00-02:00"]}},
            ("weekly", "mon", 0),
            "'24:00-02:00' is not a time range: 24:00 can only end a range",
        ),
        (
            {"weekly": {"mon": ["09:00-09:00"]}},
            ("weekly", "mon", 0),
            "'09:00-09:00' starts and ends at the same time; for the whole day write 00:00-24:00",
        ),
        (
            {"weekly": {"mon": [900]}},
            ("weekly", "mon", 0),
            "900 is not a time range; write it as text: 09:00-18:00",
        ),
        (
            {"holidays": [{"date": "2025-02-30"}]},
            ("holidays", 0, "date"),
            "'2025-02-30' is not a date: February 2025 has no day 30",
        ),
        (
            {"holidays": [{"date": "2025-12-25"}, {"date": "2025-02-29"}]},
            ("holidays", 1, "date"),
            "'2025-02-29' is not a date: February 2025 has no day 29",
        ),
        (
            {"special_days": [{"date": "02-30"}]},
            ("special_days", 0, "date"),
            "'02-30' is not a date: February has no day 30",
        ),
        (
            {"special_days": [{"date": "13-01"}]},
            ("special_days", 0, "date"),
            "'13-01' is not a date: there is no month 13",
        ),
        (
            {"holidays": [{"date": "25/12"}]},
            ("holidays", 0, "date"),
            "'25/12' is not a date; write 2025-12-25 for that day only or 12-25 for every year",
        ),
        (
            {"timezone": "Europe/Pariss"},
            ("timezone",),
            "unknown time zone 'Europe/Pariss'; use an IANA name such as Europe/Paris",
        ),
        (
            {"special_days": [{"date": "12-24"}, {"date": "12-24", "hours": ["09:00-12:00"]}]},
            (),
            "special day 12-24 is listed twice",
        ),
    ],
)
def test_mistakes_are_refused_with_a_sentence_an_administrator_understands(
    raw: dict[str, object], loc: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        OpeningHours.model_validate(raw)

    [error] = refused.value.errors()
    assert error["loc"] == loc
    assert error["msg"] == f"Value error, {message}"


def test_unknown_days_and_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        OpeningHours.model_validate({"weekly": {"monday": ["09:00-18:00"]}, "weekley": {}})

    assert sorted((e["type"], e["loc"]) for e in refused.value.errors()) == [
        ("enum", ("weekly", "monday", "[key]")),
        ("extra_forbidden", ("weekley",)),
    ]


def test_valid_dates_include_29_february_every_year_and_in_leap_years() -> None:
    hours = OpeningHours.model_validate(
        {"holidays": [{"date": "02-29"}, {"date": "2028-02-29"}, {"date": "2000-02-29"}]}
    )
    assert [h.date for h in hours.holidays] == ["02-29", "2028-02-29", "2000-02-29"]


# --- Property -------------------------------------------------------------------------

ZONES = ["Europe/Paris", "America/New_York", "UTC", "Australia/Lord_Howe", "America/Santiago"]
START, END = int(utc(2024, 1, 1)), int(utc(2027, 1, 1))
# Days of DST changes in those zones (Lord Howe moves by 30 minutes, Santiago at midnight)
CHANGE_DAYS = [(3, 9), (3, 30), (4, 6), (9, 7), (10, 5), (10, 26), (11, 2)]
CHANGES = [int(utc(2025, month, day)) for month, day in CHANGE_DAYS]
# Few distinct borders, so that ranges often touch, overlap or sit on a DST change
BORDERS = [0, 0, 60, 120, 150, 180, 540, 720, 750, 840, 1080, 1320, 1410]


@st.composite
def time_ranges(draw: st.DrawFn) -> str:
    start = draw(st.sampled_from(BORDERS) | st.integers(0, 1439))
    end = draw(
        (st.sampled_from([*BORDERS, 1440]) | st.integers(0, 1440)).filter(lambda e: e != start)
    )
    return str(TimeRange(start, end))


@st.composite
def schedules(draw: st.DrawFn) -> tuple[OpeningHours, float, str]:
    near_a_change = st.sampled_from(CHANGES).flatmap(
        lambda t: st.integers(t - 12 * 86_400, t + 2 * 86_400)
    )
    instant = draw(st.integers(START, END) | near_a_change) + draw(st.sampled_from([0, 0.25, 59.5]))
    zone = draw(st.sampled_from(ZONES))
    day = datetime.fromtimestamp(instant, ZoneInfo(zone)).date()

    def nearby(yearly: bool) -> str:
        date = day + dt.timedelta(days=draw(st.integers(-2, 16)))
        return date.isoformat()[5:] if yearly else date.isoformat()

    days = st.lists(time_ranges(), max_size=3)
    weekly = draw(st.dictionaries(st.sampled_from(ALL_DAYS), days, max_size=7))
    holidays = [{"date": nearby(draw(st.booleans()))} for _ in range(draw(st.integers(0, 3)))]
    specials = {nearby(draw(st.booleans())): draw(days) for _ in range(draw(st.integers(0, 3)))}
    hours = OpeningHours.model_validate(
        {
            "timezone": draw(st.sampled_from([zone, None])),
            "weekly": weekly,
            "holidays": holidays,
            "special_days": [{"date": d, "hours": h} for d, h in specials.items()],
        }
    )
    return hours, instant, zone


@settings(max_examples=FUZZ, deadline=None)
@given(schedules(), st.lists(st.floats(0, 1, exclude_max=True), min_size=3, max_size=3))
def test_is_open_holds_until_next_change_and_flips_there(
    case: tuple[OpeningHours, float, str], fractions: list[float]
) -> None:
    hours, instant, zone = case
    state = is_open(hours, instant, zone)
    change = next_change(hours, instant, zone)

    if change is None:
        samples = [instant + f * HORIZON for f in fractions]
        assert all(is_open(hours, t, zone) == state for t in samples)
        return
    assert instant < change <= instant + HORIZON
    just_before = math.nextafter(change, -math.inf)
    samples = [min(instant + f * (change - instant), just_before) for f in fractions]
    samples.append(just_before)
    for t in samples:
        assert is_open(hours, t, zone) == state, t
        assert next_change(hours, t, zone) == change, t
    assert is_open(hours, change, zone) != state
