"""values.durations: times in the requirement's unit, business days flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from slm_psr.values import (
    convert_duration,
    parse_duration,
)
from tests.values_kit import (
    AMBIGUOUS,
    BUSINESS_DAYS,
    HOURS,
    MINUTES,
    NEEDS_REVIEW,
    OUT_OF_RANGE,
    UNREADABLE,
    answer,
)

# --- time limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        ("4h", 4.0),
        ("4 h", 4.0),
        ("4 Std.", 4.0),
        ("4 Stunden", 4.0),
        ("4 hours", 4.0),
        ("30 Min.", 0.5),
        ("30 min", 0.5),
        ("1,5 h", 1.5),
        ("1.5 hours", 1.5),
        ("90 minutes", 1.5),
        ("20 min", 1 / 3),
        ("1 h 30 min", 1.5),
        ("max. 4 h", 4.0),
        ("4 h (P1)", 4.0),
        ("innerhalb von 4 Stunden", 4.0),
        ("00:30", 0.5),
        ("1:45", 1.75),
        (dt.timedelta(minutes=30), 0.5),
        (dt.timedelta(hours=26), 26.0),
        (dt.time(0, 30), 0.5),
        (dt.datetime(1899, 12, 31, 2, 0), 26.0),  # Excel's [h]:mm past a day
    ],
)
def test_time_in_hours(value, hours):
    a = answer(HOURS, value)
    assert a.value == pytest.approx(hours, abs=1e-12)
    assert a.flags == [] and a.unit == "hours"


@pytest.mark.parametrize(
    ("text", "minutes"), [("1.1 h", 66.0), ("1,5 h", 90.0), ("4 h", 240.0), ("45 min", 45.0)]
)
def test_minutes_and_hours_convert_exactly(text, minutes):
    a = answer(MINUTES, text)
    assert a.value == minutes  # exact: 1.1 * 60 in floats would be 66.00000000000001
    assert a.flags == [] and a.unit == "minutes"


def test_time_formatted_number_cell_is_a_fraction_of_a_day():
    a = answer(MINUTES, 0.0208333333333333, "[h]:mm")
    assert a.value == 30.0 and a.raw == "0:30" and a.flags == []


@pytest.mark.parametrize(
    ("r", "value", "expected"),
    [(HOURS, "4", 4.0), (MINUTES, "30", 30.0), (HOURS, 4, 4.0), (BUSINESS_DAYS, 2.0, 2.0)],
)
def test_bare_number_is_in_the_requirements_unit(r, value, expected):
    a = answer(r, value)
    assert a.value == expected and a.flags == []
    assert "has no unit; read as" in a.notes[0] and "(the requirement's unit)" in a.notes[0]


@pytest.mark.parametrize(
    ("r", "text", "expected"),
    [
        (HOURS, "1 Werktag", 10.0),
        (HOURS, "2 business days", 20.0),
        (HOURS, "NBD", 10.0),
        (HOURS, "next business day", 10.0),
        (MINUTES, "1 Arbeitstag", 600.0),
        (BUSINESS_DAYS, "20 h", 2.0),
    ],
)
def test_business_days_to_clock_time_needs_review(r, text, expected):
    a = answer(r, text)
    assert a.value == expected and a.flags == [NEEDS_REVIEW]
    assert "assuming 10 hours per business day" in a.notes[-1]


def test_hours_per_business_day_is_a_setting():
    a = answer(HOURS, "NBD", hours_per_business_day=8)
    assert a.value == 8.0 and "assuming 8 hours per business day" in a.notes[-1]


@pytest.mark.parametrize("text", ["NBD", "next business day", "1 Werktag", "nächster Werktag", "1 BD"])
def test_next_business_day_in_business_days(text):
    a = answer(BUSINESS_DAYS, text)
    assert a.value == 1.0 and a.flags == [] and a.unit == "business_days"


def test_calendar_days_are_ambiguous():
    a = answer(HOURS, "2 Tage")
    assert a.value == 48.0 and a.flags == [AMBIGUOUS]
    assert "does not say business or calendar days" in a.notes[-1]
    assert answer(BUSINESS_DAYS, "2 days").value == 2.0


@pytest.mark.parametrize("text", ["2-4 h", "4 h (8 h at weekends)", "2 bis 4 Stunden"])
def test_more_than_one_time_is_ambiguous_without_a_value(text):
    a = answer(HOURS, text)
    assert a.value is None and a.flags == [AMBIGUOUS]


def test_negative_time_is_out_of_range():
    a = answer(HOURS, "-4 h")
    assert a.value == -4.0 and a.flags == [OUT_OF_RANGE]
    assert a.notes[-1] == "'-4 h': a time cannot be negative"


@pytest.mark.parametrize(
    ("value", "note"),
    [
        ("about four hours", "'about four hours' is not a time; write e.g. '4 h' or '30 min'"),
        ("4 weeks", "'4 weeks' is not a time; write e.g. '4 h' or '30 min'"),
        (dt.datetime(2024, 3, 1, 4), "'2024-03-01' is a date, not a time; write e.g. '4 h' or '30 min'"),
        (True, "TRUE is not a time; write e.g. '4 h' or '30 min'"),
    ],
)
def test_time_unreadable(value, note):
    a = answer(HOURS, value)
    assert (a.value, a.flags, a.notes) == (None, [UNREADABLE], [note])


def test_parse_duration_keeps_the_written_unit():
    assert (parse_duration("30 Min.").value, parse_duration("30 Min.").unit) == (30.0, "minutes")
    assert (parse_duration("4").value, parse_duration("4").unit) == (4.0, "")
    assert (parse_duration("NBD").value, parse_duration("NBD").unit) == (1.0, "business_days")


def test_convert_duration():
    assert convert_duration(90, "minutes", "hours").value == 1.5
    assert convert_duration(1.5, "hours", "minutes").flags == []
    day = convert_duration(1, "business_days", "hours", 8)
    assert (day.value, day.flags) == (8.0, [NEEDS_REVIEW])
