"""The questionnaire writer: sheets, disclosed minimums, protection, validation, formats."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import python_calamine

from slm_psr.excel.questionnaire import (
    AMOUNT_COL,
    ANSWER_COL,
    ANSWER_HEADERS,
    ANSWERS_SHEET,
    BUNDLES_SHEET,
    COMMENT_COL,
    CONTRACT_SHEET,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LOTS_SHEET,
    META_SHEET,
    OPTIONS_SHEET,
    PERCENT_FORMAT,
    PRICE_FORMAT,
    PRICES_SHEET,
    SUPPLIER_SHEET,
    TEXT_FORMAT,
    level_in_words,
    write_questionnaire,
)
from slm_psr.model import PSR, Kind
from slm_psr.psr_file import content_hash
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def psr() -> PSR:
    from slm_psr.psr_file import load_psr

    return load_psr(DEMO / "psr.json")


@pytest.fixture(scope="module")
def book(psr) -> bytes:
    return write_questionnaire(psr, created=dt.datetime(2027, 1, 4))


@pytest.fixture(scope="module")
def sheets(book) -> dict[str, list[list]]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


@pytest.fixture(scope="module")
def xl(book):
    return openpyxl.load_workbook(io.BytesIO(book))


def on_answers_sheet(psr):
    """The requirements on the answers sheet: all but the questions on the contract terms."""
    questions = set(psr.contract_terms.question_ids())
    return [r for r in psr.service_requirements if r.id not in questions]


def test_contract_terms_have_their_own_sheet_with_the_terms_below(psr, sheets, xl):
    """The at-risk amount, the acceptances and the reporting day on the sheet 'Contract terms',
    answer and comment cells unlocked, then the terms themselves (credit rules, termination
    rights with their notice) in words, in rows without an ID so that the reader skips them."""
    rows = sheets[CONTRACT_SHEET]
    assert tuple(rows[HEADER_ROW]) == ANSWER_HEADERS
    body = [r for r in rows[HEADER_ROW + 1 :] if r[0]]
    assert [r[0] for r in body] == ["CT-01", "CT-02", "CT-03", "CT-04", "CT-05", "CT-06"]
    by_id = {r[0]: r for r in body}
    assert by_id["CT-01"][3] == "at least 10 % of the monthly charges"
    assert by_id["CT-06"][3] == "by business day 5 at the latest"
    text = "\n".join(" | ".join(str(c) for c in row) for row in rows)
    assert "The contract terms you are asked to accept" in text
    assert "calendar month (actual days), time zone Europe/Berlin" in text
    assert "below 99.9 %: 5 %; below 99.5 %: 10 %; below 99 %: 25 %; below 95 %: 100 %" in text
    assert "HO-01 missed 3 times in 6 consecutive periods. Notice: The customer may terminate" in text
    ws = xl[CONTRACT_SHEET]
    assert ws.cell(HEADER_ROW + 2, ANSWER_COL + 1).protection.locked is False
    assert ws.cell(HEADER_ROW + 2, 1).protection.locked is True
    instructions = "\n".join(" | ".join(str(c) for c in row) for row in sheets[INSTRUCTIONS_SHEET])
    assert (
        f"In the sheet '{CONTRACT_SHEET}' state the share of the monthly invoice you put at risk"
        in instructions
    )


def test_sheets_in_order_and_the_technical_one_very_hidden(book):
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book))
    assert wb.sheet_names == [
        INSTRUCTIONS_SHEET,
        SUPPLIER_SHEET,
        ANSWERS_SHEET,
        PRICES_SHEET,
        CONTRACT_SHEET,
        OPTIONS_SHEET,  # the demo opens HO-01 to priced level options
        LOTS_SHEET,  # ... and is awarded in three lots
        BUNDLES_SHEET,
        META_SHEET,
    ]
    visibility = {m.name: m.visible for m in wb.sheets_metadata}
    assert visibility[META_SHEET] == python_calamine.SheetVisibleEnum.VeryHidden
    assert visibility[ANSWERS_SHEET] == python_calamine.SheetVisibleEnum.Visible


def test_meta_sheet_records_psr_version_hash_and_row_map(psr, sheets):
    meta = sheets[META_SHEET]
    keys = {row[0]: row[1] for row in meta[:6]}
    assert keys["psr_id"] == psr.id
    assert keys["psr_version"] == psr.version
    assert keys["content_hash"] == content_hash(psr)
    assert keys["schema_version"] == 1
    start = next(i for i, row in enumerate(meta) if row[0] == "requirement_id")
    row_map = {row[0]: (row[1], int(row[2]), row[3]) for row in meta[start + 1 :]}
    assert set(row_map) == {r.id for r in psr.requirements}
    sheet, row, cell = row_map["SD-03"]
    assert (sheet, cell) == (ANSWERS_SHEET, f"G{row}")
    assert sheets[ANSWERS_SHEET][row - 1][0] == "SD-03"
    sheet, row, cell = row_map["HO-P1"]
    assert sheets[PRICES_SHEET][row - 1][0] == "HO-P1"


def test_answers_one_row_per_requirement_with_minimum_and_target_in_words(psr, sheets):
    rows = sheets[ANSWERS_SHEET]
    assert tuple(rows[HEADER_ROW]) == ANSWER_HEADERS
    body = rows[HEADER_ROW + 1 :]
    assert [r[0] for r in body] == [r.id for r in on_answers_sheet(psr)]
    by_id = {r[0]: r for r in body}
    assert by_id["SD-01"][3] == "all of DE, EN, FR"
    assert by_id["SD-01"][4] == "extra languages: IT"
    assert by_id["SD-03"][3:6] == ["at most 30 minutes", "at most 15 minutes", "A number of minutes, e.g. 15"]
    assert by_id["HO-01"][3] == "at least 99.5 %"
    assert by_id["HO-06"][3] == "yes (required)"
    assert by_id["SD-02"][3] == "covers at least 24/7"
    assert by_id["SD-07"][3] == "-"
    assert all(r[ANSWER_COL] == "" and r[COMMENT_COL] == "" for r in body)


def test_prices_grouped_by_service_with_basis(psr, sheets):
    body = sheets[PRICES_SHEET][HEADER_ROW + 1 :]
    assert [r[0] for r in body] == ["SD-P1", "SD-P2", "HO-P1", "HO-P2", "RP-P1"]
    assert [r[3] for r in body] == ["monthly", "one-time", "monthly", "one-time", "monthly"]
    assert sheets[PRICES_SHEET][HEADER_ROW][AMOUNT_COL] == "Amount (EUR, excl. VAT)"


def test_instructions_disclose_every_minimum_and_target_as_knock_outs(psr, sheets):
    text = "\n".join(" | ".join(str(c) for c in row) for row in sheets[INSTRUCTIONS_SHEET])
    assert "knock-out" in text and "excluded" in text
    assert "29 January 2027" in text and psr.buyer in text
    assert "quality (60 %) and price (40 %)" in text
    for req in psr.service_requirements:
        assert level_in_words(req, req.minimum, minimum=True) in text
        assert level_in_words(req, req.target, minimum=False) in text
    assert "type 99.9 for 99.9 %" in text


def test_only_answer_cells_are_unlocked_and_sheets_protected_without_password(psr, xl):
    for name in (INSTRUCTIONS_SHEET, SUPPLIER_SHEET, ANSWERS_SHEET, PRICES_SHEET, CONTRACT_SHEET, META_SHEET):
        assert xl[name].protection.sheet, name
        assert not xl[name].protection.password, name
    ws = xl[ANSWERS_SHEET]
    for row in range(HEADER_ROW + 2, HEADER_ROW + 2 + len(on_answers_sheet(psr))):
        for col in range(1, len(ANSWER_HEADERS) + 1):
            unlocked = col in (ANSWER_COL + 1, COMMENT_COL + 1)
            assert ws.cell(row, col).protection.locked is not unlocked, ws.cell(row, col).coordinate
    assert xl[SUPPLIER_SHEET]["B4"].protection.locked is False
    assert xl[SUPPLIER_SHEET]["A4"].protection.locked is True
    assert xl[PRICES_SHEET].cell(HEADER_ROW + 2, AMOUNT_COL + 1).protection.locked is False


def test_answer_cells_have_the_number_format_of_their_kind(psr, xl):
    ws = xl[ANSWERS_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
    expected = {
        Kind.AVAILABILITY: PERCENT_FORMAT,
        Kind.COVERAGE: TEXT_FORMAT,  # so that 24/7 does not turn into a date
        Kind.LANGUAGES: TEXT_FORMAT,
        Kind.YES_NO: TEXT_FORMAT,
        Kind.TIME_LIMIT: "General",
    }
    for req in on_answers_sheet(psr):
        if req.kind in expected:
            assert ws.cell(rows[req.id], ANSWER_COL + 1).number_format == expected[req.kind], req.id
    assert xl[PRICES_SHEET].cell(HEADER_ROW + 2, AMOUNT_COL + 1).number_format == PRICE_FORMAT


def test_data_validation_warns_but_lets_people_type(psr, xl):
    ws = xl[ANSWERS_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1)}
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}

    def rule(rid):
        return by_cell[f"G{rows[rid]}"]

    yes_no = rule("SD-08")
    assert yes_no.type == "list" and yes_no.formula1 == '"yes,no"' and yes_no.errorStyle == "warning"
    coverage = rule("SD-02")
    assert coverage.type == "list" and "24/7" in coverage.formula1 and not coverage.showErrorMessage
    assert "Mon-Fri 08:00-18:00" in rule("RP-04").formula1
    availability = rule("HO-01")
    assert (availability.type, availability.formula1, availability.formula2) == ("decimal", "0", "1")
    assert availability.errorStyle == "warning"
    time_limit = rule("SD-03")
    assert (time_limit.type, time_limit.operator, time_limit.formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "0",
    )
    share = rule("SD-06")
    assert (share.formula1, share.formula2) == ("0", "100")
    prices = {str(dv.sqref): dv for dv in xl[PRICES_SHEET].data_validations.dataValidation}
    assert prices[f"G{HEADER_ROW + 2}"].operator == "greaterThanOrEqual"


def test_text_from_the_psr_is_never_written_as_a_formula(demo_psr_dict):
    demo_psr_dict["buyer"] = '=HYPERLINK("http://evil.example","click")'
    demo_psr_dict["title"] = "+cmd|' /C calc'!A0"
    demo_psr_dict["requirements"][0]["text"] = "=1+1"
    demo_psr_dict["services"][0]["name"] = "@SUM(A1:A9)"
    psr = PSR.model_validate(demo_psr_dict)
    book = write_questionnaire(psr)
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    wb = openpyxl.load_workbook(io.BytesIO(book))
    ws = wb[ANSWERS_SHEET]
    assert ws.cell(HEADER_ROW + 2, 3).value == "=1+1"
    assert ws.cell(HEADER_ROW + 2, 3).data_type == "s"
    assert ws.cell(HEADER_ROW + 2, 2).value == "@SUM(A1:A9)"


def test_same_psr_and_time_give_the_same_bytes(psr):
    when = dt.datetime(2027, 1, 4, 9, 0)
    assert write_questionnaire(psr, created=when) == write_questionnaire(psr, created=when)


def test_a_comma_window_is_left_out_of_the_drop_down(demo_psr_dict):
    demo_psr_dict["requirements"][1]["minimum"] = "Mon-Fri 08:00-18:00, Sat 09:00-13:00"
    book = write_questionnaire(PSR.model_validate(demo_psr_dict))
    ws = openpyxl.load_workbook(io.BytesIO(book))[ANSWERS_SHEET]
    sd02 = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == f"G{HEADER_ROW + 3}")
    assert "Sat 09:00" not in sd02.formula1  # a list item cannot hold a comma
    assert ws.cell(HEADER_ROW + 3, 4).value == "covers at least Mon-Fri 08:00-18:00, Sat 09:00-13:00"
