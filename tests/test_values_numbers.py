"""values.numbers: numbers, prices and percentages as suppliers write them."""

from __future__ import annotations

import datetime as dt

import pytest

from slm_psr.values import (
    Parsed,
    parse_number,
    parse_percent,
)
from tests.values_kit import (
    AMBIGUOUS,
    AVAILABILITY,
    NEEDS_REVIEW,
    NUMBER,
    OUT_OF_RANGE,
    PRICE,
    SHARE,
    UNREADABLE,
    answer,
)

# --- percentages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number_format", "expected", "note"),
    [
        ("99,5 %", None, 99.5, "'99,5 %' read as 99.5 %"),
        ("99.5%", None, 99.5, None),
        ("99,5", None, 99.5, "'99,5' read as 99.5 %"),
        ("99.5", None, 99.5, None),
        (99.5, None, 99.5, None),
        (99.5, "General", 99.5, None),
        (0.995, "0.0%", 99.5, None),
        (0.9995, "0.00%", 99.95, None),
        ("100%", None, 100.0, None),
        ("99,95 Prozent", None, 99.95, "'99,95 Prozent' read as 99.95 %"),
    ],
)
def test_availability_reads_percent(value, number_format, expected, note):
    a = answer(AVAILABILITY, value, number_format)
    assert a.value == expected
    assert a.flags == []
    assert a.unit == "%"
    assert a.notes == ([note] if note else [])


@pytest.mark.parametrize("value", [0.995, "0.995", "0,995"])
def test_bare_fraction_is_read_as_percent_but_flagged(value):
    # Policy: an availability below 1 % is never offered, so 99.5 % is the best
    # reading; the flag makes a person confirm it.
    a = answer(AVAILABILITY, value, "General")
    assert a.value == 99.5
    assert a.flags == [AMBIGUOUS]
    assert "could be 0.995 % or 99.5 %" in a.notes[0]


def test_percent_cell_holding_a_whole_percentage_is_flagged():
    # Typed 99.5 into a cell pre-formatted as percent: Excel shows 9950 %.
    a = answer(AVAILABILITY, 99.5, "0.0%")
    assert a.value == 99.5 and a.flags == [AMBIGUOUS] and "9950%" in a.notes[0]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (">= 99.9 %", "'>= 99.9 %' read as 99.9 %; '>=' is not part of the value"),
        ("≥ 99,9 %", "'≥ 99,9 %' read as 99.9 %; '≥' is not part of the value"),
        ("mind. 99.9 %", "'mind. 99.9 %' read as 99.9 %; 'mind.' is not part of the value"),
        ("99.9 % (monthly)", "'99.9 % (monthly)' read as 99.9 %"),
    ],
)
def test_availability_with_qualifier_or_comment(text, note):
    a = answer(AVAILABILITY, text)
    assert a.value == 99.9 and a.flags == [] and a.notes[0] == note


def test_availability_comment_is_kept():
    assert answer(AVAILABILITY, "99.9 % (monthly)").notes[1] == "the rest, '(monthly)', is kept as a comment"


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [("120 %", None, 120.0), ("-5 %", None, -5.0), (-0.05, "0%", -5.0), (120, "General", 120.0)],
)
def test_availability_out_of_range_keeps_value(value, number_format, expected):
    a = answer(AVAILABILITY, value, number_format)
    assert a.value == expected and a.flags == [OUT_OF_RANGE]
    assert "is not a percentage between 0 and 100" in a.notes[-1]


def test_availability_uses_the_only_possible_reading():
    a = answer(AVAILABILITY, "99.950")  # 99950 % is impossible
    assert a.value == 99.95 and a.flags == []


@pytest.mark.parametrize(
    ("value", "note"),
    [
        ("very high", "'very high' is not a percentage; write e.g. '99.5 %'"),
        ("99.5 EUR", "'99.5 EUR' is an amount in EUR, not a percentage; write e.g. '99.5 %'"),
        (dt.time(4), "'04:00' is not a percentage; write e.g. '99.5 %'"),
    ],
)
def test_availability_unreadable(value, note):
    a = answer(AVAILABILITY, value)
    assert (a.value, a.flags, a.notes) == (None, [UNREADABLE], [note])


def test_parse_percent_helper():
    assert parse_percent("99,5 %") == Parsed(
        value=99.5, unit="%", notes=["'99,5 %' read as 99.5 %"], readings=(99.5,)
    )
    assert parse_percent("99.5-99.9 %").flags == [AMBIGUOUS]
    assert parse_percent("99.5-99.9 %").value is None


# --- numbers and prices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "amount", "flags"),
    [
        ("1.234,50 €", 1234.5, []),
        ("1,234.50", 1234.5, []),
        ("EUR 12.500", 12500.0, [AMBIGUOUS]),
        ("12 500 €", 12500.0, []),
        ("12.500,00 EUR", 12500.0, []),
        ("12'500.00 CHF", 12500.0, [NEEDS_REVIEW]),  # a CHF amount for a EUR item
        (1234.5, 1234.5, []),
        (1200, 1200.0, []),
        ("1.000", 1000.0, [AMBIGUOUS]),
        ("1,000", 1000.0, [AMBIGUOUS]),
        ("1.234.567", 1234567.0, []),
        ("1,5", 1.5, []),
        ("1.234,50 € netto", 1234.5, []),
        ("1.234,50 € inkl. MwSt.", 1234.5, [NEEDS_REVIEW]),
        ("1.234,- €", 1234.0, []),  # the dash stands for the cents: the dot groups thousands
        ("ca. 1.200,00 EUR", 1200.0, []),
    ],
)
def test_price(value, amount, flags):
    a = answer(PRICE, value)
    assert a.value == amount and a.flags == flags and a.unit == "EUR/month"


def test_price_ambiguity_note_names_both_readings():
    a = answer(PRICE, "1.000")
    assert a.notes == [
        "'1.000' could be 1000 or 1.0; please confirm",
        "read as 1000: a price has at most two decimals, not three",
    ]


def test_price_range_has_no_value():
    a = answer(PRICE, "1.000-2.000 €")
    assert a.value is None and a.flags == [AMBIGUOUS] and "is a range" in a.notes[0]


def test_negative_price_is_out_of_range():
    assert answer(PRICE, "-100 €").flags == [OUT_OF_RANGE]
    assert answer(PRICE, -100).flags == [OUT_OF_RANGE]


@pytest.mark.parametrize("text", ["1.000", "1,000"])
def test_number_without_context_stays_ambiguous(text):
    a = answer(NUMBER, text)
    assert a.value is None and a.flags == [AMBIGUOUS]
    assert a.notes == [f"'{text}' could be 1000 or 1.0; please confirm"]


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        ("ca. 95 %", None, 95.0),
        ("95", None, 95.0),
        (0.95, "0%", 95.0),
        (95, None, 95.0),
        ("87,5 %", None, 87.5),
    ],
)
def test_number_in_percent(value, number_format, expected):
    a = answer(SHARE, value, number_format)
    assert a.value == expected and a.flags == [] and a.unit == "%"


def test_approximate_number_notes_the_qualifier():
    a = answer(SHARE, "ca. 95 %")
    assert a.notes == ["'ca. 95 %' read as 95 %; 'ca.' is not part of the value"]


@pytest.mark.parametrize(
    ("text", "value", "readings", "flags"),
    [
        ("1.234.567", 1234567.0, (1234567.0,), []),
        ("1,5", 1.5, (1.5,), []),
        ("0,995", 0.995, (0.995,), []),
        ("1234.567", 1234.567, (1234.567,), []),
        ("1.000", None, (1000.0, 1.0), [AMBIGUOUS]),
        ("1.2.3", None, (), [UNREADABLE]),
        ("1.23,4.5", None, (), [UNREADABLE]),
        ("ISO27001", None, (), [UNREADABLE]),
    ],
)
def test_parse_number_helper(text, value, readings, flags):
    p = parse_number(text)
    assert (p.value, p.readings, p.flags) == (value, readings, flags)


def test_parse_number_currency_and_rest():
    p = parse_number("EUR 1.234,50 pro Monat")
    assert (p.value, p.unit, p.rest) == (1234.5, "EUR", "pro Monat")
