"""The contract-terms kinds (at_risk, acceptance, reporting_day): questionnaire -> typed answer ->
import -> knock-out, at, above and below the minimum, and their levels checked in the PSR."""

from __future__ import annotations

import copy
import importlib.util
import io

import openpyxl
import pytest
from pydantic import ValidationError

from slm_psr.engine import DISQUALIFIED, NEEDS_REVIEW, QUALIFIED, evaluate
from slm_psr.excel.questionnaire import ANSWER_COL, CONTRACT_SHEET, HEADER_ROW, write_questionnaire
from slm_psr.excel.responses import read_response
from slm_psr.model import PSR, psr_errors
from tests.conftest import DEMO


def _make_responses():
    spec = importlib.util.spec_from_file_location("make_responses", DEMO / "make_responses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def filled(demo_psr_module):
    """A function: Nordwind's demo answers with some contract-terms answers changed, as read back."""
    make = _make_responses()
    questionnaire = write_questionnaire(demo_psr_module)

    def answer(**contract):
        spec = copy.deepcopy(make.SUPPLIERS["nordwind"])
        spec["contract"].update({k.replace("_", "-"): v for k, v in contract.items()})
        data = make.fill(questionnaire, spec)
        result = read_response(demo_psr_module, data, "nordwind.xlsx")
        row = evaluate(demo_psr_module, [result.response]).suppliers.iloc[0]
        return result.response, row["status"], row["reasons"]

    return answer


@pytest.fixture(scope="module")
def demo_psr_module():
    from slm_psr.psr_file import load_psr

    return load_psr(DEMO / "psr.json")


@pytest.mark.parametrize(
    ("typed", "value", "status"),
    [(10, 10.0, QUALIFIED), (15, 15.0, QUALIFIED), ("12 %", 12.0, QUALIFIED), (8, 8.0, DISQUALIFIED)],
)
def test_at_risk_amount_at_above_and_below_the_minimum(filled, typed, value, status):
    response, got, reasons = filled(CT_01=typed)
    assert response.answers["CT-01"].value == value and got == status
    if status == DISQUALIFIED:
        assert reasons == [
            "CT-01 at-risk amount: offered 8 % of the monthly charges, minimum 10 % of the monthly charges"
        ]


def test_at_risk_as_a_fraction_in_a_plain_cell_needs_review(filled):
    """0.12 could be 0.12 % or 12 %: never guessed, a person decides."""
    response, status, reasons = filled(CT_01=0.12)
    assert status == NEEDS_REVIEW and "could be 0.12 % or 12 %" in response.answers["CT-01"].notes[0]
    assert reasons[0].startswith("CT-01 at-risk amount: '0.12' read as")


@pytest.mark.parametrize(
    ("typed", "status"), [("yes", QUALIFIED), ("oui", QUALIFIED), ("nein", DISQUALIFIED)]
)
def test_acceptance_of_a_termination_right(filled, typed, status):
    _, got, reasons = filled(CT_03=typed)
    assert got == status
    if status == DISQUALIFIED:
        assert reasons == ["CT-03 acceptance: answered no; required yes"]


def test_acceptance_without_a_minimum_is_no_knock_out(filled):
    """T3 (CT-05) has no minimum: a 'no' with its condition is recorded, the bid stays in."""
    response, status, _ = filled(CT_05="no")
    assert status == QUALIFIED and response.answers["CT-05"].value is False


@pytest.mark.parametrize(("typed", "status"), [(5, QUALIFIED), (3, QUALIFIED), ("7", DISQUALIFIED)])
def test_reporting_day_at_before_and_after_the_latest_allowed(filled, typed, status):
    _, got, reasons = filled(CT_06=typed)
    assert got == status
    if status == DISQUALIFIED:
        assert reasons == ["CT-06 reporting day: offered business day 7, latest allowed business day 5"]


def test_the_contract_sheet_asks_in_the_kinds_words(demo_psr_module):
    ws = openpyxl.load_workbook(io.BytesIO(write_questionnaire(demo_psr_module)))[CONTRACT_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 2, HEADER_ROW + 8)}
    assert ws.cell(rows["CT-01"], 6).value.startswith("The share of the monthly invoice you put at risk")
    assert ws.cell(rows["CT-02"], 6).value == "yes or no; write any condition or reservation in the comment"
    assert ws.cell(rows["CT-06"], 5).value == "by business day 3"  # the target column
    assert ws.cell(rows["CT-06"], ANSWER_COL + 1).protection.locked is False


@pytest.mark.parametrize(
    ("rid", "field", "value", "message"),
    [
        ("CT-01", "minimum", 120.0, "requirement CT-01: minimum 120 is not a share of the monthly charges"),
        ("CT-06", "minimum", 2.5, "requirement CT-06: minimum 2.5 is not a business day of a month"),
        ("CT-06", "direction", "higher_is_better", "an earlier report is better for the buyer"),
    ],
)
def test_levels_of_the_contract_kinds_are_checked(demo_psr_dict, rid, field, value, message):
    data = copy.deepcopy(demo_psr_dict)
    next(r for r in data["requirements"] if r["id"] == rid)[field] = value
    if field == "minimum" and rid == "CT-06":
        next(r for r in data["requirements"] if r["id"] == rid)["target"] = 2.0
    with pytest.raises(ValidationError) as info:
        PSR.model_validate(data)
    assert any(message in line for line in psr_errors(info.value, data))
