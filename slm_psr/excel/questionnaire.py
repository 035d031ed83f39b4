"""The supplier questionnaire: a PSR in, the bytes of an .xlsx workbook out.

The layout constants below are shared with ``responses`` (the reader), so the two
agree on sheet names, headers and where the answers are.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from slm_psr import __version__
from slm_psr.engine.contract import terms_in_words
from slm_psr.engine.methods import METHODS
from slm_psr.excel.sheetkit import SAFE_STRINGS, header_text, print_setup
from slm_psr.model import (
    PSR,
    SCHEMA_VERSION,
    Level,
    PriceBasis,
    Requirement,
)
from slm_psr.psr_file import content_hash

# --- layout shared with the reader ------------------------------------------------

INSTRUCTIONS_SHEET = "Instructions"
SUPPLIER_SHEET = "Supplier"
ANSWERS_SHEET = "Answers"
PRICES_SHEET = "Prices"
CONTRACT_SHEET = (
    "Contract terms"  # the questions on the contract terms: at-risk amount, acceptances, reporting
)
OPTIONS_SHEET = "Options"  # priced alternative levels, for the requirements the PSR opens to options
LOTS_SHEET = "Lots"  # which lots the bid covers (a PSR with lots only)
BUNDLES_SHEET = "Bundles"  # discounts on lots won together
META_SHEET = "_psr"
QUESTIONNAIRE_FORMAT = 1  # bump when the layout changes in a way the reader must know

HEADER_ROW = 3  # zero-based: title, one line of help, a blank row, then the headers
ID_HEADER = "ID"
ANSWER_HEADER = "Your answer"
AMOUNT_HEADER = "Amount"  # the price column's header starts with this word
COMMENT_HEADER = "Comment"
ANSWER_HEADERS = (
    ID_HEADER,
    "Service",
    "Requirement",
    "Minimum (knock-out)",
    "Target (full points)",
    "How to answer",
    ANSWER_HEADER,
    COMMENT_HEADER,
)
PRICE_HEADERS = (
    ID_HEADER,
    "Service",
    "Price item",
    "Basis",
    "Quantity",
    "Unit",
    AMOUNT_HEADER,  # completed with the currency, e.g. "Amount (EUR, excl. VAT)"
    COMMENT_HEADER,
)
OPTION_HEADER = "Option"
LEVEL_HEADER = "Level offered"
DIFFERENCE_HEADER = "Price difference per month"  # completed with the currency
OPTION_HEADERS = (
    ID_HEADER,
    "Service",
    "Requirement",
    "Minimum (knock-out)",
    OPTION_HEADER,
    LEVEL_HEADER,
    DIFFERENCE_HEADER,
    COMMENT_HEADER,
)
BID_HEADER = "Your bid (yes/no)"
LOT_HEADERS = (ID_HEADER, "Lot", "Services", BID_HEADER, COMMENT_HEADER)
BUNDLE_HEADER = "Bundle"
TOGETHER_HEADER = "Lots together"
DISCOUNT_HEADER = "Discount (%)"
CONDITION_HEADER = "Condition"
BUNDLE_HEADERS = (BUNDLE_HEADER, TOGETHER_HEADER, DISCOUNT_HEADER, CONDITION_HEADER)
ANSWER_COL = ANSWER_HEADERS.index(ANSWER_HEADER)
AMOUNT_COL = PRICE_HEADERS.index(AMOUNT_HEADER)
COMMENT_COL = ANSWER_HEADERS.index(COMMENT_HEADER)

# (key in Response.contact, label in column A of the Supplier sheet); the answer is in column B.
SUPPLIER_FIELDS = (
    ("company", "Company (legal name)"),
    ("contact", "Contact person"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("date", "Date of the offer"),
)
SUPPLIER_FIRST_ROW = 3  # zero-based row of the first field

# The _psr sheet: key/value rows from A1, a blank row, then the row map with this header.
META_KEYS = ("psr_id", "psr_version", "content_hash", "schema_version", "questionnaire_format", "generator")
ROW_MAP_HEADER = ("requirement_id", "sheet", "row", "answer_cell")

PERCENT_FORMAT = "0.0##%"  # 0.995 shows as 99.5%; Excel turns a typed 99.5 into 99.5% in such a cell
PRICE_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"  # keeps "24/7" from becoming the 24th of July in a German Excel

_BASIS_WORDS = {PriceBasis.MONTHLY: "monthly", PriceBasis.ONE_TIME: "one-time"}


# --- words ------------------------------------------------------------------------


def level_in_words(req: Requirement, level: Level, *, minimum: bool) -> str:
    """A minimum or target as a buyer would say it: 'at least 99.5 %', 'all of DE, EN, FR'."""
    if level is None or level == []:
        return "-"
    return req.kind.spec.level_in_words(req, level, minimum=minimum)


def how_to_answer(req: Requirement, currency: str = "EUR") -> str:
    """What the supplier types in the answer cell, in one line."""
    return req.kind.spec.how_to_answer(req, currency)


# --- the workbook -----------------------------------------------------------------


def write_questionnaire(psr: PSR, *, created: dt.datetime | None = None) -> bytes:
    """The questionnaire for ``psr`` as .xlsx bytes (for a file or a download button).

    Every text that comes from the PSR is written as a string, never as a formula.
    ``created`` fixes the document's creation time (default: now), e.g. for
    reproducible demo files.
    """
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, SAFE_STRINGS)
    wb.set_properties(
        {
            "title": f"Questionnaire {psr.id} version {psr.version}: {psr.title}",
            "subject": psr.title,
            "company": psr.buyer,
            "comments": f"Generated by slm-psr {__version__} from PSR {psr.id} version {psr.version}",
            "created": created or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
    )
    fmt = _Formats(wb)
    _instructions(wb.add_worksheet(INSTRUCTIONS_SHEET), psr, fmt)
    _supplier(wb.add_worksheet(SUPPLIER_SHEET), psr, fmt)
    questions = set(psr.contract_terms.question_ids()) if psr.contract_terms else set()
    answer_rows = _answers(
        wb.add_worksheet(ANSWERS_SHEET),
        psr,
        fmt,
        [r for r in psr.service_requirements if r.id not in questions],
        f"Answers: {psr.title}",
        f"Answer every requirement in the yellow column '{ANSWER_HEADER}'. Minimums are knock-out criteria.",
    )
    price_rows = _prices(wb.add_worksheet(PRICES_SHEET), psr, fmt)
    tables = [(ANSWERS_SHEET, answer_rows, ANSWER_COL), (PRICES_SHEET, price_rows, AMOUNT_COL)]
    if questions:
        ws = wb.add_worksheet(CONTRACT_SHEET)
        contract_rows = _answers(
            ws,
            psr,
            fmt,
            [r for r in psr.service_requirements if r.id in questions],
            f"Contract terms: {psr.title}",
            f"Service credits, termination rights and reporting: answer in the yellow column '{ANSWER_HEADER}' "
            "(yes or no, with conditions in the comment). Minimums are knock-out criteria.",
        )
        _terms_below(ws, psr, fmt, HEADER_ROW + 2 + len(contract_rows))
        tables.append((CONTRACT_SHEET, contract_rows, ANSWER_COL))
    from slm_psr.excel.offer_sheets import write_offer_sheets  # it uses this module's layout helpers

    write_offer_sheets(wb, psr, fmt)
    _meta(wb.add_worksheet(META_SHEET), psr, tables)
    wb.worksheets()[0].activate()
    wb.close()
    return out.getvalue()


class _Formats:
    """The few cell formats the questionnaire uses, made once per workbook."""

    def __init__(self, wb: Workbook):
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.subtitle = wb.add_format({**base, "italic": True, "font_color": "#444444"})
        self.heading = wb.add_format({**base, "bold": True, "font_size": 11})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.bold = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.warning = wb.add_format({**base, "bold": True, "text_wrap": True, "font_color": "#9C0006"})
        self.header = wb.add_format(
            {**base, "bold": True, "text_wrap": True, "bg_color": "#D9E1F2", "border": 1}
        )
        self.cell = wb.add_format({**base, "text_wrap": True, "border": 1})
        self.cell_id = wb.add_format({**base, "bold": True, "border": 1})
        self.cell_number = wb.add_format({**base, "border": 1, "num_format": "General"})
        answer = {**base, "border": 1, "locked": False, "bg_color": "#FFF2CC"}
        self.answer_text = wb.add_format({**answer, "num_format": TEXT_FORMAT, "text_wrap": True})
        self.answer_number = wb.add_format({**answer, "num_format": "General"})
        self.answer_percent = wb.add_format({**answer, "num_format": PERCENT_FORMAT})
        self.answer_price = wb.add_format({**answer, "num_format": PRICE_FORMAT})
        self.answer_date = wb.add_format({**answer, "num_format": "yyyy-mm-dd"})
        self.comment = wb.add_format({**answer, "num_format": TEXT_FORMAT, "text_wrap": True})

    def answer(self, req: Requirement) -> Any:
        """The answer cell's format, as the kind says (one of model.CELL_FORMATS)."""
        return {
            "percent": self.answer_percent,
            "number": self.answer_number,
            "price": self.answer_price,
            "text": self.answer_text,
        }[req.kind.spec.cell_format]


def _fit_row(ws: Worksheet, row: int, cells: Sequence[tuple[str, float]]) -> None:
    """Set a row's height for its wrapped texts (XlsxWriter cannot measure; Excel does not on open)."""
    lines = max((1 + int(len(text) / max(width * 1.15, 1)) for text, width in cells), default=1)
    if lines > 1:
        ws.set_row(row, 13.5 * lines + 1.5)


def _protect(ws: Worksheet) -> None:
    # No password: the protection keeps the structure intact, it hides nothing.
    ws.protect("", {"format_columns": True, "format_rows": True})


def _print_setup(ws: Worksheet, psr: PSR, *, repeat_header: bool) -> None:
    print_setup(
        ws,
        footer=f"&L{header_text(f'{psr.id} version {psr.version}')}&RPage &P of &N",
        side_margin=0.5,
        repeat_rows=HEADER_ROW if repeat_header else None,
    )


def _instructions(ws: Worksheet, psr: PSR, fmt: _Formats) -> None:
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 4, 26)
    ev = psr.evaluation
    row = 0
    ws.write_string(row, 0, f"Supplier questionnaire: {psr.title}", fmt.title)
    row += 1
    ws.write_string(row, 0, f"{psr.buyer}, request {psr.id} version {psr.version}", fmt.subtitle)
    row += 2
    facts = [
        ("Buyer", psr.buyer),
        ("Request", f"{psr.id}, version {psr.version}"),
        ("Deadline", f"{psr.deadline:%d %B %Y} ({psr.deadline.isoformat()})"),
        ("Contract term", f"{psr.term_months} months"),
        ("Currency", f"{psr.currency}, prices excluding VAT"),
    ]
    for label, value in facts:
        ws.write_string(row, 0, label, fmt.bold)
        ws.merge_range(row, 1, row, 4, "", fmt.text)
        ws.write_string(row, 1, value, fmt.text)
        row += 1
    row += 1
    ws.write_string(row, 0, "How to answer", fmt.heading)
    row += 1
    steps = [
        f"Fill in the sheet '{SUPPLIER_SHEET}' (company, contact, e-mail, phone, date).",
        f"In the sheet '{ANSWERS_SHEET}' answer every requirement in the yellow column "
        f"'{ANSWER_HEADER}'. The column 'How to answer' says what to type. "
        f"Use the column '{COMMENT_HEADER}' for conditions or explanations.",
        "Percentages: type 99.9 for 99.9 % (the cell shows 99.9%). Times: a number in the unit "
        "given (minutes, hours or business days). Service windows: pick one from the list or type "
        "e.g. Mon-Fri 08:00-18:00 or 24/7. Languages: two-letter codes such as DE, EN, FR. "
        "Yes/no: pick yes or no.",
        *(
            [
                f"In the sheet '{CONTRACT_SHEET}' state the share of the monthly invoice you put at risk "
                "for service credits, whether you accept the credit regime and each termination right "
                "(yes or no; conditions in the comment), and the business day your monthly report is "
                "delivered by. The terms themselves are listed below the questions."
            ]
            if psr.contract_terms and psr.contract_terms.question_ids()
            else []
        ),
        f"In the sheet '{PRICES_SHEET}' give every amount in {psr.currency} excluding VAT: a monthly "
        f"fee per month, a one-time fee once. The buyer compares the total over the contract term "
        f"({psr.term_months} x monthly fees + one-time fees).",
        *(
            [
                f"In the sheet '{OPTIONS_SHEET}' (optional) you may offer other levels than your answer "
                "for the requirements listed there, each with its price difference per month "
                f"(in {psr.currency} excluding VAT; negative when cheaper). Your answer in "
                f"'{ANSWERS_SHEET}' is your base offer; the buyer evaluates your bid at its best "
                "combination of levels and may contract any of them at the stated price."
            ]
            if any(r.options for r in psr.requirements)
            else []
        ),
        *(
            [
                f"In the sheet '{LOTS_SHEET}' say for each lot whether you bid on it (yes or no); answer "
                "the requirements and prices of the lots you bid on. "
                + (
                    f"In the sheet '{BUNDLES_SHEET}' you may offer a discount on lots won together: the "
                    "lot IDs (e.g. SD, HO) and the discount in percent on their prices; it applies only "
                    "when all of them are awarded to you."
                    if psr.lots.bundles
                    else ""
                )
            ]
            if psr.lots is not None
            else []
        ),
        "Type values, not formulas. Do not add, delete, rename or reorder sheets, rows or columns, "
        "and do not change the ID column: answers are matched by ID. The sheets are protected "
        "without a password only to keep this structure intact. A hidden technical sheet records "
        "which version of the request this questionnaire belongs to.",
        "Save as .xlsx (Excel or LibreOffice) without a password and without macros, and send the "
        "file before the deadline.",
    ]
    for number, step in enumerate(steps, start=1):
        ws.write_string(row, 0, f"{number}.", fmt.bold)
        ws.merge_range(row, 1, row, 4, "", fmt.text)
        ws.write_string(row, 1, step, fmt.text)
        _fit_row(ws, row, [(step, 120)])
        row += 1
    row += 1
    ws.write_string(row, 0, "Knock-out criteria and evaluation", fmt.heading)
    row += 1
    knock_out = (
        "The minimums below are knock-out criteria, disclosed in advance: an offer that misses any "
        "one minimum is excluded from the evaluation, whatever its price. An unanswered requirement "
        "with a minimum counts as missed."
    )
    if METHODS[ev.method].uses_price_points:
        method = (
            f"Offers that meet every minimum are compared on quality ({ev.quality_weight:g} %) and "
            f"price ({ev.price_weight:g} %)."
        )
    else:
        method = "Offers that meet every minimum are compared on quality points per price."
    evaluation = f"{method} An answer at or better than the target earns full points for that requirement."
    for text, style in ((knock_out, fmt.warning), (evaluation, fmt.text)):
        ws.merge_range(row, 0, row, 4, "", style)
        ws.write_string(row, 0, text, style)
        _fit_row(ws, row, [(text, 140)])
        row += 1
    row += 1
    ws.write_string(row, 0, "Minimums and targets", fmt.heading)
    row += 1
    for col, header in enumerate(("ID", "Service", "Requirement", "Minimum (knock-out)", "Target")):
        ws.write_string(row, col, header, fmt.header)
    row += 1
    for req in psr.service_requirements:
        ws.write_string(row, 0, req.id, fmt.cell_id)
        ws.write_string(row, 1, psr.service(req.service).name, fmt.cell)
        ws.write_string(row, 2, req.text, fmt.cell)
        ws.write_string(row, 3, level_in_words(req, req.minimum, minimum=True), fmt.cell)
        ws.write_string(row, 4, level_in_words(req, req.target, minimum=False), fmt.cell)
        _fit_row(ws, row, [(req.text, 60)])
        row += 1
    _print_setup(ws, psr, repeat_header=False)
    ws.set_portrait()
    _protect(ws)


def _supplier(ws: Worksheet, psr: PSR, fmt: _Formats) -> None:
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 50)
    ws.write_string(0, 0, "Supplier details", fmt.title)
    ws.write_string(1, 0, "Fill in the yellow cells.", fmt.subtitle)
    for offset, (key, label) in enumerate(SUPPLIER_FIELDS):
        row = SUPPLIER_FIRST_ROW + offset
        ws.write_string(row, 0, label, fmt.cell_id)
        if key == "date":
            ws.write_blank(row, 1, None, fmt.answer_date)
            ws.data_validation(
                row,
                1,
                row,
                1,
                {
                    "validate": "date",
                    "criteria": ">=",
                    "value": dt.date(2000, 1, 1),
                    "error_type": "warning",
                    "input_message": "The date of your offer, e.g. 2027-01-15",
                },
            )
        else:
            ws.write_blank(row, 1, None, fmt.answer_text)
    ws.freeze_panes(SUPPLIER_FIRST_ROW, 0)
    _print_setup(ws, psr, repeat_header=False)
    ws.set_portrait()
    _protect(ws)


def _table_header(
    ws: Worksheet, psr: PSR, title: str, help_text: str, headers: Sequence[str], fmt: _Formats
) -> None:
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(1, 0, help_text, fmt.subtitle)
    for col, header in enumerate(headers):
        ws.write_string(HEADER_ROW, col, header, fmt.header)
    ws.set_row(HEADER_ROW, 28)
    ws.freeze_panes(HEADER_ROW + 1, 1)
    _print_setup(ws, psr, repeat_header=True)


def _answers(
    ws: Worksheet, psr: PSR, fmt: _Formats, requirements: list[Requirement], title: str, help_text: str
) -> dict[str, int]:
    """One row per requirement given; returns requirement ID -> row (1-based)."""
    for col, width in enumerate((9, 16, 50, 22, 22, 30, 24, 40)):
        ws.set_column(col, col, width)
    _table_header(ws, psr, title, help_text, ANSWER_HEADERS, fmt)
    rows: dict[str, int] = {}
    row = HEADER_ROW + 1
    for req in requirements:
        ws.write_string(row, 0, req.id, fmt.cell_id)
        ws.write_string(row, 1, psr.service(req.service).name, fmt.cell)
        ws.write_string(row, 2, req.text, fmt.cell)
        ws.write_string(row, 3, level_in_words(req, req.minimum, minimum=True), fmt.cell)
        ws.write_string(row, 4, level_in_words(req, req.target, minimum=False), fmt.cell)
        ws.write_string(row, 5, how_to_answer(req, psr.currency), fmt.cell)
        _fit_row(ws, row, [(req.text, 50), (how_to_answer(req, psr.currency), 30)])
        ws.write_blank(row, ANSWER_COL, None, fmt.answer(req))
        ws.write_blank(row, COMMENT_COL, None, fmt.comment)
        validation = _validation(req)
        if validation:
            ws.data_validation(row, ANSWER_COL, row, ANSWER_COL, validation)
        rows[req.id] = row + 1
        row += 1
    _protect(ws)
    return rows


def _validation(req: Requirement) -> dict[str, Any] | None:
    """Data validation for an answer cell: warnings, so that a person can still type freely."""
    return req.kind.spec.validation(req, f"{req.id} {req.kind.label}"[:32])


def _prices(ws: Worksheet, psr: PSR, fmt: _Formats) -> dict[str, int]:
    """One row per price item, grouped by service in the PSR's service order."""
    headers = list(PRICE_HEADERS)
    headers[AMOUNT_COL] = f"{AMOUNT_HEADER} ({psr.currency}, excl. VAT)"
    for col, width in enumerate((9, 16, 50, 12, 10, 14, 20, 40)):
        ws.set_column(col, col, width)
    _table_header(
        ws,
        psr,
        f"Prices: {psr.title}",
        f"Amounts in {psr.currency} excluding VAT; monthly fees per month, one-time fees once.",
        headers,
        fmt,
    )
    order = {service.id: n for n, service in enumerate(psr.services)}
    items = sorted(psr.price_items, key=lambda r: order[r.service])  # sorted() is stable
    rows: dict[str, int] = {}
    row = HEADER_ROW + 1
    for req in items:
        ws.write_string(row, 0, req.id, fmt.cell_id)
        ws.write_string(row, 1, psr.service(req.service).name, fmt.cell)
        ws.write_string(row, 2, req.text, fmt.cell)
        ws.write_string(row, 3, _BASIS_WORDS[req.price_basis], fmt.cell)  # type: ignore[index]
        ws.write_number(row, 4, req.quantity, fmt.cell_number)
        ws.write_string(row, 5, req.unit or psr.currency, fmt.cell)
        _fit_row(ws, row, [(req.text, 50)])
        ws.write_blank(row, AMOUNT_COL, None, fmt.answer_price)
        ws.write_blank(row, COMMENT_COL, None, fmt.comment)
        ws.data_validation(
            row,
            AMOUNT_COL,
            row,
            AMOUNT_COL,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "error_type": "warning",
                "error_title": f"{req.id} price"[:32],
                "error_message": f"Type the amount in {psr.currency} excluding VAT, e.g. 12500.",
            },
        )
        rows[req.id] = row + 1
        row += 1
    _protect(ws)
    return rows


def _terms_below(ws: Worksheet, psr: PSR, fmt: _Formats, row: int) -> None:
    """The contract terms the questions refer to, below the table, in the requirement column.

    Column A stays empty, so the reader skips these rows as it skips any row without an ID.
    """
    ws.write_string(row, 2, "The contract terms you are asked to accept", fmt.heading)
    row += 1
    for topic, text in terms_in_words(psr):
        ws.write_string(row, 1, topic, fmt.bold)
        ws.merge_range(row, 2, row, 5, "", fmt.text)
        ws.write_string(row, 2, text, fmt.text)
        _fit_row(ws, row, [(text, 120)])
        row += 1


def _meta(ws: Worksheet, psr: PSR, tables: list[tuple[str, dict[str, int], int]]) -> None:
    """The technical sheet: which PSR, version and content this questionnaire was made from."""
    values = (
        psr.id,
        psr.version,
        content_hash(psr),
        SCHEMA_VERSION,
        QUESTIONNAIRE_FORMAT,
        f"slm-psr {__version__}",
    )
    for row, (key, value) in enumerate(zip(META_KEYS, values, strict=True)):
        ws.write_string(row, 0, key)
        if isinstance(value, int):
            ws.write_number(row, 1, value)
        else:
            ws.write_string(row, 1, value)
    row = len(META_KEYS) + 1
    for col, header in enumerate(ROW_MAP_HEADER):
        ws.write_string(row, col, header)
    for sheet, rows, col in tables:
        for rid, sheet_row in rows.items():
            row += 1
            ws.write_string(row, 0, rid)
            ws.write_string(row, 1, sheet)
            ws.write_number(row, 2, sheet_row)
            ws.write_string(row, 3, xl_rowcol_to_cell(sheet_row - 1, col))
    ws.very_hidden()
    _protect(ws)
