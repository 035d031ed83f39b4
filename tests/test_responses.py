"""The response reader: typed answers from filled questionnaires, tolerant of people, strict with files."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from collections.abc import Callable
from types import ModuleType
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from slm_psr.excel.questionnaire import (
    AMOUNT_COL,
    ANSWER_COL,
    ANSWERS_SHEET,
    HEADER_ROW,
    META_SHEET,
    PRICES_SHEET,
    write_questionnaire,
)
from slm_psr.excel.responses import ImportReport, ImportResult, read_response, read_responses
from slm_psr.model import PSR, CoverageWindow, Flag
from slm_psr.psr_file import load_psr
from tests import hostile_files as hostile
from tests.conftest import DEMO


def load_demo_script() -> ModuleType:
    """data/demo/make_responses.py, whose ``fill`` types answers into a questionnaire."""
    spec = importlib.util.spec_from_file_location("make_responses", DEMO / "make_responses.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEMO_SCRIPT = load_demo_script()
fill = DEMO_SCRIPT.fill

# Typed as people do; each with the value it must be read as.
MESSY: dict[str, tuple[Any, Any]] = {
    "SD-01": ("DE, EN; FR", ["de", "en", "fr"]),
    "SD-02": ("Mo-Fr 8-18", CoverageWindow.parse("Mon-Fri 08:00-18:00")),
    "SD-03": ("30 Min.", 30.0),
    "SD-04": ("4 Std.", 4.0),
    "SD-05": ("1,5 h", 1.5),
    "SD-06": ("85 %", 85.0),
    "SD-07": (72, 72.0),
    "SD-08": ("ja", True),
    "SD-09": ("Konzept, Kapitel 3", None),
    "HO-01": ("99,5 %", 99.5),
    "HO-02": (0.995, 99.5),  # a number in the percent-formatted cell, as Excel stores 99.5%
    "HO-03": ("24x7", CoverageWindow.parse("24/7")),
    "HO-04": ("4h", 4.0),
    "HO-05": (15, 15.0),
    "HO-06": ("x", True),
    "HO-07": ("nein", False),
    "HO-08": ("10", 10.0),
    "RP-01": ("99.5%", 99.5),
    "RP-02": ("Deutsch und Englisch", ["de", "en"]),
    "RP-03": ("yes", True),
    "RP-04": ("Mo.-Fr. 08:00-18:00 Uhr", CoverageWindow.parse("Mon-Fri 08:00-18:00")),
}
MESSY_PRICES: dict[str, tuple[Any, float]] = {
    "SD-P1": ("1.234,50 €", 1234.5),
    "SD-P2": ("1,234.50", 1234.5),
    "HO-P1": (45000, 45000.0),
    "HO-P2": ("48.250,50 €", 48250.5),
    "RP-P1": ("2.950,00 €", 2950.0),
}
SUPPLIER = {
    "company": "Messy Muster AG",
    "contact": "Erika Muster",
    "email": "e.muster@messy.example",
    "phone": "+49 30 5550 100",
    "date": "26.01.2027",
}


@pytest.fixture(scope="module")
def psr() -> PSR:
    return load_psr(DEMO / "psr.json")


@pytest.fixture(scope="module")
def questionnaire(psr) -> bytes:
    return write_questionnaire(psr)


@pytest.fixture(scope="module")
def messy(questionnaire) -> bytes:
    return fill(
        questionnaire,
        {
            "supplier": SUPPLIER,
            "answers": {rid: typed for rid, (typed, _) in MESSY.items()},
            "prices": {rid: typed for rid, (typed, _) in MESSY_PRICES.items()},
            "comments": {"SD-04": "4 Std. inkl. Wochenende"},
        },
    )


def edit(data: bytes, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    """Open with openpyxl, change, save: what a person does with the file in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_by_id(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 2, ws.max_row + 1) if ws.cell(r, 1).value}


def assert_messy_values(result: ImportResult) -> None:
    assert result.accepted, result.rejection
    answers = result.response.answers
    for rid, (typed, expected) in {**MESSY, **MESSY_PRICES}.items():
        answer = answers[rid]
        assert answer.value == expected, (rid, typed, answer)
        assert not answer.needs_review, (rid, answer)
        assert Flag.UNREADABLE not in answer.flags, (rid, answer)


# --- round trip -----------------------------------------------------------------------


def test_round_trip_reads_what_people_type(psr, messy):
    result = read_response(psr, messy, "messy.xlsx")
    assert_messy_values(result)
    response = result.response
    assert response.supplier == "Messy Muster AG"
    assert response.contact["email"] == "e.muster@messy.example"
    assert response.contact["date"] == "26.01.2027"
    assert (response.psr_id, response.psr_version) == (psr.id, psr.version)
    assert response.sha256 == result.sha256 and len(result.sha256) == 64
    assert response.answers["SD-04"].comment == "4 Std. inkl. Wochenende"
    assert response.answers["SD-04"].raw == "4 Std."
    assert response.answers["SD-04"].cell == f"{ANSWERS_SHEET}!G8"
    assert response.answers["SD-09"].raw == "Konzept, Kapitel 3"
    assert list(response.answers) == [r.id for r in psr.requirements]
    assert result.review == []
    assert any(
        note == "messy.xlsx, sheet Answers, cell G8 (SD-04 time limit): '4 Std.' read as 4 hours"
        for note in result.notes
    )


def test_a_batch_reads_a_repeated_answer_once_and_hands_nothing_to_the_next_batch(psr, messy, monkeypatch):
    """Each ``read_responses`` call has its own store of readings (``values.BatchReadings``)."""
    from slm_psr.values import cells

    calls: list[object] = []
    original = cells.parse_answer

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(cells, "parse_answer", counted)
    first = read_responses(psr, [("a.xlsx", messy)])
    alone = len(calls)
    assert alone >= len(MESSY) + len(MESSY_PRICES)
    calls.clear()
    again = read_responses(psr, [("a.xlsx", messy)])  # a new batch: everything read afresh
    assert len(calls) == alone
    calls.clear()
    twice = read_responses(psr, [("a.xlsx", messy), ("b.xlsx", messy)])
    assert len(calls) < alone + len(MESSY)  # the second file's typed answers came from the store
    assert {**first.results[0].to_dict(), "seconds": 0} == {**again.results[0].to_dict(), "seconds": 0}
    for result in twice.results:
        assert_messy_values(result)
        assert result.response.answers == first.results[0].response.answers
        assert result.review == first.results[0].review


@pytest.mark.parametrize("collector_on", [True, False], ids=["collector-on", "collector-off"])
def test_a_batch_leaves_the_garbage_collector_as_it_found_it(psr, messy, collector_on, monkeypatch):
    """The collector is paused while a batch is read, and restored after it, a failing file or not."""
    import gc

    from slm_psr.excel import responses

    seen: list[bool] = []
    original = responses._read

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise KeyboardInterrupt  # not a bad file: stops the batch
        return original(*args, **kwargs)

    monkeypatch.setattr(responses, "_read", spy)
    was_on = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        with pytest.raises(KeyboardInterrupt):
            read_responses(psr, [("a.xlsx", messy), ("b.xlsx", messy)])
        assert seen == [False, False]
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was_on else gc.disable)()


def test_every_note_names_the_file(psr, messy):
    result = read_response(psr, messy, "messy.xlsx")
    assert result.notes
    assert all(
        note.startswith("messy.xlsx, sheet ") or note.startswith("messy.xlsx: ") for note in result.notes
    )


def test_percent_cells_hold_fractions_or_whole_percent(psr, questionnaire):
    data = fill(questionnaire, {"answers": {"HO-01": 0.9995, "HO-02": 99.5, "RP-01": 1}})
    answers = read_response(psr, data, "p.xlsx").response.answers
    assert answers["HO-01"].value == pytest.approx(99.95) and not answers["HO-01"].flags
    assert answers["HO-02"].value == 99.5  # typed by a program into the percent cell
    assert answers["RP-01"].value == 100.0 and not answers["RP-01"].flags


def test_a_bare_fraction_in_a_general_cell_is_flagged_for_review(psr, questionnaire):
    data = fill(questionnaire, {"answers": {"HO-01": 0.995}, "general_format": ["HO-01"]})
    result = read_response(psr, data, "g.xlsx")
    answer = result.response.answers["HO-01"]
    assert Flag.AMBIGUOUS in answer.flags
    [item] = [i for i in result.review if i.requirement_id == "HO-01"]
    assert (item.cell, item.raw) == ("Answers!G14", "0.995")
    assert "HO-01 (Answers!G14): '0.995'" in result.summary()


def test_missing_answers_are_flagged_not_guessed(psr, questionnaire):
    data = fill(questionnaire, {"answers": {"SD-01": "DE, EN, FR"}, "prices": {"SD-P1": 1000}})
    result = read_response(psr, data, "half.xlsx")
    assert result.accepted
    answers = result.response.answers
    assert answers["SD-01"].value == ["de", "en", "fr"]
    assert Flag.MISSING in answers["SD-02"].flags and answers["SD-02"].value is None
    assert "SD-02" in result.unanswered and "SD-01" not in result.unanswered
    assert "unanswered: SD-02" in result.summary()


def test_supplier_falls_back_to_the_file_name(psr, questionnaire):
    answered = fill(questionnaire, {"answers": {"SD-08": "ja"}})
    result = read_response(psr, answered, "acme-offer.xlsx")
    assert result.response.supplier == "acme-offer"
    assert any("no company name in Supplier!B4" in n for n in result.notes)


# --- the demo answers -------------------------------------------------------------------


def demo_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted((DEMO / "responses").glob("*.xlsx"))]


def test_demo_responses_are_read_as_intended(psr):
    report = read_responses(psr, demo_files())
    by_name = {r.filename: r for r in report.results}
    assert len(by_name) == 6 and not report.rejected
    answers = {name: r.response.answers for name, r in by_name.items()}
    assert by_name["nordwind.xlsx"].supplier == "Nordwind IT Services AG"
    assert answers["nordwind.xlsx"]["HO-01"].value == pytest.approx(99.95)
    assert answers["nordwind.xlsx"]["SD-01"].value == ["de", "en", "fr", "it"]
    assert "fr" not in answers["alpenblick.xlsx"]["SD-01"].value
    assert answers["rheinufer.xlsx"]["SD-02"].value.text == "Mon-Fri 07:00-19:00"
    assert answers["quatre_saisons.xlsx"]["SD-04"].value == 4.0
    assert answers["quatre_saisons.xlsx"]["SD-P1"].value == 52400.0
    assert answers["brightline.xlsx"]["SD-P1"].value < answers["nordwind.xlsx"]["SD-P1"].value
    for name in (
        "nordwind.xlsx",
        "brightline.xlsx",
        "alpenblick.xlsx",
        "rheinufer.xlsx",
        "quatre_saisons.xlsx",
    ):
        assert by_name[name].review == [], name
        assert by_name[name].unanswered == [], name
    assert {i.requirement_id for i in by_name["westpark.xlsx"].review} == {"HO-01", "RP-P1"}


def test_demo_files_are_what_the_script_makes(psr, tmp_path):
    made = DEMO_SCRIPT.make_all(psr, tmp_path)
    assert sorted(p.name for p in made) == sorted(name for name, _ in demo_files())
    for path in made:
        fresh = read_response(psr, path.read_bytes(), path.name).response
        committed = read_response(psr, (DEMO / "responses" / path.name).read_bytes(), path.name).response
        assert fresh.model_dump(exclude={"sha256"}) == committed.model_dump(exclude={"sha256"}), path.name


# --- workbooks that were changed ---------------------------------------------------------


def test_reordered_rows_are_matched_by_id(psr, messy):
    def reverse(wb):
        ws = wb[ANSWERS_SHEET]
        first, last = HEADER_ROW + 2, ws.max_row
        rows = [[c.value for c in ws[r]] for r in range(first, last + 1)]
        for offset, values in enumerate(reversed(rows)):
            for col, value in enumerate(values, start=1):
                ws.cell(first + offset, col).value = value

    result = read_response(psr, edit(messy, reverse), "reordered.xlsx")
    assert_messy_values(result)
    assert any("rows were moved" in n and "answers matched by requirement ID" in n for n in result.notes)


def test_extra_rows_are_reported_and_ignored(psr, messy):
    def add_rows(wb):
        ws = wb[ANSWERS_SHEET]
        end = ws.max_row
        ws.cell(end + 1, 1).value = "XX-99"
        ws.cell(end + 1, ANSWER_COL + 1).value = "our bonus offer"
        ws.cell(end + 2, ANSWER_COL + 1).value = "free coffee"
        ws.cell(end + 3, 1).value = "SD-03"
        ws.cell(end + 3, ANSWER_COL + 1).value = "5 Min."

    result = read_response(psr, edit(messy, add_rows), "extra.xlsx")
    assert_messy_values(result)  # the duplicate SD-03 row does not replace the first
    notes = "\n".join(result.notes)
    assert "ID 'XX-99', which is not a requirement of MS-2027-01 version 1" in notes
    assert "an answer ('free coffee') in a row without a requirement ID; ignored" in notes
    assert "SD-03 appears again" in notes


def test_a_deleted_row_is_a_missing_answer(psr, messy):
    def delete(wb):
        ws = wb[ANSWERS_SHEET]
        ws.delete_rows(rows_by_id(ws)["SD-03"])

    result = read_response(psr, edit(messy, delete), "deleted.xlsx")
    answer = result.response.answers["SD-03"]
    assert Flag.MISSING in answer.flags and "not in the workbook" in answer.notes[-1]
    assert any("requirements not in the workbook" in n and "SD-03" in n for n in result.notes)
    assert result.response.answers["SD-04"].value == 4.0


def test_a_renamed_sheet_is_found_by_its_header_row(psr, messy):
    def rename(wb):
        wb[ANSWERS_SHEET].title = "Antworten"
        wb[PRICES_SHEET].title = "Preise"

    result = read_response(psr, edit(messy, rename), "renamed.xlsx")
    assert_messy_values(result)
    notes = "\n".join(result.notes)
    assert "the sheet 'Answers' was renamed to 'Antworten'" in notes
    assert "the sheet 'Prices' was renamed to 'Preise'" in notes
    assert result.response.answers["SD-04"].cell == "Antworten!G8"


def test_inserted_column_is_found_by_header(psr, messy):
    def insert(wb):
        wb[ANSWERS_SHEET].insert_cols(3)

    result = read_response(psr, edit(messy, insert), "cols.xlsx")
    assert result.response.answers["SD-04"].value == 4.0
    assert result.response.answers["SD-04"].cell == "Answers!H8"


def test_a_workbook_for_another_version_is_matched_by_id(psr, messy, demo_psr_dict):
    data = demo_psr_dict
    data["version"] = 2
    data["requirements"] = [r for r in data["requirements"] if r["id"] != "RP-03"]
    data["requirements"].append(
        {
            "id": "HO-09",
            "service": "HO",
            "text": "Daily backups kept for 30 days",
            "kind": "yes_no",
            "minimum": True,
        }
    )
    v2 = PSR.model_validate(data)
    result = read_response(v2, messy, "v1.xlsx")
    assert result.accepted
    notes = "\n".join(result.notes)
    assert (
        "v1.xlsx, sheet _psr: questionnaire made for version 1, PSR is version 2; answers matched by "
        "requirement ID; new requirements unanswered: HO-09; answers to requirements no longer in the "
        "PSR ignored: RP-03"
    ) in notes
    assert Flag.MISSING in result.response.answers["HO-09"].flags
    assert not any("rows deleted" in n for n in result.notes)  # HO-09 is reported once, as new
    assert not any("ID 'RP-03'" in n for n in result.notes)  # and RP-03 once, as dropped
    assert "RP-03" not in result.response.answers
    assert result.response.answers["SD-04"].value == 4.0
    assert result.response.psr_version == 1


def test_same_version_with_changed_content_is_noted(psr, messy):
    changed = psr.model_copy(update={"title": psr.title + " (corrected)"})
    result = read_response(changed, messy, "m.xlsx")
    assert result.accepted
    assert any("the PSR changed after this questionnaire was made" in n for n in result.notes)


def test_a_questionnaire_for_another_request_is_rejected(psr, messy):
    other = psr.model_copy(update={"id": "XY-2027-09"})
    result = read_response(other, messy, "m.xlsx")
    assert not result.accepted and result.rejection_code == "other_psr"
    assert "made for request MS-2027-01, not for XY-2027-09" in result.rejection


def test_without_the_technical_sheet_answers_still_match(psr, messy):
    result = read_response(psr, edit(messy, lambda wb: wb.remove(wb[META_SHEET])), "nometa.xlsx")
    assert_messy_values(result)
    assert any("no hidden sheet '_psr'" in n for n in result.notes)


def test_formula_without_saved_value_is_flagged_with_the_cell(psr, messy):
    def formulas(wb):
        ws = wb[ANSWERS_SHEET]
        ws.cell(rows_by_id(ws)["SD-05"], ANSWER_COL + 1).value = "=2*4"
        prices = wb[PRICES_SHEET]
        prices.cell(rows_by_id(prices)["HO-P1"], AMOUNT_COL + 1).value = "=12*3750"

    result = read_response(psr, edit(messy, formulas), "f.xlsx")
    assert result.accepted
    answer = result.response.answers["SD-05"]
    assert Flag.UNREADABLE in answer.flags and answer.value is None and answer.raw == "=2*4"
    assert (
        "f.xlsx, sheet Answers, cell G9 (SD-05 time limit): the cell holds a formula with no saved "
        "value; type the value (formula: =2*4)"
    ) in result.notes
    assert Flag.UNREADABLE in result.response.answers["HO-P1"].flags
    assert {"SD-05", "HO-P1"} <= {i.requirement_id for i in result.review}


def calculated_formulas() -> bytes:
    """Formulas with saved values, as Excel leaves them after calculating.

    Written by XlsxWriter with the results given, then with its ``fullCalcOnLoad``
    request taken out of xl/workbook.xml (Excel writes ``<calcPr calcId=...>`` without it).
    """
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(ANSWERS_SHEET)
    ws.write_row(
        HEADER_ROW, 0, ["ID", "Service", "Requirement", "Min", "Target", "How", "Your answer", "Comment"]
    )
    ws.write_string(HEADER_ROW + 1, 0, "SD-04")
    ws.write_formula(HEADER_ROW + 1, ANSWER_COL, "=2*3", None, 6)
    ws.write_string(HEADER_ROW + 2, 0, "SD-05")
    ws.write_formula(HEADER_ROW + 2, ANSWER_COL, "=1/0", None, "#DIV/0!")
    wb.close()
    workbook = hostile.read_part(out.getvalue(), hostile.WORKBOOK).decode()
    assert ' fullCalcOnLoad="1"' in workbook
    return hostile.rewrite_parts(
        out.getvalue(), {hostile.WORKBOOK: workbook.replace(' fullCalcOnLoad="1"', "").encode()}
    )


def test_a_calculated_formula_is_used_with_a_review_flag(psr):
    result = read_response(psr, calculated_formulas(), "calc.xlsx")
    answer = result.response.answers["SD-04"]
    assert answer.value == 6.0 and Flag.NEEDS_REVIEW in answer.flags
    assert (
        "formula: confirm the value (the cell holds a formula (=2*3); its saved value was used)"
        in answer.notes
    )
    error = result.response.answers["SD-05"]
    assert Flag.UNREADABLE in error.flags and error.value is None
    assert error.notes == ["the cell's formula gives the error #DIV/0!; type the value (formula: =1/0)"]
    assert any("requirements not in the workbook (rows deleted?): SD-01" in n for n in result.notes)


# --- files that are not answers -------------------------------------------------------------


def test_a_workbook_without_the_answer_table_is_rejected(psr):
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.add_worksheet("Sheet1").write_string(0, 0, "our price list")
    wb.close()
    result = read_response(psr, out.getvalue(), "pricelist.xlsx")
    assert result.rejection_code == "not_a_questionnaire"
    assert "no sheet with the questionnaire's answer table" in result.rejection


def test_one_bad_file_does_not_stop_the_others(psr, messy):
    report = read_responses(psr, [("a.xlsx", messy), ("broken.xlsx", b"not a workbook"), ("b.xlsx", messy)])
    assert [r.filename for r in report.results] == ["a.xlsx", "broken.xlsx", "b.xlsx"]
    assert [r.accepted for r in report.results] == [True, False, True]
    assert report.results[1].response is None and report.results[1].rejection
    assert len(report.responses) == 2
    assert "REJECTED" in report.summary() and "2 read, 1 rejected" in report.summary()


def test_a_damaged_sheet_is_rejected_not_raised(psr, messy):
    with zipfile.ZipFile(io.BytesIO(messy)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(
                name, body.replace(b"<sheetData>", b"<sheetData><row><c r=") if "sheet3" in name else body
            )
    result = read_response(psr, out.getvalue(), "damaged.xlsx")
    assert not result.accepted and result.response is None
    assert result.rejection.startswith('"damaged.xlsx"')


def test_report_to_dict_is_json(psr, messy):
    report = read_responses(psr, [("m.xlsx", messy), ("x.xlsx", b"PK")])
    assert isinstance(report, ImportReport)
    data = json.loads(json.dumps(report.to_dict()))
    assert (data["files"], data["accepted"], data["rejected"]) == (2, 1, 1)
    first = data["results"][0]
    assert first["supplier"] == "Messy Muster AG"
    assert first["response"]["answers"]["HO-03"]["value"] == "24/7"
    assert data["results"][1]["response"] is None and data["results"][1]["rejection"]


# --- the command line --------------------------------------------------------------------


# --- hostile files, as the import sees them ---------------------------------------------------

HOSTILE = [
    ("encrypted_workbook", "encrypted", "remove the password"),
    ("legacy_xls", "legacy_xls", "97-2003"),
    ("csv_renamed", "wrong_format", "CSV"),
    ("html_renamed", "wrong_format", "HTML"),
    ("xlsm_with_vba", "macros", "macros"),
    ("macro_content_type_only", "macros", "macros"),
    ("billion_laughs_workbook", "xml_entities", "DOCTYPE"),
    ("xxe_sheet", "xml_entities", "DOCTYPE"),
    ("utf16_doctype_sheet", "xml_entities", "DOCTYPE"),
    ("lying_bomb", "zip_bomb", "zip bomb"),
    ("overlapping_entries", "zip_bomb", "zip bomb"),
    ("many_members", "too_many_parts", "parts"),
    ("nested_zip", "nested_archive", "archive"),
    ("far_cell", "sheet_too_large", "XFD"),
    ("lying_directory", "corrupt", "damaged"),
    ("truncated", "corrupt", "damaged"),
    ("duplicate_names", "corrupt", "damaged"),
    ("random_bytes", "not_a_workbook", "not an Excel workbook"),
    ("missing_workbook", "not_a_workbook", "not an Excel workbook"),
    ("empty", "empty", "empty"),
]


@pytest.mark.parametrize(("builder", "code", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_rejected_and_never_parsed(psr, messy, monkeypatch, builder, code, words):
    hostile_files = pytest.importorskip("tests.hostile_files")
    from slm_psr.excel import responses

    parsed: list[str] = []
    real_reader = responses._Reader

    def counting_reader(psr, psr_hash, data, filename, *rest):
        parsed.append(filename)
        return real_reader(psr, psr_hash, data, filename, *rest)

    monkeypatch.setattr(responses, "_Reader", counting_reader)
    bad = getattr(hostile_files, builder)()
    name = f"{builder}.xlsx"
    report = read_responses(psr, [("good-a.xlsx", messy), (name, bad), ("good-b.xlsx", messy)])
    good_a, rejected, good_b = report.results
    assert parsed == ["good-a.xlsx", "good-b.xlsx"]  # the hostile file never reached a parser
    assert rejected.rejection_code == code and rejected.response is None
    assert rejected.rejection.startswith(f'"{name}"') and words in rejected.rejection
    assert_messy_values(good_a)
    assert_messy_values(good_b)
    assert f"{name}: REJECTED: {rejected.rejection}" in report.summary()


def test_an_absurd_declared_range_reads_only_the_real_cells(psr, messy):
    hostile_files = pytest.importorskip("tests.hostile_files")
    sheet = hostile_files.read_part(messy, "xl/worksheets/sheet3.xml")
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start)
    huge = sheet[:start] + b'<dimension ref="A1:XFD1048576"' + sheet[end:]
    data = hostile_files.rewrite_parts(messy, {"xl/worksheets/sheet3.xml": huge})
    result = read_response(psr, data, "huge.xlsx")
    assert_messy_values(result)
    assert result.seconds < 2
    assert any("declares its used range as 'A1:XFD1048576'" in n for n in result.notes)


def test_preflight_limits_can_be_tightened(psr, messy):
    from slm_psr.excel.preflight import Limits

    result = read_response(psr, messy, "m.xlsx", limits=Limits(max_file_bytes=1000))
    assert result.rejection_code == "too_big"
    assert read_responses(psr, [("m.xlsx", messy)], limits=Limits()).results[0].accepted


def test_a_huge_extra_sheet_is_skipped_not_loaded(psr, messy):
    """python-calamine allocates a sheet's whole extent: two cells 20,000 x 1,000 apart cost 600 MB."""

    def add_sheet(wb):
        ws = wb.create_sheet("Notes", 0)
        ws["A1"] = "our notes"
        ws.cell(20_000, 1_000).value = "end"
        wb[ANSWERS_SHEET].title = "Antworten"  # so that the search for the answer table meets Notes first

    result = read_response(psr, edit(messy, add_sheet), "notes.xlsx")
    assert_messy_values(result)
    assert any(
        "sheet Notes: the sheet is too large to be part of the questionnaire" in n for n in result.notes
    )
    assert result.seconds < 1


def test_answers_sheet_with_a_far_cell_is_rejected_before_it_is_loaded(psr, messy):
    def far(wb):
        wb[ANSWERS_SHEET].cell(20_000, 1_000).value = "x"

    result = read_response(psr, edit(messy, far), "far.xlsx")
    assert result.rejection_code == "sheet_too_large"
    assert "the sheet 'Answers' has cells as far as row 20,000, column 1,000" in result.rejection
    assert result.seconds < 1


def test_a_chart_sheet_does_not_disturb_the_import(psr, messy):
    def chart(wb):
        from openpyxl.chart import BarChart, Reference

        sheet = wb.create_chartsheet("Chart")
        bar = BarChart()
        bar.add_data(Reference(wb[PRICES_SHEET], min_col=5, min_row=5, max_row=9))
        sheet.add_chart(bar)
        wb.move_sheet("Chart", offset=-5)

    result = read_response(psr, edit(messy, chart), "chart.xlsx")
    assert_messy_values(result)
