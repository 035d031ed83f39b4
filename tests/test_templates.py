"""Starting points for a new tender: the empty PSR, the library of typical service levels, the next PSR ID."""

from __future__ import annotations

import datetime as dt

import pytest

from slm_psr.model import Kind
from slm_psr.templates import EMPTY_PRICE, LIBRARY, as_new_tender, new_psr, next_psr_id

TODAY = dt.date(2027, 3, 1)


def test_the_next_psr_id_counts_this_years_tenders_only():
    assert next_psr_id([], TODAY) == "PSR-2027-01"
    assert next_psr_id(["PSR-2027-01", "PSR-2027-07", "PSR-2026-12", "MS-2027-01"], TODAY) == "PSR-2027-08"


def test_an_empty_tender_is_valid_and_holds_only_what_a_psr_must_have():
    psr = new_psr("PSR-2027-01", "Cleaning 2028", "", TODAY)
    assert psr.id == "PSR-2027-01" and psr.version == 1 and psr.title == "Cleaning 2028"
    assert len(psr.services) == 1
    assert [r.id for r in psr.requirements] == [EMPTY_PRICE["id"]]  # a PSR needs one price item
    assert psr.deadline == dt.date(2027, 4, 12)  # six weeks out


def test_every_library_block_is_a_valid_service_with_minimums_targets_and_a_price():
    psr = new_psr("PSR-2027-02", "Managed IT", "City", TODAY, list(LIBRARY))
    assert [s.name for s in psr.services] == [
        "Service desk",
        "Hosting",
        "Application management",
        "Reporting",
    ]
    for block in LIBRARY.values():
        reqs = [r for r in psr.requirements if r.service == block.service["id"]]
        assert any(r.kind is Kind.PRICE for r in reqs), block.key
        assert any(r.is_knock_out for r in reqs), block.key
    kinds = {r.kind for r in psr.requirements}
    # The library shows every kind of service level once at least. The contract-term kinds
    # (at-risk amount, acceptance, reporting day) are asked with the PSR's contract terms
    # (their own questionnaire sheet), which a library of services does not set.
    contract_kinds = {Kind.AT_RISK, Kind.ACCEPTANCE, Kind.REPORTING_DAY}
    assert kinds == set(Kind) - contract_kinds


def test_blocks_come_in_library_order_and_an_unknown_one_is_named():
    psr = new_psr("PSR-2027-03", "x", "y", TODAY, ["reporting", "hosting"])
    assert [s.id for s in psr.services] == ["HO", "RP"]
    with pytest.raises(ValueError, match="no service levels named cleaning"):
        new_psr("PSR-2027-03", "x", "y", TODAY, ["cleaning"])


def test_the_demo_as_a_new_tender_gets_its_own_id_and_title(demo_psr):
    psr = as_new_tender(demo_psr.model_copy(update={"version": 4}), "PSR-2027-04", "Our tender")
    assert (psr.id, psr.version, psr.title) == ("PSR-2027-04", 1, "Our tender")
    assert psr.requirements == demo_psr.requirements
