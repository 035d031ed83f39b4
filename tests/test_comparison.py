"""The comparison workbook: read back with a second reader and checked against the evaluation.

Values are read with python-calamine (what another program sees without
recalculating), cell types, formats and print set-up with openpyxl.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re
import zipfile
from typing import Any

import openpyxl
import pandas as pd
import pytest
import python_calamine
import xlsxwriter

from benchmarks.synthetic import make_psr, make_responses
from slm_psr import __version__
from slm_psr.engine import Override, evaluate
from slm_psr.excel.comparison import EXCEL_CELL_LIMIT, SHEETS, safe_text, write_comparison
from slm_psr.model import Flag, Kind, Method, Response
from slm_psr.psr_file import content_hash

GENERATED = dt.datetime(2027, 2, 10, 14, 30, 5, tzinfo=dt.UTC)
HOSTILE_NAMES = ['=HYPERLINK("http://x","click")', "+cmd", "@SUM(1)", "-1+2"]
LONG = 40_000


# --- fixtures ---------------------------------------------------------------------------


def _rename(response: Response, name: str) -> Response:
    return response.model_copy(update={"supplier": name})


@pytest.fixture(scope="module")
def tender():
    """A small synthetic tender with hostile supplier names and answers, and an override."""
    psr = make_psr(40, n_services=4)
    responses = make_responses(psr, 8, seed=3)
    for i, name in enumerate(HOSTILE_NAMES):
        responses[i] = _rename(responses[i], name)
    first = responses[0]
    rid = psr.service_requirements[1].id
    answer = first.answers[rid]
    first.answers[rid] = answer.model_copy(
        update={
            "raw": "=1+1",
            "comment": "x" * LONG,
            "notes": ["see http://evil.example/x", "bell\x07 and nul\x00 gone\r\n"],
        }
    )
    responses[1].answers[psr.service_requirements[2].id].comment = "tab\tand\nnewline stay\x1b[31m"
    # a doubtful answer to a knock-out: that bid needs review
    knock_out = next(r for r in psr.service_requirements if r.is_knock_out and r.kind is not Kind.QUALITATIVE)
    responses[5].answers[knock_out.id].flags = [Flag.AMBIGUOUS]
    responses[2].answers[psr.price_items[0].id].flags = [Flag.AMBIGUOUS, Flag.NEEDS_REVIEW]
    # supplier 3 misses a knock-out (synthetic: every fourth); accept it by an override
    ev0 = evaluate(psr, responses)
    failed = ev0.suppliers[ev0.suppliers["status"] == "disqualified"]
    target = failed.iloc[0]
    ko_id = target["reasons"][0].split(" ")[0]
    override = Override(
        supplier=target["supplier"],
        requirement_id=ko_id,
        decision="accept",
        justification="The supplier confirmed the level in writing on 2027-02-03 (letter on file).",
        who="A. Buyer",
        when=dt.datetime(2027, 2, 4, 9, 0),
    )
    ev = evaluate(psr, responses, overrides=[override])
    audit = [
        {
            "when": "2027-02-04 09:00",
            "who": "A. Buyer",
            "action": "override",
            "details": "=cmd|' /C calc'!A0",
        },
        {
            "when": dt.datetime(2027, 2, 5, 8, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "who": "B. Buyer",
            "action": "weights",
            "details": None,
        },
        {"when": "=2027-02-10 14:30", "who": "A. Buyer", "action": "export", "details": "comparison"},
    ]
    files = [(r.file, r.sha256) for r in responses]
    data = write_comparison(ev, responses, files=files, audit=audit, generated_at=GENERATED)
    return {
        "psr": psr,
        "responses": responses,
        "ev": ev,
        "override": override,
        "data": data,
        "files": files,
        "audit": audit,
    }


@pytest.fixture(scope="module")
def cells(tender) -> dict[str, list[list[Any]]]:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(tender["data"]))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


@pytest.fixture(scope="module")
def book(tender):
    return openpyxl.load_workbook(io.BytesIO(tender["data"]))


def table(rows: list[list[Any]], first_header: str, start: int = 0) -> list[dict[str, Any]]:
    """The rows under the header row whose first cell is ``first_header``, up to a blank row."""
    for i in range(start, len(rows)):
        if rows[i] and rows[i][0] == first_header:
            header = [str(h) for h in rows[i]]
            out = []
            for row in rows[i + 1 :]:
                if all(v in ("", None) for v in row):
                    break
                out.append({h: v for h, v in zip(header, row, strict=False) if h})
            return out
    raise AssertionError(f"no table with header {first_header!r}")


def column(record: dict[str, Any], prefix: str) -> Any:
    """The value of the column whose header starts with ``prefix``."""
    matches = [k for k in record if k.startswith(prefix)]
    assert len(matches) == 1, (prefix, list(record))
    return record[matches[0]]


def blank(value: Any) -> bool:
    return value in ("", None) or (isinstance(value, float) and math.isnan(value))


def same(a: Any, b: Any) -> bool:
    if blank(a) or blank(b):
        return blank(a) and blank(b)
    return a == pytest.approx(b, rel=1e-12, abs=1e-9)


# --- structure --------------------------------------------------------------------------


def test_sheets_in_order(book):
    assert book.sheetnames == list(SHEETS)


def test_summary_matches_the_evaluation(tender, cells):
    ev = tender["ev"]
    rows = table(cells["summary"], "Rank")
    assert [r["Supplier"] for r in rows] == ev.suppliers["supplier"].tolist()
    for record, (_, expected) in zip(rows, ev.suppliers.iterrows(), strict=True):
        rank = None if pd.isna(expected["rank"]) else int(expected["rank"])
        assert (record["Rank"] or None) == rank
        assert record["Status"] == expected["status"].replace("_", " ")
        assert same(column(record, "Total"), expected["total"])
        assert same(column(record, "Quality points"), expected["quality_points"])
        assert same(column(record, "Price points"), expected["price_points"])
        assert same(column(record, "Price over the term"), expected["price_total"])
        assert column(record, "Reasons") == "\n".join(expected["reasons"])
        assert record["Winner"] == ("winner" if expected["winner"] else "")
    winner = ev.winners[0]
    assert any(row[0] == f"Winner: {winner}" for row in cells["summary"])


def test_summary_has_a_native_chart_of_the_ranked_totals(tender):
    with zipfile.ZipFile(io.BytesIO(tender["data"])) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode()
    n_ranked = int(tender["ev"].suppliers["rank"].notna().sum())
    assert "<c:barChart>" in xml
    # categories and values point at the ranked rows of the summary table
    refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
    assert any(ref.startswith("summary!$B$") for ref in refs)
    first, last = map(int, re.search(r"summary!\$B\$(\d+):\$B\$(\d+)", xml).groups())
    assert last - first + 1 == n_ranked


def test_fixture_covers_every_status(tender):
    statuses = set(tender["ev"].suppliers["status"])
    assert statuses == {"qualified", "disqualified", "needs_review"}


def test_qualification_matrix_reasons_and_override(tender, cells):
    ev, psr, override = tender["ev"], tender["psr"], tender["override"]
    rows = table(cells["qualification"], "Supplier")
    knock_outs = [r.id for r in psr.service_requirements if r.is_knock_out]
    assert [r["Supplier"] for r in rows] == ev.suppliers["supplier"].tolist()
    scores = ev.scores.set_index(["supplier", "requirement"])
    for record, (_, expected) in zip(rows, ev.suppliers.iterrows(), strict=True):
        assert record["Status"] == expected["status"].replace("_", " ")
        assert record["Reasons"] == "\n".join(expected["reasons"])
        name = expected["supplier"]
        for rid in knock_outs:
            result = column(record, f"{rid}\n")
            met = bool(scores.loc[(name, rid), "met_minimum"])
            about = [r for r in expected["reasons"] if r.startswith(f"{rid} ")]
            if name == override.supplier and rid == override.requirement_id:
                assert result == "accepted"
                assert about and about[0].endswith("(settled by override)")
            elif about:
                assert result == ("review" if about[0].endswith("needs review") else "fail"), (name, rid)
            else:
                assert met and result == "pass", (name, rid)
        if expected["status"] == "disqualified":
            assert any(column(record, f"{rid}\n") == "fail" for rid in knock_outs)
    # the override with its justification, and the overridden bid is qualified
    listed = table(cells["qualification"], "Supplier", start=len(rows) + 5)
    assert listed == [
        {
            "Supplier": override.supplier,
            "Decision": "accepted",
            "Justification": override.justification,
            "Requirement": override.requirement_id,
            "By": "A. Buyer",
            "When": "2027-02-04 09:00",
        }
    ]
    mine = next(r for r in rows if r["Supplier"] == override.supplier)
    assert column(mine, f"{override.requirement_id}\n") == "accepted"
    assert override.justification in mine["Override"]


def test_whole_bid_and_rejection_overrides_in_the_matrix(tender):
    psr, responses = tender["psr"], tender["responses"]
    ev0 = evaluate(psr, responses)
    out = ev0.suppliers[ev0.suppliers["status"] == "disqualified"].iloc[0]
    failed = [r.split(" ")[0] for r in out["reasons"]]
    winner = ev0.winners[0]
    passed = next(r.id for r in psr.service_requirements if r.is_knock_out)
    overrides = [
        Override(supplier=out["supplier"], decision="accept", justification="Clarified: all levels met."),
        Override(
            supplier=winner, requirement_id=passed, decision="reject", justification="Certificate forged."
        ),
    ]
    ev = evaluate(psr, responses, overrides=overrides)
    data = write_comparison(ev, responses, generated_at=GENERATED)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = table(wb.get_sheet_by_name("qualification").to_python(skip_empty_area=False), "Supplier")
    by_name = {r["Supplier"]: r for r in rows}
    accepted = by_name[out["supplier"]]
    assert accepted["Status"] == "qualified"
    assert [column(accepted, f"{rid}\n") for rid in failed] == ["accepted"] * len(failed)
    rejected = by_name[winner]
    assert rejected["Status"] == "disqualified"
    assert column(rejected, f"{passed}\n") == "rejected"  # met, but excluded by the override
    assert "Certificate forged." in rejected["Reasons"]
    decisions = table(
        wb.get_sheet_by_name("qualification").to_python(skip_empty_area=False),
        "Supplier",
        start=len(rows) + 5,
    )
    assert [(d["Requirement"], d["Decision"]) for d in decisions] == [
        ("whole bid", "accepted"),
        (passed, "rejected"),
    ]


def test_scores_per_requirement_and_service_subtotals(tender, cells):
    ev = tender["ev"]
    rows = table(cells["scores"], "Rank")
    lines = [r for r in rows if r["Req. ID"]]
    subtotals = [r for r in rows if not r["Req. ID"]]
    scores = ev.scores[ev.scores["kind"] != "price"].set_index(["supplier", "requirement"])
    assert len(lines) == len(scores)
    for record in lines:
        expected = scores.loc[(record["Supplier"], record["Req. ID"])]
        assert same(record["Points (0-10)"], expected["points"])
        assert same(column(record, "Contribution"), expected["contribution"])
        assert same(record["Share of the total"], expected["effective_weight"])
        assert record["Offered (as read)"] == expected["offered"]
        assert record["Answer as submitted"] == safe_text(expected["raw"])
    services = ev.services.set_index(["supplier", "service"])
    names = {s.id: s.name for s in tender["psr"].services}
    by_name = {v: k for k, v in names.items()}
    assert len(subtotals) == len(services)
    for record in subtotals:
        expected = services.loc[(record["Supplier"], by_name[record["Service"]])]
        assert same(column(record, "Contribution"), expected["contribution"])
        assert record["Requirement"].startswith(
            f"Subtotal {record['Service']}: {expected['quality_points']:.2f}"
        )
        share = ev.weights.set_index("id").loc[by_name[record["Service"]], "effective"]
        assert same(record["Share of the total"], share)
    # rows of a supplier add up to its quality part of the total (MEAT)
    first = ev.suppliers.iloc[0]
    part = sum(column(r, "Contribution") or 0 for r in subtotals if r["Supplier"] == first["supplier"])
    quality_share = ev.settings.quality_weight / (ev.settings.quality_weight + ev.settings.price_weight)
    assert part == pytest.approx(quality_share * first["quality_points"])


def test_prices_per_item_total_and_points(tender, cells):
    ev, psr = tender["ev"], tender["psr"]
    rows = table(cells["prices"], "Rank")
    prices = ev.scores[ev.scores["kind"] == "price"].set_index(["supplier", "requirement"])
    for record, (_, expected) in zip(rows, ev.suppliers.iterrows(), strict=True):
        assert record["Supplier"] == expected["supplier"]
        assert same(column(record, "Total over the term"), expected["price_total"])
        assert same(column(record, "Price points"), expected["price_points"])
        total = 0.0
        for item in psr.price_items:
            amount = column(record, f"{item.id} ")
            assert same(amount, prices.loc[(expected["supplier"], item.id), "value"])
            total += prices.loc[(expected["supplier"], item.id), "term_cost"]
        assert total == pytest.approx(expected["price_total"])
        flags = [
            f"{item.id}: {', '.join(f.replace('_', ' ') for f in prices.loc[(expected['supplier'], item.id), 'flags'])}"
            for item in psr.price_items
            if len(prices.loc[(expected["supplier"], item.id), "flags"])
        ]
        assert column(record, "Flags") == "\n".join(flags)
    assert any(column(record, "Flags") for record in rows)


def test_method_sheet_records_psr_files_time_version_weights_and_audit(tender, cells):
    ev, psr = tender["ev"], tender["psr"]
    rows = cells["method"]
    pairs = {row[0]: row[1] for row in rows if row and row[0]}
    assert pairs["Title"] == psr.title
    assert pairs["PSR version"] == psr.version
    assert pairs["PSR content hash (SHA-256)"] == content_hash(psr)
    assert pairs["Generated (UTC)"] == "2027-02-10 14:30:05"
    assert pairs["slm-psr version"] == __version__
    assert pairs["Quality weight (as typed)"] == psr.evaluation.quality_weight
    assert pairs["Price weight (normalised)"] == pytest.approx(0.4)
    assert pairs["Tolerance band s (UfAB extended)"] == pytest.approx(psr.evaluation.tolerance)
    for line in ev.method_description().split("\n"):
        assert any(row[1] == line for row in rows if len(row) > 1)
    files = table(rows, "File")
    assert [(f["File"], f["SHA-256"]) for f in files] == tender["files"]
    assert [f["Supplier"] for f in files] == [r.supplier for r in tender["responses"]]
    weights = table(rows, "Level")
    assert len(weights) == len(ev.weights)
    for record, (_, expected) in zip(weights, ev.weights.iterrows(), strict=True):
        assert record["ID"] == expected["id"]
        assert same(column(record, "Weight as typed"), expected["weight"])
        assert same(column(record, "Normalised"), expected["normalised"])
        assert same(column(record, "Effective"), expected["effective"])
    audit = table(rows, "When")
    assert audit == [
        {"When": "2027-02-04 09:00", "Entry": "who: A. Buyer\naction: override\ndetails: =cmd|' /C calc'!A0"},
        {"When": "2027-02-05 07:15:00 UTC", "Entry": "who: B. Buyer\naction: weights"},
        {"When": "=2027-02-10 14:30", "Entry": "who: A. Buyer\naction: export\ndetails: comparison"},
    ]


def test_answers_as_submitted(tender, cells):
    rows = table(cells["answers"], "Supplier")
    responses = tender["responses"]
    assert len(rows) == sum(len(r.answers) for r in responses)
    by_key = {(r["Supplier"], r["Req. ID"]): r for r in rows}
    for response in responses:
        for rid, answer in response.answers.items():
            record = by_key[(response.supplier, rid)]
            assert record["Answer as submitted"] == safe_text(answer.raw)
            assert record["Cell"] == answer.cell
            assert record["Flags"] == ", ".join(f.value.replace("_", " ") for f in answer.flags)


# --- safety -----------------------------------------------------------------------------


def test_no_formulas_and_no_links_anywhere(tender):
    with zipfile.ZipFile(io.BytesIO(tender["data"])) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8", "replace")
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in text and "<f " not in text, name
                assert "<hyperlink" not in text, name
            assert "hyperlink" not in name.lower()


def test_hostile_strings_stay_text(tender, book):
    hostile = {*HOSTILE_NAMES, "=1+1", "=2027-02-10 14:30"}
    seen: dict[str, int] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in hostile:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen[cell.value] = seen.get(cell.value, 0) + 1
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                assert cell.hyperlink is None
    assert set(seen) == hostile
    summary = book["summary"]
    names = {c.value for c in summary["B"]}
    assert set(HOSTILE_NAMES) <= names


def test_control_characters_stripped_tab_and_newline_kept(cells):
    answers = table(cells["answers"], "Supplier")
    notes = [r["Notes"] for r in answers if "bell" in str(r["Notes"])]
    assert notes == ["see http://evil.example/x\nbell and nul gone\n"]
    comments = [r["Comment"] for r in answers if str(r["Comment"]).startswith("tab")]
    assert comments == ["tab\tand\nnewline stay[31m"]
    for rows in cells.values():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", value)


def test_long_text_cut_with_marker(cells):
    answers = table(cells["answers"], "Supplier")
    long = [r["Comment"] for r in answers if str(r["Comment"]).startswith("xxx")]
    assert len(long) == 1
    assert len(long[0]) == EXCEL_CELL_LIMIT
    assert long[0].endswith(f" … [cut, {LONG:,} characters in all]")


def test_safe_text():
    # The one sanitiser (slm_psr.sanitise): a bare CR is a line break, direction controls go too.
    assert safe_text("a\x00b\x1fc\x7fd\x85e\tf\ng\rh") == "abcde\tf\ng\nh"
    assert safe_text("Nord\u202ewind\u2066 AG\u2069") == "Nordwind AG"
    assert safe_text(12.5) == "12.5"
    assert safe_text("\ud800x") == "x"  # a lone surrogate would not encode
    short = "é" * EXCEL_CELL_LIMIT
    assert safe_text(short) == short
    # characters outside the BMP count twice towards Excel's limit
    wide = "😀" * 20_000
    cut = safe_text(wide)
    assert cut.endswith("[cut, 20,000 characters in all]")
    assert len(cut.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT


# --- readable and printable -------------------------------------------------------------


def test_print_setup_and_frozen_headers(book, cells):
    for name in SHEETS:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape", name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert "&P of &N" in ws.oddFooter.center.text, name
        assert ws.oddHeader.left.text, name
    for name, first in (
        ("summary", "Rank"),
        ("qualification", "Supplier"),
        ("scores", "Rank"),
        ("answers", "Supplier"),
    ):
        ws = book[name]
        header = next(i for i, row in enumerate(cells[name]) if row and row[0] == first) + 1
        assert ws.freeze_panes.endswith(str(header + 1)), name
        assert ws.print_title_rows == f"${header}:${header}", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{header}:"), name
        assert ws.page_setup.fitToWidth in (1, None), name


def test_number_formats_and_status_colours(book, cells):
    ws = book["summary"]
    header = next(i for i, row in enumerate(cells["summary"]) if row and row[0] == "Rank") + 1
    heads = {c.value: c.column_letter for c in ws[header] if c.value}
    row = header + 1
    total = next(v for k, v in heads.items() if k.startswith("Total"))
    price = next(v for k, v in heads.items() if k.startswith("Price over"))
    assert ws[f"{total}{row}"].number_format == "0.00"
    assert "EUR" in ws[f"{price}{row}"].number_format
    ws = book["scores"]
    header = next(i for i, row in enumerate(cells["scores"]) if row and row[0] == "Rank") + 1
    heads = {c.value: c.column_letter for c in ws[header] if c.value}
    assert ws[f"{heads['Share of the total']}{header + 1}"].number_format == "0.00%"
    assert ws[f"{heads['Points (0-10)']}{header + 1}"].number_format == "0.00"
    rules = [
        r.formula[0]
        for ws in (book["summary"], book["qualification"])
        for rng in ws.conditional_formatting
        for r in rng.rules
    ]
    for word in ('"pass"', '"fail"', '"review"', '"qualified"', '"disqualified"', '"needs review"'):
        assert word in rules


# --- variants ---------------------------------------------------------------------------


def test_ufab_extended_shows_z_and_finalists(tender):
    psr, responses = tender["psr"], tender["responses"]
    settings = psr.evaluation.model_copy(update={"method": Method.UFAB_EXTENDED, "tolerance": 0.1})
    ev = evaluate(psr, responses, settings=settings)
    data = write_comparison(ev, responses, generated_at=GENERATED)
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = table(wb.get_sheet_by_name("summary").to_python(skip_empty_area=False), "Rank")
    for record, (_, expected) in zip(rows, ev.suppliers.iterrows(), strict=True):
        assert same(column(record, "Z = L / P"), expected["value_Z"])
        assert same(column(record, "Performance points L"), expected["performance_L"])
        if not pd.isna(expected["rank"]):
            assert column(record, "Finalist") == ("yes" if expected["finalist"] else "no")
    prices = table(wb.get_sheet_by_name("prices").to_python(skip_empty_area=False), "Rank")
    assert all(same(column(r, "Z = L / P"), z) for r, z in zip(prices, ev.suppliers["value_Z"], strict=True))


def test_without_responses_the_answers_come_from_the_result(tender):
    ev = tender["ev"]
    data = write_comparison(ev, generated_at=dt.datetime(2027, 2, 10, 15, 30))  # naive: taken as UTC
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    answers = table(wb.get_sheet_by_name("answers").to_python(skip_empty_area=False), "Supplier")
    assert len(answers) == len(ev.scores)
    method = wb.get_sheet_by_name("method").to_python()
    assert ["Generated (UTC)", "2027-02-10 15:30:00"] in [row[:2] for row in method]
    files = table(wb.get_sheet_by_name("method").to_python(skip_empty_area=False), "File")
    assert [f["File"] for f in files] == [f for f in ev.suppliers["file"] if f]


def test_export_benchmark_smoke():
    from benchmarks.export_bench import run

    result = run(n_suppliers=4, n_requirements=24, repeats=1)
    assert result["ours_s"] > 0 and result["bare_s"] > 0 and result["cells"] > 100


def test_title_with_ampersand_and_control_characters_in_print_headers(tender):
    ev = tender["ev"]
    psr = ev.psr.model_copy(update={"title": "Service & support\x07 2027"})
    data = write_comparison(dataclasses.replace(ev, psr=psr), generated_at=GENERATED)
    ws = openpyxl.load_workbook(io.BytesIO(data))["summary"]
    assert ws.oddHeader.left.text == "&BService && support 2027"  # bold; "&&" prints one "&"
    assert ws["A1"].value == "Comparison: Service & support 2027"


def test_same_inputs_same_bytes(tender):
    again = write_comparison(
        tender["ev"],
        tender["responses"],
        files=tender["files"],
        audit=tender["audit"],
        generated_at=GENERATED,
    )
    assert again == tender["data"]


def test_never_a_negative_zero(tender):
    """Every number cell of every sheet: a -0 would print as '-0.00' in some readers."""
    with zipfile.ZipFile(io.BytesIO(tender["data"])) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                values = re.findall(r"<v>([^<]*)</v>", archive.read(name).decode("utf-8"))
                assert not [v for v in values if re.fullmatch(r"-0(\.0*)?(E[+-]?\d+)?", v)], name


def test_the_sheet_kit_writes_no_negative_zero():
    from slm_psr.excel.sheetkit import Column, Formats, Sheet, Styled

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = Sheet(wb, Formats(wb, "EUR"), "t", "title", "stamp", {})
    sheet.table([Column("a", 8, "points"), Column("b", 8)], [[-0.0, Styled(-0.0, "points")]])
    sheet.cell(sheet.row, 0, -0.0)
    wb.close()
    book = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    numbers = [c.value for row in book["t"].iter_rows() for c in row if isinstance(c.value, float | int)]
    assert numbers == [0, 0, 0] and all(math.copysign(1, v) == 1 for v in numbers)


def test_the_project_workbook_has_a_robustness_sheet(tmp_path):
    """The project service's workbook (app and `evaluate --project`) carries the stability
    intervals and the acceptability table, the same sentences the Comparison page shows."""
    import io

    import openpyxl

    from slm_psr.demo import DEMO_PROJECT
    from slm_psr.service import comparison_workbook, evaluate_project, open_project, robustness_of
    from slm_psr.store import Store

    with Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}") as store:
        state, audit = open_project(store, DEMO_PROJECT)
        book = openpyxl.load_workbook(io.BytesIO(comparison_workbook(state, audit)))
        result = evaluate_project(state)
    intervals, acc = robustness_of(result, None)
    cells = [str(c) for row in book["robustness"].iter_rows(values_only=True) for c in row if c is not None]
    assert intervals[0].sentence() in cells
    assert acc.describe().startswith("10,000 draws (each weight varied by up to ±20 %")
    assert "Rank 1" in cells and "Nordwind IT Services AG" in cells
