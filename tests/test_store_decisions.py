"""Per-value decisions, required removal reasons and acknowledged PSR changes in the store."""

from __future__ import annotations

import pytest

from slm_psr.demo import ensure_demo_project
from slm_psr.engine import NEEDS_REVIEW, QUALIFIED
from slm_psr.service import evaluate_project
from slm_psr.store import StoreError
from tests.test_store import db_url, pg_server, store  # noqa: F401  (fixtures)

WESTPARK = "Westpark Datacenter Services GmbH"


@pytest.fixture
def demo(store):  # noqa: F811
    return store, ensure_demo_project(store)


def status(state, supplier: str) -> str:
    suppliers = evaluate_project(state).suppliers
    return suppliers.set_index("supplier").status[supplier]


def test_confirming_one_flagged_value_settles_it_alone_and_goes_on_record(demo):
    db, pid = demo
    state = db.load(pid)
    assert status(state, WESTPARK) == NEEDS_REVIEW  # HO-01 '0.995' is ambiguous and a knock-out
    rev = db.set_value_decision(
        pid,
        WESTPARK,
        "HO-01",
        "confirm",
        "Confirmed 99.5 % by e-mail on 3 Feb",
        user="Anna",
        expected_revision=state.revision,
    )
    state = db.load(pid)
    assert rev == state.revision
    westpark = next(r for r in state.accepted_responses() if r.supplier == WESTPARK)
    assert not westpark.answers["HO-01"].needs_review
    assert westpark.answers["HO-01"].value == 99.5
    assert "confirmed as read by Anna" in westpark.answers["HO-01"].notes[-1]
    assert westpark.answers["RP-P1"].needs_review  # the other flagged value is still open
    reasons = evaluate_project(state).suppliers.set_index("supplier").reasons[WESTPARK]
    assert not any("HO-01" in r for r in reasons) and any("RP-P1" in r for r in reasons)
    db.set_value_decision(
        pid,
        WESTPARK,
        "RP-P1",
        "confirm",
        "1,500 EUR a month",
        user="Anna",
        expected_revision=state.revision,
    )
    assert status(db.load(pid), WESTPARK) == QUALIFIED  # the engine uses the decisions
    entry = db.audit(pid)[-2]
    assert (entry.action, entry.target, entry.who) == (
        "set_value_decision",
        f"value {WESTPARK} / HO-01",
        "Anna",
    )
    raw = next(r for r in state.responses if r.supplier == WESTPARK).response
    assert raw.answers["HO-01"].needs_review  # the response as read stays as it was


def test_correcting_a_value_replaces_it_for_the_engine_and_keeps_the_raw_text(demo):
    db, pid = demo
    state = db.load(pid)
    before = evaluate_project(state).scores
    db.set_value_decision(
        pid, WESTPARK, "RP-P1", "correct", "The supplier meant 1.50 EUR per report (letter of 4 Feb)",
        value=1.5, user="Anna", expected_revision=state.revision,
    )  # fmt: skip
    state = db.load(pid)
    answer = next(r for r in state.accepted_responses() if r.supplier == WESTPARK).answers["RP-P1"]
    assert (answer.value, answer.raw, answer.needs_review) == (1.5, "1.500", False)
    after = evaluate_project(state).scores

    def price(scores):
        return scores[(scores.supplier == WESTPARK) & (scores.requirement == "RP-P1")].offered.iloc[0]

    assert price(before) != price(after)


@pytest.mark.parametrize(
    ("decision", "justification", "value", "message"),
    [
        ("confirm", " ", None, "say why"),
        ("correct", "typo", None, "give the corrected value"),
        ("guess", "typo", None, "decide 'confirm'"),
    ],
)
def test_a_value_decision_needs_a_reason_and_a_value(demo, decision, justification, value, message):
    db, pid = demo
    rev = db.load(pid).revision
    with pytest.raises(ValueError, match=message):
        db.set_value_decision(
            pid, WESTPARK, "RP-P1", decision, justification, value=value, user="Anna", expected_revision=rev
        )


def test_a_value_decision_for_a_supplier_without_a_bid_is_refused(demo):
    db, pid = demo
    with pytest.raises(StoreError, match="no current response from Nobody"):
        db.set_value_decision(
            pid, "Nobody", "RP-P1", "confirm", "x", user="Anna", expected_revision=db.load(pid).revision
        )


def test_removing_a_response_needs_a_reason(demo):
    db, pid = demo
    state = db.load(pid)
    with pytest.raises(ValueError, match="the reason goes on record"):
        db.remove_response(
            pid, state.responses[0].id, user="Anna", expected_revision=state.revision, reason=" "
        )


def test_a_psr_change_after_bids_is_announced_until_acknowledged(demo):
    db, pid = demo
    state = db.load(pid)
    assert state.psr_changed_after_bids() == []
    psr = state.psr.model_copy(update={"term_months": 48})
    rev = db.save_psr(pid, psr, user="Ben", expected_revision=state.revision)
    state = db.load(pid)
    assert state.psr_changed_after_bids() == [2]
    db.acknowledge_psr_change(pid, 2, user="Anna", expected_revision=rev)
    state = db.load(pid)
    assert state.psr_changed_after_bids() == [] and state.acknowledged_psr_versions == [2]
    assert db.audit(pid)[-1].action == "acknowledge_psr_change"


def test_a_decided_bid_is_the_same_object_on_every_read_until_the_decisions_change(demo):
    """The engine keeps what it read of a Response object: a weight move or a new session
    must not hand it a fresh copy of a decided bid, and a new decision must."""
    db, pid = demo
    state = db.load(pid)
    db.set_value_decision(
        pid,
        WESTPARK,
        "HO-01",
        "confirm",
        "Confirmed by e-mail",
        user="Anna",
        expected_revision=state.revision,
    )
    state = db.load(pid)

    def westpark(s):
        return next(r for r in s.accepted_responses() if r.supplier == WESTPARK)

    decided = westpark(state)
    assert westpark(state) is decided
    assert westpark(db.load(pid)) is decided  # another load of the same rows: a new session
    db.set_value_decision(
        pid, WESTPARK, "RP-P1", "confirm", "1,500 EUR a month", user="Anna", expected_revision=state.revision
    )
    again = westpark(db.load(pid))
    assert again is not decided
    assert not again.answers["RP-P1"].needs_review and decided.answers["RP-P1"].needs_review
