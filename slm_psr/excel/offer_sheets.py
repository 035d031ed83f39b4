"""The questionnaire's sheets for what a bid may offer beyond one answer each: level options, lots, bundles.

Written by ``questionnaire.write_questionnaire`` (layout constants and helpers are
shared from there); read back by ``excel.options`` and ``excel.lots``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from slm_psr.excel.questionnaire import (
    BID_HEADER,
    BUNDLE_HEADERS,
    BUNDLES_SHEET,
    COMMENT_COL,
    DIFFERENCE_HEADER,
    HEADER_ROW,
    LEVEL_HEADER,
    LOT_HEADERS,
    LOTS_SHEET,
    OPTION_HEADERS,
    OPTIONS_SHEET,
    _fit_row,
    _protect,
    _table_header,
    _validation,
    level_in_words,
)
from slm_psr.model import PSR

if TYPE_CHECKING:
    from slm_psr.excel.questionnaire import _Formats


def write_offer_sheets(wb: Workbook, psr: PSR, fmt: _Formats) -> None:
    """The Options sheet when a requirement is open to options; Lots and Bundles when the PSR has lots."""
    if any(r.options for r in psr.requirements):
        _options(wb.add_worksheet(OPTIONS_SHEET), psr, fmt)
    if psr.lots is not None:
        _lots(wb.add_worksheet(LOTS_SHEET), psr, fmt)
        if psr.lots.bundles:
            _bundles(wb.add_worksheet(BUNDLES_SHEET), psr, fmt)


def _options(ws: Worksheet, psr: PSR, fmt: _Formats) -> None:
    """Rows for the alternative levels: per requirement open to options, one row per option.

    Not in the row map of the technical sheet (that maps one row per requirement);
    the reader finds the rows by requirement ID and option number.
    """
    headers = list(OPTION_HEADERS)
    headers[OPTION_HEADERS.index(DIFFERENCE_HEADER)] = f"{DIFFERENCE_HEADER} ({psr.currency}, excl. VAT)"
    for col, width in enumerate((9, 16, 44, 22, 8, 20, 22, 40)):
        ws.set_column(col, col, width)
    _table_header(
        ws,
        psr,
        f"Level options: {psr.title}",
        f"Optional: other levels than your answer, each with its price difference per month in {psr.currency} "
        "(negative when cheaper). Leave a row empty to offer nothing.",
        headers,
        fmt,
    )
    level_col, price_col = OPTION_HEADERS.index(LEVEL_HEADER), OPTION_HEADERS.index(DIFFERENCE_HEADER)
    row = HEADER_ROW + 1
    for req in psr.requirements:
        for number in range(1, (req.options or 0) + 1):
            ws.write_string(row, 0, req.id, fmt.cell_id)
            ws.write_string(row, 1, psr.service(req.service).name, fmt.cell)
            ws.write_string(row, 2, req.text, fmt.cell)
            ws.write_string(row, 3, level_in_words(req, req.minimum, minimum=True), fmt.cell)
            ws.write_number(row, 4, number, fmt.cell_number)
            _fit_row(ws, row, [(req.text, 44)])
            ws.write_blank(row, level_col, None, fmt.answer(req))
            validation = _validation(req)
            if validation:
                ws.data_validation(row, level_col, row, level_col, validation)
            ws.write_blank(row, price_col, None, fmt.answer_price)
            ws.data_validation(
                row,
                price_col,
                row,
                price_col,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": -1e12,
                    "maximum": 1e12,
                    "error_type": "warning",
                    "error_title": f"{req.id} option {number}"[:32],
                    "error_message": f"Type the difference per month in {psr.currency}, e.g. 2000 or -500.",
                },
            )
            ws.write_blank(row, COMMENT_COL, None, fmt.comment)
            row += 1
    _protect(ws)


def _lots(ws: Worksheet, psr: PSR, fmt: _Formats) -> None:
    """One row per lot: its services, and the supplier's yes or no."""
    assert psr.lots is not None
    for col, width in enumerate((9, 28, 44, 18, 40)):
        ws.set_column(col, col, width)
    _table_header(
        ws, psr, f"Lots: {psr.title}", "Say for each lot whether you bid on it (yes or no).", LOT_HEADERS, fmt
    )
    bid_col = LOT_HEADERS.index(BID_HEADER)
    for offset, lot in enumerate(psr.lots.lots):
        row = HEADER_ROW + 1 + offset
        names = ", ".join(psr.service(sid).name for sid in lot.services)
        ws.write_string(row, 0, lot.id, fmt.cell_id)
        ws.write_string(row, 1, lot.name or lot.id, fmt.cell)
        ws.write_string(row, 2, names, fmt.cell)
        ws.write_blank(row, bid_col, None, fmt.answer_text)
        ws.data_validation(row, bid_col, row, bid_col, {"validate": "list", "source": ["yes", "no"],
                                                         "error_type": "warning"})  # fmt: skip
        ws.write_blank(row, bid_col + 1, None, fmt.comment)
    _protect(ws)


def _bundles(ws: Worksheet, psr: PSR, fmt: _Formats) -> None:
    """Rows B1, B2, ... for discounts on lots won together."""
    assert psr.lots is not None
    for col, width in enumerate((9, 24, 14, 60)):
        ws.set_column(col, col, width)
    ids = ", ".join(lot.id for lot in psr.lots.lots)
    _table_header(
        ws,
        psr,
        f"Bundles: {psr.title}",
        f"Optional: a discount on lots won together. Lots by ID ({ids}), separated by commas; the discount "
        "in percent off their prices.",
        BUNDLE_HEADERS,
        fmt,
    )
    for n in range(psr.lots.bundles):
        row = HEADER_ROW + 1 + n
        ws.write_string(row, 0, f"B{n + 1}", fmt.cell_id)
        ws.write_blank(row, 1, None, fmt.answer_text)
        ws.write_blank(row, 2, None, fmt.answer_percent)
        ws.write_blank(row, 3, None, fmt.comment)
    _protect(ws)
