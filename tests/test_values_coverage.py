"""values.coverage: service windows as suppliers write them."""

from __future__ import annotations

import pytest

from slm_psr.model import CoverageWindow
from slm_psr.values import (
    parse_coverage,
)
from tests.values_kit import (
    AMBIGUOUS,
    COVERAGE,
    NEEDS_REVIEW,
    UNREADABLE,
    answer,
)

# --- coverage windows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("24/7", "24/7"),
        ("24x7", "24/7"),
        ("7x24", "24/7"),
        ("24 x 7", "24/7"),
        ("24/7/365", "24/7"),
        ("rund um die Uhr", "24/7"),
        ("around the clock", "24/7"),
        ("Mo-So 0-24", "24/7"),
        ("Mo-Fr 8-18", "Mon-Fri 08:00-18:00"),
        ("Mo.-Fr. 08:00-18:00 Uhr", "Mon-Fri 08:00-18:00"),
        ("Mon-Fri 08:00-18:00", "Mon-Fri 08:00-18:00"),
        ("Monday to Friday 8am-6pm", "Mon-Fri 08:00-18:00"),
        ("Montag bis Freitag 8 bis 18 Uhr", "Mon-Fri 08:00-18:00"),
        ("Mo–Fr 8.30–17.30", "Mon-Fri 08:30-17:30"),
        ("Mo-Fr 8-18, Sa 9-13", "Mon-Fri 08:00-18:00, Sat 09:00-13:00"),
        ("Mo-Fr 8-18 und Sa 9-13 Uhr", "Mon-Fri 08:00-18:00, Sat 09:00-13:00"),
        ("Mo-Sa 07:00-20:00", "Mon-Sat 07:00-20:00"),
        ("Mo, Mi, Fr 8-12", "Mon 08:00-12:00, Wed 08:00-12:00, Fri 08:00-12:00"),
        ("8-18 Uhr Mo-Fr", "Mon-Fri 08:00-18:00"),
        ("Mo-Fr 24h", "Mon-Fri 00:00-24:00"),
        ("5x24", "Mon-Fri 00:00-24:00"),
        ("Mo-Fr 22-6", "Mon-Fri 22:00-24:00, Tue-Sat 00:00-06:00"),
    ],
)
def test_coverage_canonical_window(text, canonical):
    a = answer(COVERAGE, text)
    assert isinstance(a.value, CoverageWindow)
    assert a.value.text == canonical
    assert a.value == CoverageWindow.parse(canonical)
    assert a.flags == []
    if text != canonical:
        assert a.notes[0] == f"'{text}' read as {canonical}"


def test_coverage_hours_per_week():
    assert answer(COVERAGE, "Mo-Fr 8-18, Sa 9-13").value.hours_per_week == 54
    assert answer(COVERAGE, "24x7").value.hours_per_week == 168


def test_werktags_is_monday_to_friday_with_a_note():
    a = answer(COVERAGE, "werktags 8-18")
    assert a.value.text == "Mon-Fri 08:00-18:00" and a.flags == []
    assert "Werktage can include Saturday" in a.notes[1]


@pytest.mark.parametrize(("text", "says"), [("5x10", "10 hours on 5 days"), ("5x12", "12 hours on 5 days")])
def test_days_times_hours_is_ambiguous(text, says):
    a = answer(COVERAGE, text)
    assert a.value is None and a.flags == [AMBIGUOUS] and says in a.notes[0]


@pytest.mark.parametrize(
    ("text", "flag"), [("Mo-Fr", AMBIGUOUS), ("8-18 Uhr", AMBIGUOUS), ("always", UNREADABLE)]
)
def test_coverage_without_days_or_hours(text, flag):
    a = answer(COVERAGE, text)
    assert a.value is None and a.flags == [flag]


def test_coverage_exception_needs_review():
    a = answer(COVERAGE, "24/7 außer Feiertage")
    assert a.value.text == "24/7" and a.flags == [NEEDS_REVIEW]
    b = answer(COVERAGE, "Mo-Fr 8-18 ausser Feiertags")
    assert b.value.text == "Mon-Fri 08:00-18:00" and b.flags == [NEEDS_REVIEW]
    assert "'feiertags'" in b.notes[-1]


def test_coverage_bad_hours_are_unreadable():
    assert answer(COVERAGE, "Mo-Fr 25-26").flags == [UNREADABLE]
    assert answer(COVERAGE, 24).flags == [UNREADABLE]


def test_parse_coverage_helper():
    assert parse_coverage("Mo-Fr 8-18").value == CoverageWindow.parse("Mon-Fri 08:00-18:00")
