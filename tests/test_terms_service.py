"""Editing a PSR's contract terms through the service: the form round trip, worded errors, saving a version."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from slm_psr.service import terms
from slm_psr.store import Store

USER = "A. Buyer"


def test_the_demo_terms_survive_the_form_round_trip(demo_psr):
    form = terms.form_of(demo_psr)
    assert form.period_kind == "calendar month" and form.time_zone == "Europe/Berlin"
    hosting = next(r for r in form.credits if r["Level"] == "HO-01")
    assert hosting["Bands (below: credit %)"] == "99.9: 5; 99.5: 10; 99: 25; 95: 100"
    assert form.rights[0]["Trigger"] == "the same level missed k times in n periods"
    data, errors = terms.terms_from_form(form, demo_psr)
    assert errors == []
    assert terms.with_terms(demo_psr, data).contract_terms == demo_psr.contract_terms


def test_bad_entries_are_named_by_table_row_and_column(demo_psr):
    form = terms.form_of(demo_psr)
    form.credits[5]["Bands (below: credit %)"] = "99.9 5 %"  # HO-01: no colon
    form.credits[0]["Pool category"] = None  # SD-03
    form.rights[1]["Trigger"] = "whenever we like"
    form.rights[2]["Notice"] = " "
    form.rights[0]["Misses (k)"] = "three"
    _, errors = terms.terms_from_form(form, demo_psr)
    assert errors == [
        "Credit rules, row 1 (SD-03): a pool share needs its pool category and its allocation %",
        "Credit rules, row 6 (HO-01), Bands: '99.9 5 %' is not a band; write 'below: credit', e.g. "
        "'99.9: 5; 99.5: 10' (below 99.9 % owes 5 % of the monthly charge)",
        "Credit rules, row 6 (HO-01): bands need at least one 'below: credit', e.g. '99.9: 5'",
        "Termination rights, row 1 (T1), Misses: 'three' is not a number",
        "Termination rights, row 2 (T2), Trigger: 'whenever we like' is not one of: the same level missed k "
        "times in n periods; a level below a floor in any period; credits over X % of the charges in n periods",
        "Termination rights, row 3 (T3): the notice text is empty; write what the customer would send",
    ]


def test_the_psrs_own_checks_speak_through_the_form(demo_psr):
    """Model checks, worded: an unknown zone (with a hint), a level the PSR lacks, a pool category
    over-allocated (SD: 25 + 30 + 20 + 25 = 100 %, plus 10 % more), a rolling window without days."""
    form = terms.form_of(demo_psr)
    form.time_zone = "berlin"
    _, errors = terms.terms_from_form(form, demo_psr)
    assert any(
        "'berlin' is not an IANA time zone like Europe/Berlin (did you mean Europe/Berlin?)" in e
        for e in errors
    )
    form = terms.form_of(demo_psr)
    form.credits.append({"Level": "SD-07", "Rule": "share of the at-risk pool", "Pool category": "SD",
                         "Allocation %": 10})  # fmt: skip
    _, errors = terms.terms_from_form(form, demo_psr)
    assert errors == [
        "contract_terms: the level allocations of pool category SD add up to 110 %, more than its whole "
        "allocation (100 %)"
    ]
    form = dataclasses.replace(terms.form_of(demo_psr), period_kind="rolling window", rolling_days=None)
    _, errors = terms.terms_from_form(form, demo_psr)
    assert any("a rolling window needs 'days'" in e for e in errors)


def test_saving_makes_a_new_psr_version_and_the_wording_follows(tmp_path, demo_psr):
    """Fixed 30-day periods from 1 March 2027 in Europe/Berlin: the saved version's offered
    availability reads 'per period of 30 days' (99.9 %: 43,140 to 43,260 min x 0.1 %)."""
    from slm_psr.engine.qualify import offered_text
    from slm_psr.model import Answer

    with Store.open(f"sqlite:///{tmp_path / 'terms.sqlite3'}") as store:
        info = store.create_project("Terms", demo_psr, user=USER)
        state = store.load(info.id)
        form = dataclasses.replace(
            terms.form_of(state.psr), period_kind="fixed month of 30 days", fixed_start=dt.date(2027, 3, 1)
        )
        data, errors = terms.terms_from_form(form, state.psr)
        assert errors == []
        terms.save_contract_terms(store, info.id, data, user=USER, expected_revision=state.revision)
        saved = store.load(info.id)
        assert saved.psr_version == 2
        period = saved.psr.contract_terms.period
        assert (period.kind, period.start) == ("fixed_30_days", dt.date(2027, 3, 1))
        ho = saved.psr.requirement("HO-01")
        words = offered_text(ho, Answer(requirement_id="HO-01", raw="99.9", value=99.9), 99.9, period=period)
        assert words == "99.9 % (downtime up to 43.1 to 43.3 min per period of 30 days in Europe/Berlin)"
        assert [e.action for e in store.audit(info.id)][-1] == "save_psr"
        with pytest.raises(terms.TermsError, match="is not an IANA time zone"):
            terms.save_contract_terms(
                store, info.id, data | {"period": {"time_zone": "Mars/Olympus"}}, user=USER,
                expected_revision=saved.revision,
            )  # fmt: skip
