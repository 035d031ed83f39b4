"""The Options sheet: written for the requirements open to options, read back with named notes, nothing lost."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl

from slm_psr.engine.options import evaluate_options
from slm_psr.excel.questionnaire import (
    ANSWER_COL,
    ANSWERS_SHEET,
    OPTIONS_SHEET,
    PRICES_SHEET,
    SUPPLIER_SHEET,
    write_questionnaire,
)
from slm_psr.excel.responses import read_response
from tests.test_engine_options import options_psr


def filled(change: Callable[[openpyxl.Workbook], None] | None = None, *, level=0.995, fee=10_000) -> bytes:
    """The options questionnaire with a base offer (99.5 %, 10,000 a month) typed in as Excel stores it."""
    wb = openpyxl.load_workbook(io.BytesIO(write_questionnaire(options_psr())))
    wb[SUPPLIER_SHEET]["B4"] = "Acme Hosting"
    wb[ANSWERS_SHEET].cell(5, ANSWER_COL + 1).value = level  # a percent cell: 99.5 % is stored as 0.995
    wb[PRICES_SHEET]["G5"] = fee
    if change:
        change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def offer(*rows: tuple[int, object, object]) -> Callable[[openpyxl.Workbook], None]:
    """Type (sheet row, level, price difference) into the Options sheet."""

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[OPTIONS_SHEET]
        for row, level, price in rows:
            ws[f"F{row}"], ws[f"G{row}"] = level, price

    return change


def test_the_sheet_lists_each_option_row_and_says_how_to_answer():
    wb = openpyxl.load_workbook(io.BytesIO(write_questionnaire(options_psr())))
    ws = wb[OPTIONS_SHEET]
    assert [c.value for c in ws[4]] == [
        "ID", "Service", "Requirement", "Minimum (knock-out)", "Option", "Level offered",
        "Price difference per month (EUR, excl. VAT)", "Comment",
    ]  # fmt: skip
    assert [(ws[f"A{r}"].value, ws[f"E{r}"].value) for r in (5, 6, 7)] == [
        ("HO-01", 1),
        ("HO-01", 2),
        (None, None),
    ]
    assert ws["F5"].number_format == "0.0##%"  # as the base answer's cell
    steps = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "In the sheet 'Options' (optional) you may offer other levels" in steps
    plain = options_psr()
    plain.requirements[0].options = None
    assert OPTIONS_SHEET not in openpyxl.load_workbook(io.BytesIO(write_questionnaire(plain))).sheetnames


def test_options_round_trip_into_the_best_combination():
    """99.9 % typed as Excel stores it in a percent cell (0.999) and '99,95 %' typed as text both read."""
    data = filled(offer((5, 0.999, 2000), (6, "99,95 %", "+5.000,00")))
    result = read_response(options_psr(), data, "acme.xlsx")
    assert result.accepted, result.rejection
    options = result.response.options
    assert [(o.number, o.answer.value, o.monthly, o.cell) for o in options] == [
        (1, 99.9, 2000.0, "Options!G5"),
        (2, 99.95, 5000.0, "Options!G6"),
    ]
    assert options[0].answer.cell == "Options!F5"
    evaluated = evaluate_options(options_psr(), [result.response])
    assert evaluated.bids.chosen[0] == "HO-01 99.95 %"  # alone, the bid is its own lowest price


def test_problems_are_named_and_the_rest_is_kept():
    def change(wb: openpyxl.Workbook) -> None:
        offer((5, 0.999, None), (6, "fast", 100))(wb)
        ws = wb[OPTIONS_SHEET]
        ws["A8"], ws["E8"], ws["F8"], ws["G8"] = "HO-P1", 1, 1, 5  # a price item takes no options
        ws["F9"], ws["G9"] = 0.999, 7  # no ID

    data = filled(change)
    result = read_response(options_psr(), data, "acme.xlsx")
    assert result.accepted
    assert result.response.options == []
    notes = "\n".join(result.notes)
    assert (
        "acme.xlsx, sheet Options, cell G5: HO-01 option 1: a level but no price difference; expected the "
        "difference per month in EUR (0 if the level costs nothing more); ignored"
    ) in notes
    assert "acme.xlsx, sheet Options, cell F6: HO-01 option 2: 'fast' cannot be read as availability" in notes
    assert (
        "acme.xlsx, sheet Options: row 8: HO-P1 takes no level options in this request; the option is ignored"
        in notes
    )
    assert "acme.xlsx, sheet Options, cell F9: an option in a row without a requirement ID; ignored" in notes
    assert result.response.answers["HO-01"].value == 99.5  # the base offer stands


def test_a_bad_price_difference_and_a_changed_option_number_are_named():
    def change(wb: openpyxl.Workbook) -> None:
        offer((5, 0.999, "about two thousand"), (6, 0.9995, 3000))(wb)
        wb[OPTIONS_SHEET]["E6"] = 7

    result = read_response(options_psr(), filled(change), "acme.xlsx")
    notes = "\n".join(result.notes)
    assert "cell G5: HO-01 option 1: price difference 'about two thousand' is not an amount" in notes
    assert (
        "row 6: option number '7' for HO-01; expected 1 to 2 (do not change the column 'Option'); ignored"
        in notes
    )
    assert result.response.options == []


def test_a_missing_options_sheet_is_a_note_not_a_refusal():
    result = read_response(options_psr(), filled(lambda wb: wb.remove(wb[OPTIONS_SHEET])), "acme.xlsx")
    assert result.accepted
    assert "acme.xlsx: no sheet 'Options': no level options read; the answers are the offer" in result.notes


def test_a_cheaper_lower_level_has_a_negative_difference():
    result = read_response(options_psr(), filled(offer((5, "99.7", "-1,500.00")), level=0.999), "acme.xlsx")
    assert [(o.answer.value, o.monthly) for o in result.response.options] == [(99.7, -1500.0)]


def test_an_amount_that_reads_two_ways_is_taken_the_likelier_way_and_named():
    result = read_response(options_psr(), filled(offer((5, "99.9 %", "+2,000"))), "acme.xlsx")
    assert [(o.answer.value, o.monthly) for o in result.response.options] == [(99.9, 2000.0)]
    assert (
        "acme.xlsx, sheet Options, cell G5: HO-01 option 1: price difference '2,000' could be 2000 or 2.0; "
        "please confirm"
    ) in result.notes
