"""Two people's edits to one PSR merged field by field; clashes named, nothing reverted unseen."""

from __future__ import annotations

import copy

from slm_psr.psr_merge import MINE, THEIRS, merge
from slm_psr.ui.tables import psr_tables


def edited(tables: dict, **changes) -> dict:
    out = copy.deepcopy(tables)
    for path, value in changes.items():
        section, *rest = path.split("__")
        if len(rest) == 1:
            out[section][rest[0]] = value
        else:
            row = next(r for r in out[section] if r["id"] == rest[0].replace("_", "-"))
            row[rest[1]] = value
    return out


def row(tables: dict, section: str, rid: str) -> dict:
    return next(r for r in tables[section] if r["id"] == rid)


def test_changes_to_different_fields_are_both_kept(demo_psr):
    """The issue's case: one user changed the title, the other only the term."""
    base = psr_tables(demo_psr)
    theirs = edited(base, meta__title="Managed IT 2027 (revised)")
    mine = edited(base, meta__term_months=48)
    result = merge(base, mine, theirs)
    assert result.clashes == []
    assert result.tables["meta"]["title"] == "Managed IT 2027 (revised)"  # not reverted
    assert result.tables["meta"]["term_months"] == 48
    assert [(c.where, c.after) for c in result.theirs] == [("title", "Managed IT 2027 (revised)")]


def test_the_same_field_changed_differently_asks_which_wins(demo_psr):
    base = psr_tables(demo_psr)
    theirs = edited(base, requirements__SD_02__minimum="45")
    mine = edited(base, requirements__SD_02__minimum="20", requirements__SD_02__weight=3.0)
    result = merge(base, mine, theirs)
    (clash,) = result.clashes
    assert clash.where == "requirement SD-02, minimum"
    assert (clash.mine, clash.theirs) == ("20", "45")
    assert result.unresolved == [clash]
    assert (
        row(merge(base, mine, theirs, {clash.key: THEIRS}).tables, "requirements", "SD-02")["minimum"] == "45"
    )
    settled = merge(base, mine, theirs, {clash.key: MINE})
    assert row(settled.tables, "requirements", "SD-02")["minimum"] == "20" and not settled.unresolved
    assert row(settled.tables, "requirements", "SD-02")["weight"] == 3.0  # my other edit stays


def test_rows_added_and_deleted_on_either_side(demo_psr):
    base = psr_tables(demo_psr)
    theirs = copy.deepcopy(base)
    theirs["requirements"].append({"id": "RP-09", "service": "RP", "text": "Their new row", "kind": "yes_no"})
    theirs["requirements"] = [r for r in theirs["requirements"] if r["id"] != "SD-01"]
    mine = copy.deepcopy(base)
    mine["requirements"].append({"id": "SD-20", "service": "SD", "text": "My new row", "kind": "yes_no"})
    mine["requirements"].append({"id": None, "text": "typing, no ID yet"})
    result = merge(base, mine, theirs)
    ids = [r["id"] for r in result.tables["requirements"]]
    assert "RP-09" in ids and "SD-20" in ids and "SD-01" not in ids and None in ids
    assert {c.where for c in result.theirs} == {"requirement RP-09", "requirement SD-01"}
    assert result.clashes == []


def test_a_row_one_side_deleted_and_the_other_edited_is_a_clash(demo_psr):
    base = psr_tables(demo_psr)
    theirs = copy.deepcopy(base)
    theirs["services"] = [s for s in theirs["services"] if s["id"] != "RP"]
    mine = edited(base, services__RP__weight=20.0)
    (clash,) = merge(base, mine, theirs).clashes
    assert clash.where == "service RP" and clash.theirs is None
    assert "RP" not in [s["id"] for s in merge(base, mine, theirs, {clash.key: THEIRS}).tables["services"]]
    assert "RP" in [s["id"] for s in merge(base, mine, theirs, {clash.key: MINE}).tables["services"]]


def test_blank_and_nan_are_the_same_empty(demo_psr):
    base = psr_tables(demo_psr)
    mine = copy.deepcopy(base)
    row(mine, "requirements", "SD-01")["unit"] = float("nan")
    theirs = copy.deepcopy(base)
    row(theirs, "requirements", "SD-01")["unit"] = None
    assert merge(base, mine, theirs).clashes == []


def test_a_section_empty_on_both_sides_stays_empty_and_the_merge_is_a_valid_psr(demo_psr):
    """Failed before: a PSR without contract terms (the section is None in the tables) came out
    of every merge with contract terms [], which the PSR refuses, so a merged draft could never
    be saved (found by the browser walk: 'Save' stayed disabled after 'Merge')."""
    from slm_psr.ui.tables import validate_tables

    base = psr_tables(demo_psr.model_copy(update={"contract_terms": None}))
    assert base["contract_terms"] is None
    theirs = edited(base, meta__title="Managed IT 2027 (revised)")
    mine = edited(base, meta__term_months=48)
    result = merge(base, mine, theirs)
    assert result.tables["contract_terms"] is None
    psr, errors = validate_tables(result.tables)
    assert errors == [] and psr is not None
    assert (psr.title, psr.term_months) == ("Managed IT 2027 (revised)", 48)


def test_contract_terms_added_by_one_side_are_taken(demo_psr):
    base = psr_tables(demo_psr.model_copy(update={"contract_terms": None}))
    theirs = psr_tables(demo_psr)  # a colleague added the demo's contract terms
    assert theirs["contract_terms"] is not None
    result = merge(base, edited(base, meta__term_months=48), theirs)
    assert result.clashes == []
    assert result.tables["contract_terms"] == theirs["contract_terms"]
