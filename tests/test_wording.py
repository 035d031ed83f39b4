"""One wording (slm_psr.wording): a price, a flag and a status read the same in the import report,
the engine's trail, the workbook, the pages and the command line."""

from __future__ import annotations

import io
import pickle

import pytest
import python_calamine

from slm_psr.engine import evaluate
from slm_psr.excel.comparison import write_comparison
from slm_psr.excel.questionnaire import write_questionnaire
from slm_psr.excel.responses import read_response
from slm_psr.model import Answer, Flag
from slm_psr.wording import (
    GATE_WORDS,
    STATUS_WORDS,
    Gate,
    Status,
    WarningCode,
    WarningText,
    amount,
    flag_words,
    offered_value,
    status_word,
)
from tests.test_responses import fill


def test_one_word_per_status_and_gate():
    assert [s.word for s in Status] == ["qualified", "needs review", "disqualified"]
    assert (
        status_word("needs_review") == "needs review" and status_word(Status.DISQUALIFIED) == "disqualified"
    )
    assert set(STATUS_WORDS.values()) == {"qualified", "needs review", "disqualified"}  # never "out"
    assert GATE_WORDS == ("pass", "fail", "review", "accepted", "rejected")
    assert Gate.FAIL == "fail"  # the engine's tables hold the plain words


def test_amounts_flags_and_offered_values(demo_psr):
    assert amount(1234.5, "EUR/month") == "1,234.50 EUR/month"
    assert amount(-0.0, "EUR") == "0.00 EUR"  # never '-0.00'
    assert flag_words([Flag.NEEDS_REVIEW, "out_of_range"]) == "needs review, out of range"
    price = demo_psr.requirement("SD-P1")
    answer = Answer(requirement_id="SD-P1", raw="1.234,5", value=1234.5)
    assert offered_value(price, answer) == "1,234.50 EUR/month"
    hours = demo_psr.requirement("SD-04")  # a time limit in hours, answered in minutes
    in_minutes = Answer(requirement_id="SD-04", raw="90 min", value=90.0, unit="minutes")
    assert offered_value(hours, in_minutes) == "90 minutes"
    assert offered_value(hours, None) == "-"


def test_a_warning_is_its_text_with_a_code():
    warning = WarningText(WarningCode.TIE_FIRST, "A and B tie for first place")
    assert warning == "A and B tie for first place" and warning.code is WarningCode.TIE_FIRST
    again = pickle.loads(pickle.dumps(warning))  # the app caches evaluations
    assert again.code is WarningCode.TIE_FIRST and again == warning


@pytest.fixture(scope="module")
def flagged_price(demo_psr_module):
    """The demo questionnaire with a monthly fee typed '1.234,5 € inkl. MwSt.': read, flagged for review."""
    data = fill(
        write_questionnaire(demo_psr_module),
        {"supplier": {"company": "Preis AG"}, "prices": {"SD-P1": "1.234,5 € inkl. MwSt."}},
    )
    return read_response(demo_psr_module, data, "preis.xlsx")


@pytest.fixture(scope="module")
def demo_psr_module():
    from slm_psr.psr_file import load_psr
    from tests.conftest import DEMO

    return load_psr(DEMO / "psr.json")


def test_a_price_reads_the_same_in_the_import_report_the_trail_and_the_workbook(
    demo_psr_module, flagged_price
):
    words = "1,234.50 EUR/month"
    result = flagged_price
    assert result.accepted, result.rejection
    item = next(i for i in result.review if i.requirement_id == "SD-P1")
    assert item.value == words  # the import report
    ev = evaluate(demo_psr_module, [result.response])
    trail = ev.explain("Preis AG").set_index("requirement")
    assert trail.loc["SD-P1", "offered"] == words  # the engine's trail
    reasons = ev.suppliers.set_index("supplier").loc["Preis AG", "reasons"]
    assert any(f"read as {words}" in r for r in reasons)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(write_comparison(ev, [result.response])))
    qualification = "\n".join(
        str(c) for row in book.get_sheet_by_name("qualification").to_python() for c in row
    )
    assert f"read as {words}" in qualification  # the workbook
    assert "needs review" in qualification and "needs_review" not in qualification
