"""values.yes_no: yes/no answers, doubts flagged."""

from __future__ import annotations

import pytest

from slm_psr.values import (
    parse_yes_no,
)
from tests.values_kit import (
    AMBIGUOUS,
    MISSING,
    NEEDS_REVIEW,
    UNREADABLE,
    YES_NO,
    answer,
)

# --- yes/no ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "Yes", "ja", "x", "X", "✓", "y", "true", True, 1, 1.0, "TRUE"])
def test_yes(value):
    a = answer(YES_NO, value)
    assert a.value is True and a.flags == []


@pytest.mark.parametrize("value", ["nein", "no", "-", "n", "false", False, 0, "No"])
def test_no(value):
    a = answer(YES_NO, value)
    assert a.value is False and a.flags == []


@pytest.mark.parametrize("text", ["in progress", "geplant", "planned", "Zertifizierung geplant 2026"])
def test_not_yet_is_no_with_review(text):
    a = answer(YES_NO, text)
    assert a.value is False and a.flags == [NEEDS_REVIEW]
    assert "read as no until a person confirms" in a.notes[0]


def test_yes_with_explanation_keeps_the_rest():
    a = answer(YES_NO, "yes (certified since 2019)")
    assert a.value is True and a.flags == []
    assert "'(certified since 2019)'" in a.notes[0]


def test_qualified_yes_needs_review():
    a = answer(YES_NO, "ja, aber nur teilweise")
    assert a.value is True and a.flags == [NEEDS_REVIEW]


@pytest.mark.parametrize("value", ["vielleicht", 2, "yesterday"])
def test_yes_no_unreadable(value):
    a = answer(YES_NO, value)
    assert a.value is None and a.flags == [UNREADABLE]


def test_template_placeholder_yes_no_is_ambiguous():
    a = answer(YES_NO, "Yes/No")
    assert a.value is None and a.flags == [AMBIGUOUS]


def test_parse_yes_no_helper():
    assert parse_yes_no("X").value is True
    assert parse_yes_no("").flags == [MISSING]
