"""The knock-out gate and overrides (slm_psr.engine.qualify): every knock-out kind with its reason text."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from slm_psr.engine import DISQUALIFIED, NEEDS_REVIEW, QUALIFIED, Override, evaluate
from slm_psr.engine.qualify import knock_out_gate, status_of
from slm_psr.model import Answer, Flag, Response

# A bid that meets every target of the demo PSR (values, unit).
FULL_MARKS: dict[str, tuple[object, str]] = {
    "SD-01": (["de", "en", "fr", "it"], ""),
    "SD-02": ("24/7", ""),
    "SD-03": (15.0, "minutes"),
    "SD-04": (4.0, "hours"),
    "SD-05": (8.0, "hours"),
    "SD-06": (95.0, ""),
    "SD-07": (75.0, ""),
    "SD-08": (True, ""),
    "HO-01": (99.95, ""),
    "HO-02": (99.5, ""),
    "HO-03": ("24/7", ""),
    "HO-04": (2.0, "hours"),
    "HO-05": (15.0, "minutes"),
    "HO-06": (True, ""),
    "HO-07": (True, ""),
    "HO-08": (10.0, ""),
    "RP-01": (100.0, ""),
    "RP-02": (["de", "en"], ""),
    "RP-03": (True, ""),
    "RP-04": ("Mon-Fri 07:00-20:00", ""),
    "CT-01": (15.0, ""),
    "CT-02": (True, ""),
    "CT-03": (True, ""),
    "CT-04": (True, ""),
    "CT-05": (True, ""),
    "CT-06": (3.0, ""),
    "SD-P1": (30_000.0, ""),
    "SD-P2": (20_000.0, ""),
    "HO-P1": (25_000.0, ""),
    "HO-P2": (15_000.0, ""),
    "RP-P1": (2_000.0, ""),
}


def bid(name: str, flags: dict[str, list[Flag]] | None = None, **changes: object) -> Response:
    """A demo response meeting every target, with ``changes`` by requirement (``SD_03=...``);
    a value ``(v, unit)`` sets the unit, ``None`` removes the answer."""
    answers = {}
    changes = {k.replace("_", "-"): v for k, v in changes.items()}
    for rid, (value, unit) in FULL_MARKS.items():
        if rid in changes:
            value = changes[rid]
            if isinstance(value, tuple):
                value, unit = value
            if value is None:
                continue
        raw = str(value)
        answers[rid] = Answer(
            requirement_id=rid, value=value, raw=raw, unit=unit, flags=(flags or {}).get(rid, [])
        )
    for rid, value in changes.items():
        if rid not in FULL_MARKS:
            answers[rid] = Answer(requirement_id=rid, value=value, raw=str(value))
    return Response(supplier=name, file=f"{name}.xlsx", answers=answers)


def reasons(demo_psr, response: Response, **kwargs) -> tuple[str, list[str]]:
    result = evaluate(demo_psr, [response], **kwargs)
    row = result.suppliers.iloc[0]
    return row["status"], row["reasons"]


def test_full_marks_qualify(demo_psr):
    assert reasons(demo_psr, bid("A")) == (QUALIFIED, [])


def test_languages_reason(demo_psr):
    assert reasons(demo_psr, bid("A", SD_01=["de", "en"])) == (
        DISQUALIFIED,
        ["SD-01 languages: offered DE, EN; required DE, EN, FR; missing FR"],
    )


def test_availability_reason(demo_psr):
    assert reasons(demo_psr, bid("A", HO_01=99.0)) == (
        DISQUALIFIED,
        ["HO-01 availability: offered 99 %, minimum 99.5 %"],
    )


def test_coverage_reason_lists_the_uncovered_times(demo_psr):
    status, why = reasons(demo_psr, bid("A", SD_02="Mon-Fri 08:00-18:00"))
    assert status == DISQUALIFIED
    assert why == [
        "SD-02 coverage: offered Mon-Fri 08:00-18:00; required 24/7; not covered: "
        "Mon-Fri 00:00-08:00, Mon-Fri 18:00-24:00, Sat-Sun 00:00-24:00"
    ]


def test_yes_no_reason(demo_psr):
    assert reasons(demo_psr, bid("A", SD_08=False)) == (
        DISQUALIFIED,
        ["SD-08 yes/no: answered no; required yes"],
    )


def test_time_limit_reason_and_unit_conversion(demo_psr):
    assert reasons(demo_psr, bid("A", SD_04=(12.0, "hours"))) == (
        DISQUALIFIED,
        ["SD-04 time limit: offered 12 hours, maximum allowed 8 hours"],
    )
    # 1 business day = 10 hours (hours_per_business_day 10) > 8 hours
    assert reasons(demo_psr, bid("A", SD_04=(1.0, "business_days"))) == (
        DISQUALIFIED,
        ["SD-04 time limit: offered 1 business day (10 hours), maximum allowed 8 hours"],
    )
    # 480 minutes = exactly 8 hours: meets the minimum; unit aliases ("h", "min") are understood
    assert reasons(demo_psr, bid("A", SD_04=(480.0, "minutes")))[0] == QUALIFIED
    assert reasons(demo_psr, bid("A", SD_04=(9.0, "h")))[1] == [
        "SD-04 time limit: offered 9 hours, maximum allowed 8 hours"
    ]
    assert reasons(demo_psr, bid("A", SD_03=(0.75, "h")))[1] == [
        "SD-03 time limit: offered 0.75 hours (45 minutes), maximum allowed 30 minutes"
    ]


def test_number_reasons_higher_and_lower_is_better(demo_psr_dict):
    from slm_psr.model import PSR

    demo_psr_dict["requirements"].append(
        {"id": "SD-10", "service": "SD", "text": "Open backlog after a month (tickets)", "kind": "number",
         "unit": "tickets", "direction": "lower_is_better", "minimum": 50}
    )  # fmt: skip
    psr = PSR.model_validate(demo_psr_dict)
    status, why = reasons(psr, bid("A", SD_06=75.0, SD_10=80.0))
    assert status == DISQUALIFIED
    assert why == [
        "SD-06 number: offered 75 %, minimum 80 %",
        "SD-10 number: offered 80 tickets, maximum allowed 50 tickets",
    ]


def test_missing_answer_fails_the_knock_out(demo_psr):
    assert reasons(demo_psr, bid("A", SD_03=None)) == (
        DISQUALIFIED,
        ["SD-03 time limit: no answer; minimum 30 minutes"],
    )
    assert reasons(demo_psr, bid("A", HO_06=None))[1] == ["HO-06 yes/no: no answer; required yes"]


def test_qualitative_knock_out_uses_the_evaluators_mean(demo_psr_dict):
    from slm_psr.model import PSR

    next(r for r in demo_psr_dict["requirements"] if r["id"] == "SD-09")["minimum"] = 5
    psr = PSR.model_validate(demo_psr_dict)
    scores = pd.DataFrame(
        [("A", "SD-09", "E1", 4), ("A", "SD-09", "E2", 5)],
        columns=["supplier", "requirement", "evaluator", "score"],
    )
    assert reasons(psr, bid("A"), evaluator_scores=scores) == (
        DISQUALIFIED,
        ["SD-09 qualitative: evaluators' mean 4.5 / 10, minimum 5 / 10"],
    )
    # not scored yet: the bid waits for the evaluators, it is not failed
    assert reasons(psr, bid("A")) == (
        NEEDS_REVIEW,
        ["SD-09 qualitative: not yet scored by the evaluators; minimum 5 / 10; needs review"],
    )


def test_flagged_knock_out_needs_review_never_a_silent_pass(demo_psr):
    response = bid("A", flags={"HO-01": [Flag.AMBIGUOUS]}, HO_01=99.9)
    response.answers["HO-01"].raw = "99,9 % (excl. maintenance)"
    assert reasons(demo_psr, response) == (
        NEEDS_REVIEW,
        [
            "HO-01 availability: '99,9 % (excl. maintenance)' read as 99.9 % (ambiguous); "
            "minimum 99.5 %; meets the minimum as read; needs review"
        ],
    )


def test_unknown_time_unit_needs_review(demo_psr):
    status, why = reasons(demo_psr, bid("A", SD_04=(2.0, "weeks")))
    assert status == NEEDS_REVIEW
    assert why == [
        "SD-04 time limit: the answer '2.0' in 'weeks' could not be read; maximum allowed 8 hours; needs review"
    ]


def test_unreadable_knock_out_needs_review(demo_psr):
    response = bid("A")
    response.answers["SD-03"] = Answer(requirement_id="SD-03", raw="asap", flags=[Flag.UNREADABLE])
    assert reasons(demo_psr, response) == (
        NEEDS_REVIEW,
        ["SD-03 time limit: the answer 'asap' could not be read; maximum allowed 30 minutes; needs review"],
    )


def test_a_fail_outweighs_a_review(demo_psr):
    response = bid("A", flags={"HO-01": [Flag.NEEDS_REVIEW]}, SD_08=False)
    status, why = reasons(demo_psr, response)
    assert status == DISQUALIFIED
    assert why[0] == "SD-08 yes/no: answered no; required yes"
    assert why[1].startswith("HO-01 availability:") and why[1].endswith("needs review")


def test_missing_or_zero_price_needs_review(demo_psr):
    assert reasons(demo_psr, bid("A", SD_P2=None)) == (
        NEEDS_REVIEW,
        [
            "SD-P2 price: no answer; every price item needs an amount (0 if included) before the bid "
            "can be ranked; needs review"
        ],
    )
    odd = bid("A")
    odd.answers["HO-P2"] = Answer(
        requirement_id="HO-P2", value=True, raw="included", flags=[Flag.NEEDS_REVIEW]
    )
    assert reasons(demo_psr, odd)[1] == [
        "HO-P2 price: 'included' is not an amount; it needs a number (0 if included); needs review"
    ]
    flagged = bid("A", flags={"RP-P1": [Flag.AMBIGUOUS]})
    flagged.answers["RP-P1"].raw = "2.000 €"
    assert reasons(demo_psr, flagged)[1] == [
        "RP-P1 price: '2.000 €' read as 2,000.00 EUR/month (ambiguous); confirm the amount; needs review"
    ]
    zero = bid("A", SD_P1=0.0, SD_P2=0.0, HO_P1=0.0, HO_P2=0.0, RP_P1=0.0)
    assert reasons(demo_psr, zero) == (
        NEEDS_REVIEW,
        [
            "price: total 0.00 EUR over 36 months; a bid needs a positive total price to be ranked; needs review"
        ],
    )


def test_gate_kernel_masks():
    meets = np.array([[True, False, False], [True, True, False]])
    doubtful = np.array([[False, False, True], [False, False, False]])
    knock_out = np.array([True, True, False])
    fail, review = knock_out_gate(meets, doubtful, knock_out)
    assert fail.tolist() == [[False, True, False], [False, False, False]]
    assert review.tolist() == [[False, False, False], [False, False, False]]  # column 3 is no knock-out
    assert status_of(fail, review).tolist() == [DISQUALIFIED, QUALIFIED]


# --- overrides --------------------------------------------------------------------


def test_override_needs_a_justification():
    with pytest.raises(ValidationError, match="override for B, SD-03: a justification is required"):
        Override(supplier="B", decision="accept", requirement_id="SD-03", justification="  ")
    with pytest.raises(ValueError, match="override for B: a justification is required"):
        Override(supplier="B", decision="reject", justification="")


def test_override_is_plain_json():
    o = Override(
        supplier="B",
        decision="Accepted",
        justification="Supplier confirmed 30 minutes in writing on 3 Feb",
        requirement_id="SD-03",
        who="A. Buyer",
        when=dt.datetime(2027, 2, 3, 10, 0, tzinfo=dt.UTC),
    )
    data = json.loads(o.model_dump_json())
    assert data["decision"] == "accept" and data["when"].startswith("2027-02-03")
    assert Override.model_validate(data) == o
    assert o.describe() == (
        "accepted by A. Buyer on 2027-02-03 (SD-03): Supplier confirmed 30 minutes in writing on 3 Feb"
    )


def test_accept_override_settles_a_flagged_knock_out(demo_psr):
    response = bid("A", flags={"HO-01": [Flag.AMBIGUOUS]}, HO_01=99.9)
    o = Override(supplier="A", decision="accept", requirement_id="HO-01", justification="confirmed 99.9 %")
    result = evaluate(demo_psr, [response], overrides=[o])
    row = result.suppliers.iloc[0]
    assert row["status"] == QUALIFIED and row["rank"] == 1
    assert row["override"] == "accepted (HO-01): confirmed 99.9 %"
    assert row["reasons"] == [
        "HO-01 availability: '99.9' read as 99.9 % (ambiguous); minimum 99.5 %; meets the minimum as read; "
        "needs review (settled by override)"
    ]
    assert result.to_dict()["overrides"][0]["justification"] == "confirmed 99.9 %"


def test_whole_bid_overrides_and_the_last_one_counts(demo_psr):
    failing = bid("B", SD_08=False)
    accept = Override(
        supplier="B", decision="accept", justification="ITIL certificate arrives with the contract"
    )
    reject = Override(supplier="A", decision="reject", justification="bid arrived after the deadline")
    result = evaluate(demo_psr, [bid("A"), failing], overrides=[reject, accept])
    rows = result.suppliers.set_index("supplier")
    assert rows.loc["B", "status"] == QUALIFIED
    assert rows.loc["B", "reasons"] == ["SD-08 yes/no: answered no; required yes"]  # the trail stays
    assert rows.loc["A", "status"] == DISQUALIFIED
    assert rows.loc["A", "reasons"] == ["bid rejected: bid arrived after the deadline"]
    undo = Override(supplier="B", decision="reject", justification="certificate not delivered")
    again = evaluate(demo_psr, [bid("A"), failing], overrides=[accept, undo])
    assert again.suppliers.set_index("supplier").loc["B", "status"] == DISQUALIFIED


def test_requirement_reject_override_and_unknown_names(demo_psr):
    o = Override(
        supplier="A", decision="reject", requirement_id="HO-07", justification="data centre is in the UK"
    )
    ghost = Override(supplier="Nobody", decision="accept", justification="typo")
    result = evaluate(demo_psr, [bid("A")], overrides=[o, ghost])
    row = result.suppliers.iloc[0]
    assert row["status"] == DISQUALIFIED
    assert row["reasons"] == ["HO-07 yes/no: rejected: data centre is in the UK"]
    assert "override for Nobody ignored: no response from that supplier" in result.warnings
