"""engine.inputs: every kind's answers read into the engine's matrices through the registry.

Each expected number is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine import collect_inputs
from slm_psr.model import PSR, Answer, CoverageWindow, Response


def small_psr(hours_per_business_day: float = 10.0) -> PSR:
    reqs = [
        {"id": "T-1", "kind": "time_limit", "unit": "minutes", "minimum": 240, "target": 60},
        {"id": "T-2", "kind": "time_limit", "unit": "hours", "minimum": 24, "target": 8},
        {"id": "C-1", "kind": "coverage", "minimum": "Mon-Fri 08:00-18:00", "target": "24/7"},
        {"id": "L-1", "kind": "languages", "minimum": ["de"], "target": ["fr", "it"]},
        {"id": "Y-1", "kind": "yes_no", "minimum": True},
        {"id": "N-1", "kind": "number", "unit": "agents", "minimum": 10},
        {"id": "A-1", "kind": "availability", "minimum": 99.5},
        {"id": "P-1", "kind": "price", "unit": "EUR/month", "price_basis": "monthly"},
    ]
    return PSR.model_validate(
        {
            "id": "IN-1",
            "buyer": "B",
            "title": "Inputs",
            "term_months": 12,
            "deadline": "2027-01-01",
            "services": [{"id": "S", "name": "Service"}],
            "requirements": [{"service": "S", "text": "asked", **r} for r in reqs],
            "evaluation": {"hours_per_business_day": hours_per_business_day},
        }
    )


def bid(name: str, **answers: tuple[object, str]) -> Response:
    return Response(
        supplier=name,
        answers={
            rid.replace("_", "-"): Answer(requirement_id=rid.replace("_", "-"), value=value, unit=unit)
            for rid, (value, unit) in answers.items()
        },
    )


def test_each_kind_becomes_the_number_its_rule_reads():
    psr = small_psr(hours_per_business_day=8.0)
    inputs = collect_inputs(
        psr,
        [
            bid(
                "Acme",
                T_1=(2.0, "hours"),  # 2 hours against a requirement in minutes: 120 minutes
                T_2=(1.0, "business_days"),  # one business day of 8 hours (the setting): 8 hours
                C_1=(CoverageWindow.parse("Mon-Fri 08:00-18:00"), ""),  # 5 x 10 = 50 hours a week
                L_1=(["de", "fr"], ""),  # one of the two desirable extras: share 0.5
                Y_1=(True, ""),  # yes: 1
                N_1=(12.0, "agents"),
                A_1=(99.9, "%"),
                P_1=(1000.0, "EUR/month"),
            ),
            bid("Nil"),
        ],
    )
    value = dict(zip([q.id for q in inputs.requirements], inputs.value[0].tolist(), strict=True))
    assert value == {
        "T-1": pytest.approx(120.0),
        "T-2": pytest.approx(8.0),
        "C-1": pytest.approx(50.0),
        "L-1": pytest.approx(0.5),
        "Y-1": 1.0,
        "N-1": 12.0,
        "A-1": 99.9,
    }
    assert np.isnan(inputs.value[1]).all() and not inputs.answered[1].any()
    columns = {q.id: j for j, q in enumerate(inputs.requirements)}
    # set comparisons: the window covers the minimum but not 24/7; DE is the required language
    assert inputs.set_meets_minimum[0, columns["C-1"]] and not inputs.set_meets_target[0, columns["C-1"]]
    assert inputs.set_meets_minimum[0, columns["L-1"]] and not inputs.set_meets_target[0, columns["L-1"]]
    assert inputs.amounts.tolist() == [[1000.0], [pytest.approx(np.nan, nan_ok=True)]]


def test_a_value_of_the_wrong_type_is_unreadable_not_a_number():
    """A bool where a number is asked, a number where a window is asked: doubtful, never 0 or 1."""
    inputs = collect_inputs(
        small_psr(), [bid("Odd", N_1=(True, "agents"), C_1=(40.0, ""), Y_1=(1.0, ""), P_1=(1.0, "EUR/month"))]
    )
    columns = {q.id: j for j, q in enumerate(inputs.requirements)}
    for rid in ("N-1", "C-1", "Y-1"):
        assert np.isnan(inputs.value[0, columns[rid]]), rid
        assert inputs.doubtful[0, columns[rid]], rid


def test_an_answer_in_an_unknown_unit_is_not_converted():
    inputs = collect_inputs(small_psr(), [bid("Odd", T_1=(3.0, "fortnights"), P_1=(1.0, "EUR/month"))])
    assert np.isnan(inputs.value[0, 0]) and inputs.doubtful[0, 0]


def test_repeated_windows_and_languages_are_judged_once_and_each_bid_gets_its_own_levels(monkeypatch):
    """Set-based kinds judge each distinct answer once per requirement (equal windows and
    equal language lists alike) and give every bid the levels of its own answer, in order.
    Hand-worked: Mon-Fri 08:00-18:00 is 5 x 10 = 50 hours a week and covers the minimum;
    24/7 is 168 hours and covers the target; Mon-Fri 09:00-17:00 (40 hours) misses the
    minimum's 08:00-09:00. Languages: extras FR and IT; DE+FR has one of two (0.5), DE+FR+IT
    both (1.0), FR alone lacks the required DE."""
    from slm_psr.kinds import coverage

    windows = ["Mon-Fri 08:00-18:00", "24/7", "Mon-Fri 08:00-18:00", "Mon-Fri 09:00-17:00", "24/7"]
    languages = [["de", "fr"], ["de", "fr", "it"], ["de", "fr"], ["fr"], ["de", "fr", "it"]]
    bids = [
        bid(f"B{k}", C_1=(CoverageWindow.parse(w), ""), L_1=(list(langs), ""), P_1=(1.0, "EUR/month"))
        for k, (w, langs) in enumerate(zip(windows, languages, strict=True))
    ]
    judged: list[str] = []
    real_covers = CoverageWindow.covers
    monkeypatch.setattr(
        coverage.CoverageWindow, "covers", lambda w, other: judged.append(w.text) or real_covers(w, other)
    )
    inputs = collect_inputs(small_psr(), bids)
    columns = {q.id: j for j, q in enumerate(inputs.requirements)}
    c, lang = columns["C-1"], columns["L-1"]
    assert inputs.value[:, c].tolist() == [50.0, 168.0, 50.0, 40.0, 168.0]
    assert inputs.set_meets_minimum[:, c].tolist() == [True, True, True, False, True]
    assert inputs.set_meets_target[:, c].tolist() == [False, True, False, False, True]
    # against the minimum and the target once per distinct window, not once per bid
    assert judged.count("Mon-Fri 08:00-18:00") == 2 and judged.count("Mon-Fri 09:00-17:00") == 2
    assert inputs.value[:, lang].tolist() == [0.5, 1.0, 0.5, 0.5, 1.0]
    assert inputs.set_meets_minimum[:, lang].tolist() == [True, True, True, False, True]
    assert inputs.set_meets_target[:, lang].tolist() == [False, True, False, False, True]


def test_units_are_read_for_the_kinds_that_ask_and_each_bid_keeps_its_own():
    """Two time limits in mixed units over three bids (hand-worked, 10-hour business day):
    T-1 in minutes: 2 hours = 120, 90 minutes = 90, 1 business day = 600; T-2 in hours:
    30 minutes = 0.5, 3 hours = 3, 2 business days = 20."""
    answers = [
        {"T_1": (2.0, "hours"), "T_2": (30.0, "minutes")},
        {"T_1": (90.0, "minutes"), "T_2": (3.0, "hours")},
        {"T_1": (1.0, "business_days"), "T_2": (2.0, "business_days")},
    ]
    bids = [bid(f"B{k}", N_1=(5.0, "agents"), P_1=(1.0, "EUR/month"), **a) for k, a in enumerate(answers)]
    inputs = collect_inputs(small_psr(hours_per_business_day=10.0), bids)
    columns = {q.id: j for j, q in enumerate(inputs.requirements)}
    assert inputs.value[:, columns["T-1"]].tolist() == pytest.approx([120.0, 90.0, 600.0])
    assert inputs.value[:, columns["T-2"]].tolist() == pytest.approx([0.5, 3.0, 20.0])
    assert inputs.value[:, columns["N-1"]].tolist() == [5.0, 5.0, 5.0]
    # the answers' units were read for the time limits' columns only (one pass over those)
    assert inputs.table is not None and inputs.table._units is None
    read = {inputs.table.ids[k] for k in inputs.table._unit_columns}
    assert read == {"T-1", "T-2"}


# --- what is read once and kept (issue 21: a weight move must not read the answers again) ---


def full_bid(name: str, availability: float, price: float, window: str = "24/7") -> Response:
    """A bid meeting every minimum of ``small_psr`` but the ones the test changes."""
    return bid(
        name,
        T_1=(60.0, "minutes"),
        T_2=(8.0, "hours"),
        C_1=(CoverageWindow.parse(window), ""),
        L_1=(["de", "fr", "it"], ""),
        Y_1=(True, ""),
        N_1=(12.0, "agents"),
        A_1=(availability, "%"),
        P_1=(price, "EUR/month"),
    )


def test_the_same_responses_are_read_once_and_a_copy_with_other_answers_afresh(monkeypatch):
    from slm_psr.engine import evaluate
    from slm_psr.engine import inputs as engine_inputs

    reads: list[int] = []
    real = engine_inputs._read_table
    monkeypatch.setattr(engine_inputs, "_read_table", lambda rs, ids: reads.append(len(rs)) or real(rs, ids))
    psr = small_psr()
    acme, beta = full_bid("Acme", 99.9, 1000.0), full_bid("Beta", 99.7, 900.0)
    first = evaluate(psr, [acme, beta])
    what_if = evaluate(psr, [acme, beta], service_weights={"S": 2.0})  # a weight move
    assert reads == [2]  # read once: the what-if found the table kept
    assert first.suppliers.equals(evaluate(psr, [acme, beta]).suppliers)
    assert list(what_if.suppliers["status"]) == list(first.suppliers["status"])
    # another order is another table (rows follow the order of the responses)
    evaluate(psr, [beta, acme])
    assert reads == [2, 2]
    # a copy with other answers is another Response: read afresh, and its answers count
    # (99.4 % is below the 99.5 % minimum: Beta, qualified before, now fails it)
    worse = beta.model_copy(
        update={"answers": {**beta.answers, "A-1": Answer(requirement_id="A-1", value=99.4, unit="%")}}
    )
    after = evaluate(psr, [acme, worse]).suppliers.set_index("supplier")
    assert reads == [2, 2, 2]
    assert first.suppliers.set_index("supplier").loc["Beta", "status"] == "qualified"
    assert after.loc["Beta", "status"] == "disqualified"
    assert "99.4" in " ".join(after.loc["Beta", "reasons"])


def test_a_changed_requirement_is_judged_afresh_on_the_same_responses(monkeypatch):
    """A coverage window is judged against the minimum when the column is read: a stricter
    minimum in a new PSR version must knock the bid out although its answers are kept."""
    from slm_psr.engine import evaluate

    psr = small_psr()
    office_hours = full_bid("Acme", 99.9, 1000.0, window="Mon-Fri 08:00-18:00")
    before = evaluate(psr, [office_hours]).suppliers.set_index("supplier")
    stricter = psr.model_copy(deep=True)
    stricter.requirements[2].minimum = CoverageWindow.parse("24/7")
    after = evaluate(stricter, [office_hours]).suppliers.set_index("supplier")
    assert not any("C-1" in reason for reason in before.loc["Acme", "reasons"])
    assert any("C-1" in reason and "not covered" in reason for reason in after.loc["Acme", "reasons"])


def test_the_hours_of_a_business_day_are_read_afresh_on_the_same_responses():
    # one business day against a requirement in hours: 10 hours, then (a what-if) 8 hours
    psr = small_psr(hours_per_business_day=10.0)
    acme = bid("Acme", T_2=(1.0, "business_days"))
    ten = collect_inputs(psr, [acme])
    eight = collect_inputs(
        psr, [acme], settings=psr.evaluation.model_copy(update={"hours_per_business_day": 8.0})
    )
    column = [q.id for q in psr.service_requirements].index("T-2")
    assert ten.value[0, column] == 10.0
    assert eight.value[0, column] == 8.0
    assert ten.table is eight.table  # the answers were not read again
