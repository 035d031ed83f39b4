"""The upload preflight: normal workbooks pass with a true report, hostile ones are refused in words.

Every hostile file is built in memory by ``tests/hostile_files.py``; the zip-bomb
tests also run in a child process under a 512 MB address-space limit, so "memory
stays bounded" is checked, not assumed.
"""

from __future__ import annotations

import gc
import hashlib
import io
import pickle
import random
import subprocess
import sys
import textwrap
import weakref
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from slm_psr.excel.preflight import (
    EXCEL_MAX_COLS,
    EXCEL_MAX_ROWS,
    Limits,
    PreflightReport,
    RejectedFile,
    RejectionCode,
    display_name,
    package,
    preflight,
    report,
    text_budget,
    xml_scan,
    zip_archive,
)
from tests import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[1]


def refused(data: bytes, filename: str = "answers.xlsx", limits: Limits | None = None) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        preflight(data, filename, limits=limits)
    return caught.value


# --- normal workbooks ----------------------------------------------------------------------------


def test_openpyxl_questionnaire_passes_with_a_true_report():
    data = hostile.questionnaire_openpyxl(rows=300)
    report = preflight(data, "Acme answers.xlsx")
    assert isinstance(report, PreflightReport)
    assert report.filename == "Acme answers.xlsx"
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert report.size == len(data)
    assert report.workbook_part == "xl/workbook.xml"
    assert report.sheet_names == ["Answers", "Prices"]
    assert report.sheet_parts == {"Answers": "xl/worksheets/sheet1.xml", "Prices": "xl/worksheets/sheet2.xml"}
    assert report.declared_dimension == {"Answers": "A1:H300", "Prices": "C1:C4"}
    assert report.real_extent == {"Answers": (300, 8), "Prices": (4, 3)}
    assert report.sheet("Prices").kind == "worksheet"
    assert report.notes == ()
    assert report.uncompressed_size > report.size


def test_xlsxwriter_questionnaire_passes_and_notes_the_hidden_sheet():
    report = preflight(hostile.questionnaire_xlsxwriter(rows=300), "answers.xlsx")
    assert report.sheet_names == ["Answers", "Prices", "Lists"]
    assert report.real_extent == {"Answers": (300, 8), "Prices": (4, 3), "Lists": (2, 1)}
    assert [sheet.state for sheet in report.sheets] == ["visible", "visible", "hidden"]
    assert report.notes == ("Sheet 'Lists' is hidden.",)


def test_report_sheet_lookup_names_a_missing_sheet():
    report = preflight(hostile.questionnaire_openpyxl(rows=5), "answers.xlsx")
    with pytest.raises(KeyError):
        report.sheet("Nope")


def test_bytes_like_input_is_accepted_but_text_is_a_programming_error():
    data = hostile.questionnaire_openpyxl(rows=5)
    assert preflight(bytearray(data), "a.xlsx").sheet_names == ["Answers", "Prices"]
    assert preflight(memoryview(data), "a.xlsx").sheet_names == ["Answers", "Prices"]
    with pytest.raises(TypeError):
        preflight("not bytes", "a.xlsx")  # type: ignore[arg-type]


def test_each_part_is_inflated_once(monkeypatch):
    """The bulk scan reuses nothing twice: one inflater per deflated part, no more."""
    data = hostile.questionnaire_xlsxwriter(rows=300)
    created = []
    real = zlib.decompressobj

    def counting(*args, **kwargs):
        created.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zip_archive.zlib, "decompressobj", counting)
    preflight(data, "answers.xlsx")
    deflated = [
        i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if i.compress_type == zipfile.ZIP_DEFLATED
    ]
    assert len(created) == len(deflated)


# --- refusals: one crafted file each ------------------------------------------------------------

REFUSALS: list[tuple[Callable[[], bytes], RejectionCode, str]] = [
    (hostile.empty, RejectionCode.EMPTY, "is empty"),
    (hostile.encrypted_workbook, RejectionCode.ENCRYPTED, "is password-protected; remove the password"),
    (hostile.ole_magic_with_names_only, RejectionCode.ENCRYPTED, "is password-protected"),
    (hostile.zip_encrypted_flag, RejectionCode.ENCRYPTED, "is password-protected"),
    (
        hostile.legacy_xls,
        RejectionCode.LEGACY_XLS,
        "old Excel 97-2003 format (.xls); open it in Excel, save it as .xlsx",
    ),
    (
        hostile.csv_renamed,
        RejectionCode.WRONG_FORMAT,
        "is a CSV text file (semicolon-separated) renamed to .xlsx",
    ),
    (hostile.html_renamed, RejectionCode.WRONG_FORMAT, "is an HTML page renamed to .xlsx"),
    (lambda: b"%PDF-1.7\n...", RejectionCode.WRONG_FORMAT, "is a PDF document renamed to .xlsx"),
    (hostile.opendocument, RejectionCode.WRONG_FORMAT, "OpenDocument spreadsheet (.ods)"),
    (hostile.word_document, RejectionCode.WRONG_FORMAT, "is a Word document"),
    (hostile.binary_workbook_type, RejectionCode.WRONG_FORMAT, "Excel binary workbook (.xlsb)"),
    (hostile.random_bytes, RejectionCode.NOT_A_WORKBOOK, "is not an Excel workbook"),
    (
        hostile.plain_zip,
        RejectionCode.NOT_A_WORKBOOK,
        "is not an Excel workbook (it has no [Content_Types].xml)",
    ),
    (hostile.missing_content_types, RejectionCode.NOT_A_WORKBOOK, "it has no [Content_Types].xml"),
    (hostile.missing_workbook, RejectionCode.NOT_A_WORKBOOK, "it has no xl/workbook.xml"),
    (hostile.truncated, RejectionCode.CORRUPT, "perhaps the upload was cut short"),
    (hostile.random_after_zip_magic, RejectionCode.CORRUPT, "is damaged"),
    (hostile.lying_directory, RejectionCode.CORRUPT, "the zip directory does not match the contents"),
    (hostile.duplicate_names, RejectionCode.CORRUPT, "two parts named 'xl/worksheets/sheet1.xml'"),
    (hostile.xlsm_with_vba, RejectionCode.MACROS, "contains macros"),
    (hostile.macro_content_type_only, RejectionCode.MACROS, "save it as a plain .xlsx without macros"),
    (hostile.macro_sheet, RejectionCode.MACROS, "Excel 4.0 macro sheet"),
    (hostile.billion_laughs_workbook, RejectionCode.XML_ENTITIES, "'xl/workbook.xml' declares a DOCTYPE"),
    (hostile.xxe_sheet, RejectionCode.XML_ENTITIES, "'xl/worksheets/sheet1.xml' declares a DOCTYPE"),
    (
        hostile.utf16_doctype_sheet,
        RejectionCode.XML_ENTITIES,
        "'xl/worksheets/sheet1.xml' declares a DOCTYPE",
    ),
    (
        hostile.xml_disguised_as_picture,
        RejectionCode.XML_ENTITIES,
        "'xl/media/image9.png' declares a DOCTYPE",
    ),
    (hostile.zero_bomb, RejectionCode.ZIP_BOMB, "unpacks to 1,024.0 MB"),
    (hostile.lying_bomb, RejectionCode.ZIP_BOMB, "unpacks more than 100 times larger than it is stored"),
    (hostile.overlapping_entries, RejectionCode.ZIP_BOMB, "overlaps the next one"),
    (hostile.many_members, RejectionCode.TOO_MANY_PARTS, "holds 5,010 parts"),
    (
        hostile.nested_zip,
        RejectionCode.NESTED_ARCHIVE,
        "hides an archive inside the workbook (xl/extra/answers.zip)",
    ),
    (hostile.far_cell, RejectionCode.SHEET_TOO_LARGE, "sheet 'Answers' has a cell at XFD1048576"),
]


@pytest.mark.parametrize(
    ("build", "code", "phrase"), REFUSALS, ids=[getattr(b, "__name__", "lambda") for b, _, _ in REFUSALS]
)
def test_hostile_file_is_refused_in_words(build: Callable[[], bytes], code: RejectionCode, phrase: str):
    rejection = refused(build(), "Acme answers.xlsx")
    assert rejection.code == code
    assert rejection.code == code.value  # a plain string for callers that compare with "encrypted"
    assert rejection.filename == "Acme answers.xlsx"
    assert rejection.reason.startswith('"Acme answers.xlsx" ')
    assert phrase in rejection.reason
    assert str(rejection) == rejection.reason


@pytest.mark.parametrize(
    "part",
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/sharedStrings.xml",
        "docProps/core.xml",
    ],
)
def test_a_doctype_in_any_xml_part_is_refused(part: str):
    rejection = refused(hostile.with_doctype_in(part))
    assert rejection.code == "xml_entities"
    assert f"'{part}'" in rejection.reason


def test_a_macro_enabled_file_name_is_refused_even_without_macros():
    rejection = refused(hostile.questionnaire_openpyxl(rows=5), "answers.xlsm")
    assert rejection.code == "macros"
    assert rejection.reason == (
        '"answers.xlsm" is a macro-enabled workbook (.xlsm); save it as a plain .xlsx without macros.'
    )


def test_a_rejection_survives_pickling_with_all_its_fields():
    rejection = refused(hostile.encrypted_workbook())
    copy = pickle.loads(pickle.dumps(rejection))
    assert (copy.filename, copy.code, copy.reason) == (rejection.filename, rejection.code, rejection.reason)


def test_a_file_over_the_size_limit_is_refused_before_anything_else():
    rejection = refused(hostile.questionnaire_openpyxl(rows=5), limits=Limits(max_file_bytes=1000))
    assert rejection.code == "too_big"
    assert "KB" in rejection.reason


def test_the_shown_file_name_loses_folders_and_control_characters():
    assert display_name("C:\\Users\\x\\Acme\nanswers.xlsx") == "Acmeanswers.xlsx"
    assert display_name("../../etc/answers.xlsx") == "answers.xlsx"
    assert display_name("") == "the file"
    assert len(display_name("a" * 500 + ".xlsx")) == 120
    assert refused(b"", "/tmp/up/\x1b[31mred.xlsx").filename == "[31mred.xlsx"


def test_a_malformed_sheet_is_refused_as_damaged():
    data = hostile.rewrite_parts(
        hostile.questionnaire_openpyxl(rows=5), {hostile.SHEET1: b"<worksheet><sheetData>"}
    )
    rejection = refused(data)
    assert rejection.code == "corrupt"
    assert "'xl/worksheets/sheet1.xml' is not valid XML" in rejection.reason


def test_two_sheets_sharing_one_part_are_refused():
    """Otherwise thousands of sheet entries could make a reader parse one big part thousands of times."""
    data = hostile.questionnaire_openpyxl(rows=5)
    rels = hostile.read_part(data, "xl/_rels/workbook.xml.rels").replace(
        b'Target="/xl/worksheets/sheet2.xml"', b'Target="/xl/worksheets/sheet1.xml"'
    )
    rejection = refused(hostile.rewrite_parts(data, {"xl/_rels/workbook.xml.rels": rels}))
    assert rejection.code == "corrupt"
    assert "sheet 'Prices' shares its contents with another sheet" in rejection.reason


def test_a_cell_reference_outside_excels_grid_is_refused_as_damaged():
    rejection = refused(hostile.with_sheet('<row r="1"><c r="ZZZZ1"><v>1</v></c></row>'))
    assert rejection.code == "corrupt"
    assert "cell reference 'ZZZZ1'" in rejection.reason


@pytest.mark.parametrize(
    "markup",
    ['<row r="1"><c r="A1" x="{}"/></row>', "<!-- {} -->"],
    ids=["attribute", "comment-full-of-angle-brackets"],
)
def test_a_tag_or_comment_of_megabytes_is_refused_before_expat_rescans_it(markup: str):
    """Expat 2.5 re-reads an unfinished tag on every chunk: a 100 MB tag would take minutes."""
    filler = "y<" * hostile.MB if markup.startswith("<!--") else "y" * 2 * hostile.MB
    rejection = refused(hostile.with_sheet(markup.format(filler)), limits=Limits(max_ratio=10**6))
    assert rejection.code == "corrupt"
    assert "holds a single XML tag or comment of more than 1.0 MB" in rejection.reason


def test_deeply_nested_xml_in_a_structural_part_is_handled():
    """200,000 nested elements in workbook.xml: defusedxml builds and drops the tree without recursion trouble."""
    data = hostile.questionnaire_openpyxl(rows=5)
    depth = 200_000
    workbook = hostile.read_part(data, hostile.WORKBOOK).replace(
        b"</workbook>", b"<a>" * depth + b"</a>" * depth + b"</workbook>"
    )
    data = hostile.rewrite_parts(data, {hostile.WORKBOOK: workbook})
    assert refused(data).code == "zip_bomb"  # 700:1, so the ratio check stops it first
    # Without the ratio check the part is inflated in many capped calls (a regression test
    # for measuring the compressed length after a capped last call) and parsed.
    report = preflight(data, "a.xlsx", limits=Limits(max_ratio=10**6))
    assert report.sheet_names == ["Answers", "Prices"]


# --- zip bombs: budgets and bounded memory --------------------------------------------------------


def test_a_lying_bomb_is_stopped_by_the_real_part_budget_when_the_ratio_check_is_off():
    rejection = refused(hostile.lying_bomb(), limits=Limits(max_ratio=10**6))
    assert rejection.code == "zip_bomb"
    assert "unpacks to more than 100.0 MB" in rejection.reason


def test_a_lying_bomb_is_stopped_by_the_real_total_budget():
    limits = Limits(
        max_ratio=10**6, max_member_uncompressed=2000 * hostile.MB, max_uncompressed_total=50 * hostile.MB
    )
    rejection = refused(hostile.lying_bomb(), limits=limits)
    assert rejection.code == "zip_bomb"
    assert "it unpacks to more than 50.0 MB" in rejection.reason


CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (512 * 1024 * 1024, 512 * 1024 * 1024))
    from slm_psr.excel.preflight import Limits, RejectedFile, preflight
    data = open(sys.argv[1], "rb").read()
    limits = Limits(max_ratio=10**6) if sys.argv[2] == "no-ratio" else None
    try:
        preflight(data, "bomb.xlsx", limits=limits)
    except RejectedFile as rejection:
        print(rejection.code)
    """
)


@pytest.mark.parametrize(
    ("build", "mode"),
    [(hostile.zero_bomb, "default"), (hostile.lying_bomb, "default"), (hostile.lying_bomb, "no-ratio")],
    ids=["truthful-directory", "lying-directory", "lying-directory-ratio-off"],
)
def test_a_1_gb_bomb_is_refused_within_512_mb_of_address_space(tmp_path, build, mode):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(build())
    assert path.stat().st_size < 2 * hostile.MB
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "zip_bomb"


# --- used ranges --------------------------------------------------------------------------------


def test_an_absurd_declared_dimension_is_a_note_and_the_real_extent_is_reported():
    report = preflight(hostile.absurd_dimension(), "answers.xlsx")
    assert report.declared_dimension["Answers"] == "A1:XFD1048576"
    assert report.real_extent["Answers"] == (300, 8)
    assert report.notes == (
        "Sheet 'Answers' declares its used range as 'A1:XFD1048576', but its cells end at row 300, "
        "column 8; only the real cells are read.",
    )


def test_a_far_cell_is_measured_when_the_limits_allow_the_whole_grid():
    report = preflight(
        hostile.far_cell(), "a.xlsx", limits=Limits(max_rows=EXCEL_MAX_ROWS, max_cols=EXCEL_MAX_COLS)
    )
    assert report.real_extent["Answers"] == (EXCEL_MAX_ROWS, EXCEL_MAX_COLS)


def test_a_sheet_over_custom_limits_is_refused():
    rejection = refused(hostile.questionnaire_openpyxl(rows=300), limits=Limits(max_rows=100))
    assert rejection.code == "sheet_too_large"
    assert "sheet 'Answers' has a cell at A101 (row 101, column 1)" in rejection.reason


def test_cells_and_rows_without_references_follow_the_previous_ones():
    body = '<row r="3"><c r="B3"/><c/><c/></row><row><c/></row><row r="9"/><row><c r="A10"/><c/></row>'
    report = preflight(hostile.with_sheet(body), "a.xlsx")
    assert report.real_extent["Answers"] == (10, 4)


def test_cells_without_references_cannot_hide_beyond_the_limits():
    body = '<row r="1"><c r="ALL1"/>' + "<c/>" * 5 + "</row>"  # ALL is column 1000
    rejection = refused(hostile.with_sheet(body))
    assert rejection.code == "sheet_too_large"
    assert "ALM1" in rejection.reason


def test_a_namespace_prefix_does_not_hide_cells():
    xml = (
        f'<x:worksheet xmlns:x="{hostile.SHEET_NS}"><x:dimension ref="A1"/><x:sheetData>'
        '<x:row r="2"><x:c r="D2"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    data = hostile.rewrite_parts(hostile.questionnaire_openpyxl(rows=5), {hostile.SHEET1: xml.encode()})
    report = preflight(data, "a.xlsx")
    assert report.real_extent["Answers"] == (2, 4)
    assert report.declared_dimension["Answers"] == "A1"


def test_an_empty_sheet_has_no_extent():
    report = preflight(hostile.with_sheet("", dimension="A1"), "a.xlsx")
    assert report.real_extent["Answers"] == (0, 0)


# --- notes ----------------------------------------------------------------------------------------


def test_external_links_and_data_connections_are_notes():
    report = preflight(hostile.with_external_link_and_connection(), "a.xlsx")
    assert report.notes == (
        "The workbook links to other workbooks (file:///\\\\server\\prices.xlsx); the links are ignored "
        "and only the values saved in this file are read.",
        "The workbook has data connections (to databases, files or web queries); they are never refreshed, "
        "only the values saved in this file are read.",
    )


def test_an_embedded_workbook_is_a_note_not_a_refusal():
    report = preflight(hostile.embedded_workbook(), "a.xlsx")
    assert report.notes == (
        "The workbook has 1 embedded object(s) (Microsoft_Excel_Worksheet.xlsx); they are not opened. "
        "Ask for attachments as separate files.",
    )


# --- never crash, never hang ----------------------------------------------------------------------

EVERY_FILE = [build for build, _, _ in REFUSALS] + [
    hostile.questionnaire_openpyxl,
    hostile.questionnaire_xlsxwriter,
    hostile.absurd_dimension,
    hostile.with_external_link_and_connection,
    hostile.embedded_workbook,
]


def only_report_or_refusal(data: bytes, filename: str = "f.xlsx") -> None:
    """Anything but a report or a RejectedFile (including a raw zipfile/expat error) fails the test."""
    try:
        preflight(data, filename)
    except RejectedFile as rejection:
        assert rejection.reason.startswith(f'"{rejection.filename}" ')


@pytest.mark.parametrize("build", EVERY_FILE, ids=[getattr(b, "__name__", "lambda") for b in EVERY_FILE])
def test_every_crafted_file_and_its_truncations_give_a_report_or_a_refusal(build):
    data = build()
    only_report_or_refusal(data)
    for cut in range(0, len(data), max(1, len(data) // 25)):
        only_report_or_refusal(data[:cut])


@pytest.mark.parametrize("seed", range(4))
def test_randomly_damaged_workbooks_give_a_report_or_a_refusal(seed: int):
    rng = random.Random(seed)
    base = hostile.questionnaire_xlsxwriter(rows=20) if seed % 2 else hostile.questionnaire_openpyxl(rows=20)
    for _ in range(150):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        only_report_or_refusal(bytes(data))


def test_limits_must_be_positive_and_within_excels_grid():
    with pytest.raises(ValueError, match="max_rows"):
        Limits(max_rows=0)
    with pytest.raises(ValueError, match="grid"):
        Limits(max_cols=EXCEL_MAX_COLS + 1)
    with pytest.raises(AttributeError):
        Limits().max_rows = 5  # type: ignore[misc]


# --- the whole-sheet measurement (regular expressions) agrees with expat ---------------------------


def measured_both_ways(xml: bytes, limits: Limits | None = None) -> tuple[object, object]:
    """(max_row, max_col, declared) from the regular expressions and from expat, element by element."""
    fast = xml_scan._SheetScan("Answers", limits or Limits())
    assert fast._measure_plain(xml)
    exact = xml_scan._SheetScan("Answers", limits or Limits())
    exact.measure(xml, plain=False)
    return (fast.max_row, fast.max_col, fast.declared), (exact.max_row, exact.max_col, exact.declared)


@pytest.mark.parametrize(
    "build",
    [hostile.questionnaire_openpyxl, hostile.questionnaire_xlsxwriter, hostile.absurd_dimension],
    ids=["openpyxl", "xlsxwriter", "absurd-dimension"],
)
def test_sheets_as_writers_save_them_are_measured_in_c_exactly_as_expat_reads_them(build):
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        for name in sheets:
            fast, exact = measured_both_ways(archive.read(name))
            assert fast == exact, name


def test_the_demo_answers_are_measured_in_c_exactly_as_expat_reads_them():
    for path in sorted((ROOT / "data" / "demo" / "responses").glob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    fast, exact = measured_both_ways(archive.read(name))
                    assert fast == exact, (path.name, name)


def test_the_checked_sheet_xml_is_handed_on_unchanged():
    data = hostile.questionnaire_xlsxwriter(rows=50)
    report = preflight(data, "a.xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert report.sheet_xml == {part: archive.read(part) for part in report.sheet_parts.values()}
    copy = pickle.loads(pickle.dumps(report))
    assert copy == report and copy.sheet_xml == report.sheet_xml


@pytest.mark.parametrize(
    ("body", "extent"),
    [
        # what looks like cells in comments, CDATA and processing instructions is no cell
        ('<row r="2"><c r="B2"/></row><!-- <row r="9"><c r="Z9"/></row> -->', (2, 2)),
        ('<row r="2"><c r="B2" t="inlineStr"><is><t><![CDATA[<c r="Z9"/>]]></t></is></c></row>', (2, 2)),
        ('<row r="2"><c r="B2"/></row><?note <c r="Z9"/> ?>', (2, 2)),
        # ... and cannot reset the row that cells without a reference follow
        ('<row r="50"><c r="A50"/></row><!-- <row r="1"/> --><row><c/></row>', (51, 1)),
        # the reference after other attributes (one with a ">" in its value), in single quotes
        ('<row r="7"><c r="A7"/><c s="1" x="a>b" r="D7"/></row>', (7, 4)),
        ('<row r="8"><c r="A8"/><c r=\'E8\'/></row>', (8, 5)),
        # a row number written oddly still counts for the cells that follow it
        ('<row r = "40"><c/></row>', (40, 1)),
    ],
    ids=[
        "comment",
        "cdata",
        "processing-instruction",
        "comment-between-rows",
        "attributes-before-r",
        "single-quotes",
        "spaced-row-number",
    ],
)
def test_xml_the_fast_measurement_does_not_handle_is_read_element_by_element(body, extent):
    report = preflight(hostile.with_sheet(body), "a.xlsx")
    assert report.real_extent["Answers"] == extent


def test_a_far_cell_behind_a_comment_or_a_prefix_is_still_refused():
    behind_comment = '<!-- x --><row r="1"><c r="A1"/></row><row r="200000"><c r="A200000"/></row>'
    assert refused(hostile.with_sheet(behind_comment)).code == "sheet_too_large"
    prefixed = (
        f'<x:worksheet xmlns:x="{hostile.SHEET_NS}"><x:sheetData><x:row r="1"><x:c r="ALM1"/></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    data = hostile.rewrite_parts(hostile.questionnaire_openpyxl(rows=5), {hostile.SHEET1: prefixed.encode()})
    rejection = refused(data)
    assert rejection.code == "sheet_too_large" and "ALM1" in rejection.reason


@pytest.mark.parametrize("encoding", ["utf-16", "iso-8859-1"])
def test_a_sheet_in_another_encoding_is_measured_too(encoding):
    report = preflight(hostile.with_sheet('<row r="9"><c r="F9"/></row>', encoding=encoding), "a.xlsx")
    assert report.real_extent["Answers"] == (9, 6)


def test_a_dimension_with_a_character_reference_is_read_as_expat_reads_it():
    report = preflight(hostile.with_sheet('<row r="1"><c r="A1"/></row>', dimension="A1:&#66;2"), "a.xlsx")
    assert report.declared_dimension["Answers"] == "A1:B2"


def test_a_sheet_larger_than_is_kept_is_measured_while_it_streams(monkeypatch):
    monkeypatch.setattr(package, "MAX_KEPT_SHEET", 100)
    report = preflight(hostile.questionnaire_openpyxl(rows=300), "a.xlsx")
    assert report.real_extent == {"Answers": (300, 8), "Prices": (4, 3)}
    assert report.sheet_xml == {}
    assert refused(hostile.far_cell()).code == "sheet_too_large"


def test_a_large_sheet_is_measured_slice_by_slice_with_the_same_result(monkeypatch):
    """The regular expressions run over ~1 MB at a time (bounded lists); no tag is cut at a slice end."""
    monkeypatch.setattr(xml_scan, "_MEASURE_SLICE", 50)
    xml = hostile.read_part(hostile.questionnaire_xlsxwriter(rows=300), hostile.SHEET1)
    fast, exact = measured_both_ways(xml)
    assert fast == exact == (300, 8, "A1:H300")


def random_sheet_body(rng: random.Random) -> str:
    """Rows and cells as writers write them, often with one cell the fast measurement must not trust."""
    odd_cells = [
        "<c/>",
        '<c s="1" r="{ref}"/>',
        "<c r='{ref}'/>",
        '<c r="{ref}" t="inlineStr"><is><t>&lt;c r="ZZ9"/&gt;</t></is></c>',
        '<c r="{ref}" t="inlineStr"><is><t><![CDATA[<c r="ZZ9"/>]]></t></is></c>',
        '<x:c r="{ref}"/>',
        '<!-- <c r="ZZ{row}"/> --><c r="{ref}"/>',
        '<?pi <c r="ZZ{row}"/> ?><c r="{ref}"/>',
    ]
    rows, row, odd_row = [], 0, rng.randint(0, 12)
    for number in range(rng.randint(1, 10)):
        row += rng.randint(1, 3) if rng.random() < 0.9 else rng.randint(1, 150_000)
        reference = "" if rng.random() < 0.03 else f' r="{row}"'
        cells = [f'<c r="{report._column_letters(col)}{row}" s="1"><v>1</v></c>' for col in range(1, 5)]
        if number == odd_row:  # a far cell, so that missing it changes the extent
            ref = f"{report._column_letters(rng.randint(5, 1500))}{row}"
            cells.append(rng.choice(odd_cells).format(ref=ref, row=row))
        rows.append(f"<row{reference}>{''.join(cells)}</row>")
    return "".join(rows)


@pytest.mark.parametrize("seed", range(3))
def test_kept_and_streamed_sheets_give_the_same_report_or_refusal(seed, monkeypatch):
    """Differential: random sheets measured whole (mostly in C) and while streaming (element by element)."""
    rng = random.Random(seed)
    base = hostile.questionnaire_openpyxl(rows=3)
    kept_size = package.MAX_KEPT_SHEET

    def outcome(data: bytes) -> tuple[object, ...]:
        try:
            report = preflight(data, "a.xlsx")
        except RejectedFile as rejection:
            return ("refused", rejection.code, rejection.reason)
        return ("report", report.real_extent, report.declared_dimension, report.notes)

    for _ in range(40):
        dimension = rng.choice(["A1:B2", "A1", "A1:XFD1048576", "A1:&#66;2"])
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{hostile.SHEET_NS}" '
            f'xmlns:x="{hostile.SHEET_NS}"><dimension ref="{dimension}"/><sheetData>'
            f"{random_sheet_body(rng)}</sheetData></worksheet>"
        )
        data = hostile.rewrite_parts(base, {hostile.SHEET1: xml.encode()})
        kept = outcome(data)
        monkeypatch.setattr(package, "MAX_KEPT_SHEET", 0)
        streamed = outcome(data)
        monkeypatch.setattr(package, "MAX_KEPT_SHEET", kept_size)
        assert kept == streamed, xml


@pytest.mark.parametrize(
    "body",
    [
        '<row r="2"><c r="B2" t="s"><v xml:space="preserve">0</v></c></row>',  # a value with an attribute
        '<row r="2"><c r="B2" t="inlineStr"><is x="1"><t>abc</t></is></c></row>',  # inline text with one
        f'<row r="2"><c r="B2" t="s"><y:v xmlns:y="{hostile.SHEET_NS}">0</y:v></c></row>',  # a prefixed value
        '<row r="2"><c r="A2"/><c t="s"><v>0</v></c></row>',  # a cell without its reference
        '<row><c r="B2"/></row>',  # a row without its number
    ],
    ids=[
        "value-attribute",
        "inline-attribute",
        "prefixed-value",
        "cell-without-reference",
        "row-without-number",
    ],
)
def test_a_sheet_not_written_plainly_is_measured_and_counted_element_by_element(body, monkeypatch):
    """One check (``written_plainly``) sends such a sheet to expat for both its extent and its text."""
    xml = hostile._sheet_xml(body).encode()
    assert not xml_scan.written_plainly(xml)
    assert not xml_scan._SheetScan("Answers", Limits())._measure_plain(xml)
    assert not text_budget.SheetText("Answers").count_plain(xml)
    data = hostile.rewrite_parts(hostile.questionnaire_openpyxl(rows=3), {hostile.SHEET1: xml})
    kept = preflight(data, "a.xlsx")
    monkeypatch.setattr(package, "MAX_KEPT_SHEET", 0)
    streamed = preflight(data, "a.xlsx")
    assert kept.sheet_xml and not streamed.sheet_xml
    assert kept.real_extent == streamed.real_extent
    assert kept.real_extent["Answers"] == (2, 2)


def test_sheets_as_writers_save_them_are_written_plainly():
    for data in (hostile.questionnaire_openpyxl(rows=20), hostile.questionnaire_xlsxwriter(rows=20)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert xml_scan.written_plainly(archive.read(name)), name


def test_the_last_dimension_counts_both_ways_and_a_longer_tag_name_is_no_dimension():
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{hostile.SHEET_NS}">'
        '<dimension ref="A1:B2"/><sheetData><row r="3"><c r="C3"/></row></sheetData>'
        '<dimension ref="A1:Z99"/><dimensions ref="A1:XFD9"/></worksheet>'
    ).encode()
    assert xml_scan.written_plainly(xml)
    fast, exact = measured_both_ways(xml)
    assert fast == exact == (3, 3, "A1:Z99")


@pytest.mark.parametrize("xml", [b'<?xml version="1.0"?><a><b/></a>', b"<a><b></a>"], ids=["good", "broken"])
def test_an_xml_guard_is_freed_without_the_garbage_collector(xml):
    """Once parsed, a guard drops its parser's handlers: no cycle holds it (or expat's buffer)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        guard = xml_scan._XmlGuard(lambda name, attrs: None, lambda name: None, lambda text: None)
        guard.feed(xml)
        guard.feed(b"", final=True)
        assert (guard.error is None) == (xml.startswith(b"<?xml"))
        gone = weakref.ref(guard)
        del guard
        assert gone() is None
    finally:
        if was_on:
            gc.enable()
