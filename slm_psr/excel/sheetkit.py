"""The sheet kit: safe text, cell formats, column set-up and a top-to-bottom sheet writer for .xlsx.

Shared by the workbooks slm-psr writes (the comparison and the questionnaire): every
string goes through :func:`safe_text` and ``write_string`` (never a formula, a link or
a number), numbers are written as values, and print set-up is the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from slm_psr import __version__
from slm_psr.sanitise import clean_text

# Excel holds at most 32,767 UTF-16 units in a cell.
EXCEL_CELL_LIMIT = 32_767
# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two
# non-characters XML forbids: none has a place in a printed comparison.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Every workbook: strings stay strings (no formula, link or number made of a text).
SAFE_STRINGS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
WORKBOOK_OPTIONS = {
    # in memory: constant_memory measured slower here (inline strings) and would empty the chart caches
    **SAFE_STRINGS,
    # Top-aligned by default, so that plain text cells need no format of their own
    # (a format on each of hundreds of thousands of cells costs measurable time).
    "default_format_properties": {"valign": "top"},
}

# --- safe text ------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def safe_text(value: object) -> str:
    """Text fit for one cell: control characters (but tab and newline) stripped, cut at Excel's limit.

    The cut keeps the start and says how long the text was:
    ``'... … [cut, 40,000 characters in all]'``.
    """
    # Supplier text through the one sanitiser; then what XML cannot hold (surrogates, U+FFFE).
    text = _CONTROL.sub("", clean_text(value if isinstance(value, str) else str(value), lines=True))
    # A string shorter than half the limit cannot exceed it even in UTF-16.
    if len(text) > EXCEL_CELL_LIMIT // 2 and utf16_len(text) > EXCEL_CELL_LIMIT:
        marker = f" … [cut, {len(text):,} characters in all]"
        keep = EXCEL_CELL_LIMIT - utf16_len(marker)
        head = text.encode("utf-16-le", "surrogatepass")[: 2 * keep].decode("utf-16-le", "ignore")
        text = head + marker
    return text


def header_text(text: str, limit: int = 80) -> str:
    """Text for a print header or footer: '&' doubled (a lone one starts a code), kept short."""
    text = " ".join(safe_text(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&&")


LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a wrapped cell needs at a column width (in characters): greedy word wrap.

    An estimate, set as the row height because LibreOffice does not grow rows for
    wrapped text when it opens a file.
    """
    capacity = max(1.0, width * 1.1)  # a column width counts digits; text runs a little narrower
    total = 0
    for part in text.split("\n"):
        if len(part) <= capacity:
            total += 1
        elif len(part) > 2000:
            total += math.ceil(len(part) / (capacity * 0.9))
        else:
            lines, used = 1, 0.0
            for word in part.split(" "):
                if used and used + 1 + len(word) > capacity:
                    lines, used = lines + 1, 0.0
                used += len(word) + (1 if used else 0)
                while used > capacity:  # a word longer than the line breaks anywhere
                    lines, used = lines + 1, used - capacity
            total += lines
    return total


def plain(value: Any) -> Any:
    """A cell value: numbers stay numbers, missing values None, lists and the rest text."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- formats and sheet set-up ---------------------------------------------------------

_GRID = {"border": 1, "border_color": "#BFBFBF"}  # the tables' light grid on paper
_PASS = {"bg_color": "#C6EFCE", "font_color": "#006100", **_GRID}
_FAIL = {"bg_color": "#FFC7CE", "font_color": "#9C0006", **_GRID}
_REVIEW = {"bg_color": "#FFEB9C", "font_color": "#9C5700", **_GRID}


class Formats:
    """The workbook's cell formats, made once (XlsxWriter formats belong to one workbook)."""

    def __init__(self, wb: xlsxwriter.Workbook, currency: str):
        top = {"valign": "top"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#595959"})
        self.section = wb.add_format({"bold": True, "font_size": 12})
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.strong = wb.add_format({"bold": True, "valign": "top"})
        self.text: Format | None = None  # the default format (top-aligned, see WORKBOOK_OPTIONS)
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.mono = wb.add_format({"font_name": "Consolas", "valign": "top"})
        self.center = wb.add_format({"align": "center", "valign": "top"})
        self.points = wb.add_format({"num_format": "0.00", **top})
        self.ratio = wb.add_format({"num_format": "0.000", **top})
        self.weight = wb.add_format({"num_format": "0.###", **top})
        self.percent = wb.add_format({"num_format": "0.00%", **top})
        self.fine_percent = wb.add_format({"num_format": "0.000%", **top})  # availability end to end
        self.integer = wb.add_format({"num_format": "0", **top})
        # The PSR validates the currency code as three capitals: safe inside the quotes.
        self.money = wb.add_format({"num_format": f'#,##0.00 "{currency}"', **top})
        grey = {"bold": True, "bg_color": "#F2F2F2", "valign": "top"}
        self.subtotal_text = wb.add_format(grey)
        self.subtotal_points = wb.add_format({**grey, "num_format": "0.00"})
        self.subtotal_percent = wb.add_format({**grey, "num_format": "0.00%"})
        self.pass_ = wb.add_format(_PASS)
        self.fail = wb.add_format(_FAIL)
        self.review = wb.add_format(_REVIEW)
        self.winner = wb.add_format({"bold": True, "bg_color": "#E2EFDA", **_GRID})
        self.grid = wb.add_format(_GRID)
        # label/value pairs on the method sheet: numbers aligned with the text beside them
        left = {"align": "left", "valign": "top"}
        self.left_integer = wb.add_format({"num_format": "0", **left})
        self.left_weight = wb.add_format({"num_format": "0.###", **left})
        self.left_percent = wb.add_format({"num_format": "0.00%", **left})
        self.left_money = wb.add_format({"num_format": f'#,##0.00 "{currency}"', **left})
        self.left_mono = wb.add_format({"font_name": "Consolas", **left})


@dataclass(frozen=True)
class Column:
    """One table column: header, width in characters, and the name of its cell format."""

    header: str
    width: float
    fmt: str = "text"


@dataclass(frozen=True)
class Styled:
    """A value with its own format, for the odd row that differs from its column (subtotals)."""

    value: Any
    fmt: str


def print_setup(
    ws: Worksheet,
    *,
    footer: str,
    header: str | None = None,
    side_margin: float = 0.4,
    header_margin: float | None = None,
    repeat_rows: int | None = None,
) -> None:
    """A4 landscape, one page wide and as many tall as needed, with a footer (and header).

    Header and footer texts use Excel's codes (&L, &P, ...): pass buyer or bidder
    text through :func:`header_text` first.
    """
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=side_margin, right=side_margin, top=0.7, bottom=0.7)
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    options = {} if header_margin is None else {"margin": header_margin}
    if header is not None:
        ws.set_header(header, options)
    ws.set_footer(footer, options)
    if repeat_rows is not None:
        ws.repeat_rows(repeat_rows)


class Sheet:
    """One worksheet written top to bottom: safe strings, tables, print set-up."""

    def __init__(
        self,
        wb: xlsxwriter.Workbook,
        fmt: Formats,
        name: str,
        title: str,
        stamp: str,
        cache: dict[str, str],
    ):
        self.workbook = wb
        self.ws: Worksheet = wb.add_worksheet(name)
        self.fmt = fmt
        self.widths = True  # tables set their column widths (not where several share the columns)
        # Cleaned text by original, shared by the sheets: names and requirement
        # texts repeat thousands of times.
        self.cache = cache
        self.row = 0
        self.grids: list[tuple[int, int, int, int]] = []  # table bodies, ruled by finish()
        print_setup(
            self.ws,
            header=f"&L&B{header_text(title)}&R{name}",
            footer=f"&L{header_text(stamp)}&CPage &P of &N&Rslm-psr {__version__}",
            header_margin=0.3,
        )
        # Gridlines on screen only: on paper they would rule every empty cell of the page;
        # the tables draw their own light grid (see table()).
        self.ws.hide_gridlines(1)

    def text(self, row: int, col: int, value: object, fmt: Format | None = None) -> None:
        """Any text, always through safe_text and write_string."""
        if value is None:
            return
        self.ws.write_string(row, col, safe_text(value), fmt)

    def cell(self, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """A number as a number (empty when missing), yes/no for booleans, anything else as text."""
        value = plain(value)
        if value is None:
            return
        if value == "":
            if fmt is not None:  # an empty cell that carries a format (a shaded subtotal line)
                self.ws.write_blank(row, col, None, fmt)
            return
        if isinstance(value, bool):
            self.ws.write_string(row, col, "yes" if value else "no", fmt)
        elif isinstance(value, (int, float)):
            if math.isfinite(value):
                self.ws.write_number(row, col, value or 0.0, fmt)  # never a negative zero
        else:
            self.text(row, col, value, fmt)

    def title(self, text: str, subtitle: str = "") -> None:
        self.text(self.row, 0, text, self.fmt.title)
        self.row += 1
        if subtitle:
            self.text(self.row, 0, subtitle, self.fmt.subtitle)
            self.row += 1
        self.row += 1

    def line(self, text: str, fmt: str = "text") -> None:
        self.text(self.row, 0, text, getattr(self.fmt, fmt))
        self.row += 1

    def wrapped(self, col: int, text: str, width: float) -> None:
        """A line of text wrapped in one cell, its row as tall as the text needs."""
        self.text(self.row, col, text, self.fmt.wrap)
        lines = wrapped_lines(safe_text(text), width)
        if lines > 1:
            self.ws.set_row(self.row, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        self.row += 1

    def merged(self, first_col: int, last_col: int, text: str, width: float) -> None:
        """Text wrapped in cells merged across columns (of ``width`` characters together)."""
        clean = safe_text(text)
        # merge_range writes its value with write(); write the text itself with write_string.
        self.ws.merge_range(self.row, first_col, self.row, last_col, "", self.fmt.wrap)
        self.ws.write_string(self.row, first_col, clean, self.fmt.wrap)
        lines = wrapped_lines(clean, width)
        if lines > 1:
            self.ws.set_row(self.row, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        self.row += 1

    def pairs(self, pairs: Sequence[tuple[str, Any]], width: float = 72) -> None:
        """Label/value lines, as on the method sheet, values left-aligned; a blank line after."""
        for label, value in pairs:
            self.text(self.row, 0, label, self.fmt.strong)
            if isinstance(value, str):
                self.wrapped(1, value, width)
                continue
            if isinstance(value, Styled):
                self.cell(self.row, 1, value.value, getattr(self.fmt, "left_" + value.fmt))
            else:
                self.cell(self.row, 1, value, self.fmt.wrap)
            self.row += 1
        self.row += 1

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        *,
        freeze_cols: int | None = None,
        autofilter: bool = True,
    ) -> tuple[int, int]:
        """A header row and data rows; returns (header row, last row) and moves below the table.

        Values are written by type: str as safe text, bool as yes/no, numbers in
        the column's format; None, NaN and NA leave the cell empty. With
        ``freeze_cols`` the header (and that many columns) stay on screen and the
        header row repeats on every printed page.
        """
        ws, f = self.ws, self.fmt
        header_row = self.row
        for c, col in enumerate(columns):
            ws.write_string(header_row, c, safe_text(col.header), f.header)  # may hold buyer text
            if self.widths:
                ws.set_column(c, c, col.width)
        # headers are bold: a little wider per character
        header_lines = max(
            (wrapped_lines(col.header, 0.9 * (col.width or 8.43)) for col in columns), default=1
        )
        if header_lines > 1:
            ws.set_row(header_row, min(MAX_ROW_HEIGHT, LINE_HEIGHT * header_lines))
        formats = [getattr(f, col.fmt) for col in columns]
        # (column, characters per line) of the wrapped columns: their rows get a height
        wrapped = [(c, col.width or 8.43) for c, col in enumerate(columns) if col.fmt == "wrap"]
        write_string, write_number = ws.write_string, ws.write_number
        cache, text_fmt = self.cache, f.text
        r = header_row
        # The hot loop of the export (hundreds of thousands of cells): kept flat.
        for values in rows:
            r += 1
            for c, value in enumerate(values):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    if value:
                        clean = cache.get(value)
                        if clean is None:
                            clean = safe_text(value)
                            if len(value) < 200:
                                cache[value] = clean
                        write_string(r, c, clean, formats[c])
                elif kind is float or kind is int:
                    if value - value == 0:  # finite: NaN and inf leave the cell empty
                        # ``or 0.0``: -0.0 is falsy, so a negative zero is written as 0
                        write_number(r, c, value or 0.0, formats[c])
                elif kind is bool:
                    write_string(r, c, "yes" if value else "no", text_fmt)
                elif kind is Styled:
                    self.cell(r, c, value.value, getattr(f, value.fmt))
                else:
                    self.cell(r, c, value, formats[c])
            if wrapped:
                lines = 1
                for c, width in wrapped:
                    value = values[c] if c < len(values) else None
                    if type(value) is str and (len(value) > width or "\n" in value):
                        lines = max(lines, wrapped_lines(value, width))
                if lines > 1:
                    ws.set_row(r, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        last = max(r, header_row)
        if last > header_row:
            self.grids.append((header_row + 1, 0, last, len(columns) - 1))
        if autofilter:
            ws.autofilter(header_row, 0, last, len(columns) - 1)
        if freeze_cols is not None:
            ws.freeze_panes(header_row + 1, freeze_cols)
            ws.repeat_rows(header_row)
        self.row = last + 2
        return header_row, last

    def finish(self) -> None:
        """Rule the tables' cells (empty ones included) with a light grid; call once, last.

        One conditional format per table, not a format per cell: that would cost time on
        big sheets and leave gaps where a cell is empty. Added after every other rule, so
        it has the lowest priority and LibreOffice (which applies one rule per cell) keeps
        the status colours and the winner's row.
        """
        for first_row, first_col, last_row, last_col in self.grids:
            self.ws.conditional_format(
                first_row, first_col, last_row, last_col, {"type": "no_errors", "format": self.fmt.grid}
            )
        self.grids = []

    def status_colours(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Green for pass/qualified, red for fail/disqualified, amber for review."""
        if last_row < first_row or last_col < first_col:
            return
        f = self.fmt
        for words, fmt in (
            (("pass", "qualified", "accepted"), f.pass_),
            (("fail", "disqualified", "rejected"), f.fail),
            (("review", "needs review"), f.review),
        ):
            for word in words:
                self.ws.conditional_format(
                    first_row,
                    first_col,
                    last_row,
                    last_col,
                    {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt},
                )
