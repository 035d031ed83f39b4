"""The editable tables behind the Requirements page (slm_psr.ui.tables): PSR to tables and back,
levels typed in a cell, unreadable cells named in the buyer's words. No Streamlit needed."""

from __future__ import annotations

import pytest


def test_tables_round_trip_the_demo_psr(demo_psr):
    from slm_psr.psr_file import dumps_psr
    from slm_psr.ui.tables import psr_tables, validate_tables

    psr, errors = validate_tables(psr_tables(demo_psr))
    assert errors == []
    assert dumps_psr(psr) == dumps_psr(demo_psr)


@pytest.mark.parametrize(
    ("kind", "text", "level"),
    [
        ("availability", "99,5", 99.5),
        ("availability", "99.95 %", 99.95),
        ("languages", "de, EN;fr", ["de", "en", "fr"]),
        ("yes_no", "Yes", True),
        ("coverage", "Mon-Fri 08:00-18:00", "Mon-Fri 08:00-18:00"),
        ("number", "", None),
    ],
)
def test_levels_typed_in_a_cell(kind, text, level):
    from slm_psr.model import Kind
    from slm_psr.ui.tables import parse_level

    assert parse_level(Kind(kind), text, "x") == level


def test_unreadable_cells_are_named_in_the_buyers_words(demo_psr):
    from slm_psr.ui.tables import psr_tables, route_errors, validate_tables

    tables = psr_tables(demo_psr)
    tables["requirements"][2]["minimum"] = "half an hour"
    tables["requirements"][6]["steps"] = "60 gives 4"
    tables["evaluation"]["price_formula"] = "pro_rata_ceiling"
    psr, errors = validate_tables(tables)
    assert psr is None
    routed = route_errors(errors)
    assert "requirement SD-03: minimum: 'half an hour' is not a number" in routed["requirements"]
    assert any("SD-07: steps" in e and "answer → points" in e for e in routed["requirements"])
    assert any("price_ceiling" in e for e in routed["evaluation"])


# --- quick with 100 suppliers ---------------------------------------------------------------
