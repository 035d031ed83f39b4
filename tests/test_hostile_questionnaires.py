"""Hostile workbooks, round two (issue 12): the project's own questionnaire turned against the reader.

Each case starts from a real answer (a demo supplier's file, or the questionnaire
filled in as people do) with one thing changed, and checks that it is refused or
flagged with a specific message, that the good files of the same batch are read,
and that no supplier text carries control or direction characters to the terminal,
the pages or the workbook.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile

import pytest

from slm_psr.engine import NEEDS_REVIEW, evaluate
from slm_psr.excel.comparison import write_comparison
from slm_psr.excel.preflight import MB, Limits, RejectedFile, preflight
from slm_psr.excel.questionnaire import write_questionnaire
from slm_psr.excel.responses import read_response, read_responses
from slm_psr.model import Flag
from slm_psr.psr_file import load_psr
from tests import hostile_files as hostile
from tests.conftest import DEMO, ROOT
from tests.test_responses import SUPPLIER, fill

NORDWIND = (DEMO / "responses" / "nordwind.xlsx").read_bytes()  # ranked first in the demo
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


@pytest.fixture(scope="module")
def psr():
    return load_psr(DEMO / "psr.json")


@pytest.fixture(scope="module")
def questionnaire(psr) -> bytes:
    return write_questionnaire(psr)


@pytest.fixture(scope="module")
def answered(questionnaire) -> bytes:
    return fill(questionnaire, {"supplier": SUPPLIER, "answers": {"SD-08": "ja"}, "prices": {"SD-P1": 1200}})


def others(psr) -> list:
    """The demo's other five responses, as read."""
    files = [(p.name, p.read_bytes()) for p in sorted((DEMO / "responses").glob("*.xlsx"))]
    return [r for r in read_responses(psr, files).responses if r.supplier != "Nordwind IT Services AG"]


# --- 1. memory amplification -------------------------------------------------------------------


def test_one_string_repeated_in_many_cells_is_refused_before_it_is_read(psr, answered):
    """32,000 characters x 400,000 cells = 12.8e9 characters = 12,207.03 MB (of 1,048,576); the budget
    also counts each cell's ``<v>0</v>`` as one character of saved text (an upper bound, 0.38 MB):
    12,207.4 MB in all."""
    bomb = hostile.amplified(answered)  # 32,000 characters x 400,000 cells, under 1 MB
    assert len(bomb) < 1 * MB
    with pytest.raises(RejectedFile) as caught:
        preflight(bomb, "bomb.xlsx")
    assert caught.value.code == "too_much_text"
    assert caught.value.reason == (
        '"bomb.xlsx" is refused: its cells would expand to 12,207.4 MB of text once read (a text of 32,000 '
        "characters repeated in 400,000 cells of sheet 'Answers'), more than the 50.0 MB a questionnaire "
        "answer may hold (a memory-exhaustion pattern); remove the repeated text, save and send it again."
    )
    report = read_responses(psr, [("bomb.xlsx", bomb), ("good.xlsx", answered)])
    assert [r.accepted for r in report.results] == [False, True]


def test_the_text_budget_counts_a_sheet_in_any_form(psr, answered):
    """UTF-16 or not: the sheet is counted element by element, with the same result."""
    bomb = hostile.reencoded(hostile.amplified(answered, rows=500, cols=20), "utf-16")
    with pytest.raises(RejectedFile) as caught:
        preflight(bomb, "bomb16.xlsx", limits=Limits(max_expanded_text=100 * MB))
    assert "a text of 32,000 characters repeated in 10,000 cells of sheet 'Answers'" in caught.value.reason


def test_what_a_real_answer_expands_to_is_counted(answered):
    """The filled questionnaire expands to about its own text: a few KB, far under the budget."""
    report = preflight(answered, "good.xlsx")
    assert 5_000 < report.expanded_text < 100_000


def test_the_batch_has_a_text_budget_too(psr, answered):
    size = preflight(answered, "a.xlsx").expanded_text
    limits = Limits(max_batch_expanded_text=size * 2 + 10)
    report = read_responses(psr, [(f"{n}.xlsx", answered) for n in "abc"], limits=limits)
    assert [r.accepted for r in report.results] == [True, True, False]
    assert report.results[2].rejection.startswith(
        '"c.xlsx" is not read in this import: with the files before it, the text of all files together'
    )


def test_importing_a_batch_with_the_amplification_file_stays_under_1_gb(tmp_path, psr, answered):
    """The CLI under an address-space limit of 1 GB (parent and worker each): the bomb refused, the good file read.

    Before the budget this import needed gigabytes and the process was killed
    ("memory allocation ... failed", exit 134) with the good file lost.
    """
    (tmp_path / "bomb.xlsx").write_bytes(hostile.amplified(answered))
    (tmp_path / "good.xlsx").write_bytes(answered)
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))\n"
        "from slm_psr.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "import", str(DEMO / "psr.json"), "bomb.xlsx", "good.xlsx"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr  # 1: a file was refused (not 134: killed)
    assert 'bomb.xlsx: REJECTED: "bomb.xlsx" is refused: its cells would expand to' in done.stdout
    assert "good.xlsx: accepted, Messy Muster AG" in done.stdout


# --- 2. formulas decide nothing unseen ---------------------------------------------------------


def test_an_uncalculated_formula_price_of_0_does_not_rank_first(psr):
    """Nordwind's monthly fee as a formula whose saved value is 0, in a workbook that asks to be recalculated."""
    data = hostile.with_cell(NORDWIND, "Prices", "G5", "<f>68500*0</f><v>0</v>")
    assert 'fullCalcOnLoad="1"' in hostile.read_part(data, hostile.WORKBOOK).decode()  # as openpyxl writes
    result = read_response(psr, data, "nordwind.xlsx")
    price = result.response.answers["SD-P1"]
    assert price.value is None and Flag.UNREADABLE in price.flags and price.raw == "=68500*0"
    assert price.notes == [
        "the cell holds a formula (=68500*0) whose saved value ('0') no spreadsheet program calculated "
        "(the workbook asks to be recalculated when opened), so it is not used; confirm the value with the supplier"
    ]
    assert "SD-P1" in {item.requirement_id for item in result.review}
    ranking = evaluate(psr, [result.response, *others(psr)]).suppliers.set_index("supplier")
    assert ranking.loc["Nordwind IT Services AG", "status"] == NEEDS_REVIEW  # a person decides
    assert (
        ranking["rank"].min() == 1
        and ranking.loc["Nordwind IT Services AG", "rank"] is not ranking["rank"].min()
    )


def test_an_uncalculated_formula_cannot_knock_a_bid_out_or_in(psr):
    data = hostile.with_cell(NORDWIND, "Answers", "G12", '<f>"no"</f><v>no</v>', cell_type="str")  # SD-08
    result = read_response(psr, data, "nordwind.xlsx")
    answer = result.response.answers["SD-08"]
    assert answer.value is None and Flag.UNREADABLE in answer.flags
    status = evaluate(psr, [result.response]).suppliers.status.tolist()
    assert status == [NEEDS_REVIEW]


def test_a_calculated_formula_is_used_but_flagged(psr):
    """The same cell in a workbook Excel calculated (no fullCalcOnLoad): the value counts, a person confirms."""
    data = hostile.with_cell(NORDWIND, "Prices", "G5", "<f>68500*1</f><v>68500</v>")
    workbook = hostile.read_part(data, hostile.WORKBOOK).decode().replace(' fullCalcOnLoad="1"', "")
    data = hostile.rewrite_parts(data, {hostile.WORKBOOK: workbook.encode()})
    price = read_response(psr, data, "nordwind.xlsx").response.answers["SD-P1"]
    assert price.value == 68500 and Flag.NEEDS_REVIEW in price.flags
    assert "formula: confirm the value" in price.notes[-1]


def test_a_company_name_given_as_a_formula_is_flagged(psr):
    unsaved = hostile.with_cell(NORDWIND, "Supplier", "B4", "<f>B5</f>")
    result = read_response(psr, unsaved, "offer.xlsx")
    assert result.response.supplier == "offer"
    (item,) = [i for i in result.review if i.requirement_id == "company name"]
    assert item.cell == "Supplier!B4" and item.raw == "=B5"
    assert "no saved value" in item.notes[0] and "named after the file, 'offer'" in item.notes[0]

    cached = hostile.with_cell(
        NORDWIND, "Supplier", "B4", '<f>"Brightline"</f><v>Brightline</v>', cell_type="str"
    )
    result = read_response(psr, cached, "offer.xlsx")
    assert result.response.supplier == "offer"  # the uncalculated name is not taken
    assert any("company name" in n and "no spreadsheet program calculated" in n for n in result.notes)


# --- 3. encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "iso-8859-1", "windows-1252"])
def test_an_answers_sheet_in_another_legal_encoding_is_read(psr, encoding):
    expected = read_response(psr, NORDWIND, "nordwind.xlsx").response
    result = read_response(psr, hostile.reencoded(NORDWIND, encoding), "nordwind.xlsx")
    assert result.accepted, result.rejection
    assert {k: a.value for k, a in result.response.answers.items()} == {
        k: a.value for k, a in expected.answers.items()
    }


def test_utf16_without_byte_order_mark_is_read(psr):
    result = read_response(psr, hostile.reencoded(NORDWIND, "utf-16", bom=False), "n.xlsx")
    assert result.response.answers["SD-08"].value is True


@pytest.mark.parametrize("encoding, declared", [("shift_jis", None), ("utf-8", "x-klingon")])
def test_an_encoding_that_cannot_be_read_is_refused_by_name(psr, encoding, declared):
    data = hostile.reencoded(NORDWIND, encoding, declared=declared)
    result = read_response(psr, data, "n.xlsx")
    name = declared or encoding
    assert result.rejection == (
        f"\"n.xlsx\" is refused: its part 'xl/worksheets/sheet3.xml' is written in the text encoding '{name}', "
        "which cannot be read here; open it in Excel, save it as .xlsx (Excel writes UTF-8) and send it again."
    )


# --- 4 and 5. control and direction characters ---------------------------------------------------


def hostile_text() -> bytes:
    """Nordwind's answer with a terminal escape in the company name (as Excel escapes it), a CR and an RLO."""
    data = hostile.with_cell(
        NORDWIND,
        "Supplier",
        "B4",
        "<is><t>Nordwind_x001B_[2J_x0007_ IT\u202e Services AG</t></is>",
        cell_type="inlineStr",
    )
    return hostile.with_cell(
        data, "Answers", "H12", "<is><t>ok\rFAKE: all met\u2066\u202e</t></is>", cell_type="inlineStr"
    )


def test_control_and_direction_characters_are_taken_out_with_the_raw_hash_kept(psr):
    result = read_response(psr, hostile_text(), "nordwind.xlsx")
    assert result.response.supplier == "Nordwind[2J IT Services AG"
    assert result.response.answers["SD-08"].comment == "ok\nFAKE: all met"
    removed = [n for n in result.notes if "control or text-direction characters removed" in n]
    assert len(removed) == 2 and all(re.search(r"SHA-256 [0-9a-f]{64}", n) for n in removed)
    assert {n.split(": control")[0] for n in removed} == {
        "nordwind.xlsx, sheet Supplier, cell B4",
        "nordwind.xlsx, sheet Answers, cell H12",
    }
    assert not UNSAFE.search(json.dumps(result.to_dict(), ensure_ascii=False).replace("\\n", ""))


def test_each_character_to_remove_is_found_in_one_cell_of_an_otherwise_clean_sheet(psr):
    """The sheet-wide check (one search over all texts) must not miss what the per-cell check finds.

    Every character ``sanitise`` takes out (and CR, LINE and PARAGRAPH SEPARATOR) is put
    in turn into one cell of a sheet of clean texts, numbers and blanks; the cell is
    cleaned exactly as ``clean_text(..., lines=True)`` cleans it, with one note naming it,
    and nothing else changes.
    """
    from slm_psr.excel.response_sheets import _Sheets
    from slm_psr.sanitise import _CONTROLS, DIRECTION_CONTROLS, clean_text

    sheets = _Sheets.__new__(_Sheets)  # only what _cleaned uses
    sheets.filename, sheets.file_notes = "f.xlsx", []
    clean = [["ID", "Answer", 3.5, None], ["SD-01", "24/7\nweekdays too", 1, "ok"]] * 20
    assert sheets._cleaned("Answers", [list(row) for row in clean]) == clean
    assert sheets.file_notes == []
    for char in _CONTROLS + DIRECTION_CONTROLS + "\r\u2028\u2029":
        rows = [list(row) for row in clean]
        dirty = f"line one{char}\nline two"
        rows[17][3] = dirty
        sheets.file_notes = []
        cleaned = sheets._cleaned("Answers", rows)
        expected = [list(row) for row in clean]
        expected[17][3] = clean_text(dirty, lines=True)
        assert cleaned == expected, repr(char)
        assert len(sheets.file_notes) == 1 and sheets.file_notes[0].startswith(
            "f.xlsx, sheet Answers, cell D18: control or text-direction characters removed"
        ), repr(char)


def test_the_cli_and_the_workbook_show_no_control_or_direction_characters(tmp_path, psr):
    (tmp_path / "n.xlsx").write_bytes(hostile_text())
    done = subprocess.run(
        [sys.executable, "-m", "slm_psr", "evaluate", str(DEMO / "psr.json"), "n.xlsx", "-o", "out.xlsx"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Nordwind[2J IT Services AG" in done.stdout
    assert not UNSAFE.search(done.stdout.replace("\n", "")) and not UNSAFE.search(
        done.stderr.replace("\n", "")
    )
    with zipfile.ZipFile(tmp_path / "out.xlsx") as workbook:
        for name in workbook.namelist():
            text = workbook.read(name).decode("utf-8", "replace")
            assert not UNSAFE.search(text.replace("\n", "").replace("\r", "").replace("\t", "")), name


def test_the_comparison_workbook_cleans_text_it_is_given(psr):
    """Responses stored before the cleaning (or made in code) are cleaned on the way out too."""
    response = read_response(psr, NORDWIND, "nordwind.xlsx").response
    response = response.model_copy(update={"supplier": "Nord\u202ewind\x1b[2J AG"})
    data = write_comparison(evaluate(psr, [response]), [response])
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        text = "".join(workbook.read(n).decode("utf-8", "replace") for n in workbook.namelist())
    assert "Nordwind[2J AG" in text and "\u202e" not in text and "\x1b" not in text


# --- 8 and 9. blank questionnaire, rows past the limit, real size ------------------------------------


def test_the_blank_questionnaire_is_refused_in_words(psr, questionnaire):
    result = read_response(psr, questionnaire, "questionnaire-MS-2027-01.xlsx")
    assert result.rejection_code == "blank"
    assert result.rejection == (
        '"questionnaire-MS-2027-01.xlsx" is the blank questionnaire; nothing was answered (no company name, '
        "no answer to any requirement). Ask the supplier to fill it in and send it again."
    )


def test_values_below_the_rows_read_refuse_the_file(psr):
    data = hostile.with_rows_below(NORDWIND, "Answers", 5001, ["SD-08", "no"])
    result = read_response(psr, data, "long.xlsx")
    assert result.rejection == (
        "\"long.xlsx\": the sheet 'Answers' has values below row 5,000 (the first in row 5,001), and a "
        "questionnaire answer is read to row 5,000 only; delete what was added below the answers, save and "
        "send it again."
    )


def renamed_with_rows_below(rename: dict[str, str], extra: dict[str, int]) -> bytes:
    """Nordwind's answer with sheets renamed and a value put far down (row ``extra[sheet]``) of some sheets."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(NORDWIND))
    for old, new in rename.items():
        workbook[old].title = new
    for sheet, row in extra.items():
        if sheet not in workbook.sheetnames:
            workbook.create_sheet(sheet, index=3)
        workbook[sheet].cell(row, 1).value = "more"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_rows_past_the_limit_are_refused_on_a_renamed_answer_sheet_and_noted_elsewhere(psr):
    renamed = renamed_with_rows_below({"Answers": "Antworten"}, {"Antworten": 6000})
    assert read_response(psr, renamed, "n.xlsx").rejection.startswith(
        "\"n.xlsx\": the sheet 'Antworten' has values below row 5,000 (the first in row 6,000)"
    )
    # A sheet the supplier added, looked through for the renamed price table.
    extra = renamed_with_rows_below({"Prices": "Preise"}, {"Notes": 6000})
    result = read_response(psr, extra, "n.xlsx")
    assert result.accepted
    assert (
        "n.xlsx, sheet Notes: only the first 5,000 rows are read; row 6,000 and below are not" in result.notes
    )
    assert result.response.answers["SD-P1"].value == 68500


def test_a_file_too_large_is_refused_with_its_real_size(tmp_path, capsys):
    from slm_psr.cli import main

    big = tmp_path / "big.xlsx"
    with open(big, "wb") as f:
        f.truncate(27 * MB)
    assert main(["import", str(DEMO / "psr.json"), str(big)]) == 1
    assert '"big.xlsx" is 27.0 MB, more than the 20.0 MB an answer may be' in capsys.readouterr().out


def test_just_over_the_limit_the_sizes_are_told_apart():
    with pytest.raises(RejectedFile) as caught:
        preflight(b"PK\x03\x04" + bytes(20 * MB), "a.xlsx")
    assert "is 20,971,524 bytes, more than the 20,971,520 bytes" in caught.value.reason


# --- 10. the app's own settings -----------------------------------------------------------------


def test_the_app_listens_on_localhost_and_takes_uploads_the_preflight_takes():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
    # Streamlit counts maxUploadSize in units of 1024 * 1024 bytes.
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == Limits().max_file_bytes


# --- 6. supplier text is never Markdown in the pages ---------------------------------------------


def test_supplier_markdown_is_shown_as_written_on_the_responses_page(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SLM_PSR_DATABASE_URL", f"sqlite:///{tmp_path / 'ui.sqlite3'}")
    name = "[Nordwind](https://evil.example) ![logo](https://evil.example/p.png) **AG**"
    data = hostile.with_cell(NORDWIND, "Supplier", "B4", f"<is><t>{name}</t></is>", cell_type="inlineStr")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.sidebar.text_input(key="user_name").input("Anna Tester")
    app.switch_page("slm_psr/ui/views/responses.py").run()
    app.file_uploader(key="uploads.0").set_value(
        [("x.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    )
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    shown = "\n".join(str(e.value) for e in [*app.markdown, *app.error, *app.caption])
    escaped = r"\[Nordwind\](https\://evil.example) \!\[logo\](https\://evil.example/p.png) \*\*AG\*\*"
    assert escaped in shown
    assert "](https://" not in shown  # no link or picture left for the browser to render


def test_the_cli_cleans_responses_it_did_not_read(tmp_path, psr, capsys):
    """Responses given as JSON (``--responses-json``) never passed the reader: the CLI cleans them on the way out."""
    from slm_psr.cli import main

    response = read_response(psr, NORDWIND, "nordwind.xlsx").response
    raw = response.model_copy(update={"supplier": "Nord\u202ewind\x1b[2J\x07 AG"}).model_dump(mode="json")
    (tmp_path / "r.json").write_text(json.dumps([raw]), encoding="utf-8")
    assert main(["evaluate", str(DEMO / "psr.json"), "--responses-json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "Nordwind[2J AG" in out and not UNSAFE.search(out.replace("\n", ""))
