"""The comparison workbook: the evaluation as a spreadsheet to circulate, print and file.

``write_comparison`` returns the .xlsx bytes (the CLI writes them to a file, the app
offers them for download). Sheets: summary, qualification, scores, prices, method
and answers. Every string that came from a bidder is written as a plain string
cell (never a formula, a link or a number), with control characters stripped and
over-long text cut with a marker. Every number is written as a value, so a reader
that does not recalculate sees the same figures as Excel.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from slm_psr import __version__
from slm_psr.model import KIND_LABELS, PSR, Kind, Method, PriceBasis, Response, format_level
from slm_psr.psr_file import content_hash
from slm_psr.sanitise import clean_text

if TYPE_CHECKING:
    from slm_psr.engine import Evaluation

# Excel holds at most 32,767 UTF-16 units in a cell.
EXCEL_CELL_LIMIT = 32_767
# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two
# non-characters XML forbids: none has a place in a printed comparison.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

WORKBOOK_OPTIONS = {
    # constant_memory measured slower here (inline strings) and would empty the chart caches
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    # Top-aligned by default, so that plain text cells need no format of their own
    # (a format on each of hundreds of thousands of cells costs measurable time).
    "default_format_properties": {"valign": "top"},
}
SHEETS = ("summary", "qualification", "scores", "prices", "method", "answers")
STATUS_WORDS = {"qualified": "qualified", "disqualified": "disqualified", "needs_review": "needs review"}


# --- safe text ------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def safe_text(value: object) -> str:
    """Text fit for one cell: control characters (but tab and newline) stripped, cut at Excel's limit.

    The cut keeps the start and says how long the text was:
    ``'... … [cut, 40,000 characters in all]'``.
    """
    # Supplier text through the one sanitiser; then what XML cannot hold (surrogates, U+FFFE).
    text = _CONTROL.sub("", clean_text(value if isinstance(value, str) else str(value), lines=True))
    # A string shorter than half the limit cannot exceed it even in UTF-16.
    if len(text) > EXCEL_CELL_LIMIT // 2 and _utf16_len(text) > EXCEL_CELL_LIMIT:
        marker = f" … [cut, {len(text):,} characters in all]"
        keep = EXCEL_CELL_LIMIT - _utf16_len(marker)
        head = text.encode("utf-16-le", "surrogatepass")[: 2 * keep].decode("utf-16-le", "ignore")
        text = head + marker
    return text


def _header_text(text: str, limit: int = 80) -> str:
    """Text for a print header or footer: '&' doubled (a lone one starts a code), kept short."""
    text = " ".join(safe_text(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&&")


LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def _lines(text: str, width: float) -> int:
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


def _plain(value: Any) -> Any:
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


def _words(flags: Iterable[str]) -> str:
    """Flag values as words: ['needs_review', 'ambiguous'] -> 'needs review, ambiguous'."""
    return ", ".join(str(getattr(f, "value", f)).replace("_", " ") for f in flags)


# --- formats and sheet set-up ---------------------------------------------------------

_PASS = {"bg_color": "#C6EFCE", "font_color": "#006100"}
_FAIL = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
_REVIEW = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}


class _Formats:
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
        self.winner = wb.add_format({"bold": True, "bg_color": "#E2EFDA"})
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
class _Styled:
    """A value with its own format, for the odd row that differs from its column (subtotals)."""

    value: Any
    fmt: str


class _Sheet:
    """One worksheet written top to bottom: safe strings, tables, print set-up."""

    def __init__(
        self,
        wb: xlsxwriter.Workbook,
        fmt: _Formats,
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
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        ws.hide_gridlines(0)  # gridlines on screen and on paper
        ws.set_header(f"&L&B{_header_text(title)}&R{name}", {"margin": 0.3})
        ws.set_footer(f"&L{_header_text(stamp)}&CPage &P of &N&Rslm-psr {__version__}", {"margin": 0.3})

    def text(self, row: int, col: int, value: object, fmt: Format | None = None) -> None:
        """Any text, always through safe_text and write_string."""
        if value is None:
            return
        self.ws.write_string(row, col, safe_text(value), fmt)

    def cell(self, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """A number as a number (empty when missing), yes/no for booleans, anything else as text."""
        value = _plain(value)
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
                self.ws.write_number(row, col, value, fmt)
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
        lines = _lines(safe_text(text), width)
        if lines > 1:
            self.ws.set_row(self.row, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        self.row += 1

    def merged(self, first_col: int, last_col: int, text: str, width: float) -> None:
        """Text wrapped in cells merged across columns (of ``width`` characters together)."""
        clean = safe_text(text)
        # merge_range writes its value with write(); write the text itself with write_string.
        self.ws.merge_range(self.row, first_col, self.row, last_col, "", self.fmt.wrap)
        self.ws.write_string(self.row, first_col, clean, self.fmt.wrap)
        lines = _lines(clean, width)
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
            if isinstance(value, _Styled):
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
        header_lines = max((_lines(col.header, 0.9 * (col.width or 8.43)) for col in columns), default=1)
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
                        write_number(r, c, value, formats[c])
                elif kind is bool:
                    write_string(r, c, "yes" if value else "no", text_fmt)
                elif kind is _Styled:
                    self.cell(r, c, value.value, getattr(f, value.fmt))
                else:
                    self.cell(r, c, value, formats[c])
            if wrapped:
                lines = 1
                for c, width in wrapped:
                    value = values[c] if c < len(values) else None
                    if type(value) is str and (len(value) > width or "\n" in value):
                        lines = max(lines, _lines(value, width))
                if lines > 1:
                    ws.set_row(r, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines))
        last = max(r, header_row)
        if autofilter:
            ws.autofilter(header_row, 0, last, len(columns) - 1)
        if freeze_cols is not None:
            ws.freeze_panes(header_row + 1, freeze_cols)
            ws.repeat_rows(header_row)
        self.row = last + 2
        return header_row, last

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


# --- what the sheets share --------------------------------------------------------------


@dataclass
class _Context:
    """The evaluation plus lookups every sheet needs, computed once."""

    ev: Evaluation
    psr: PSR
    method: Method
    suppliers: pd.DataFrame  # ev.suppliers, ranked bids first by rank (the chart relies on it)
    status: dict[str, str]  # supplier -> status in words
    rank: dict[str, int | None]
    knock_outs: list[str]  # requirement IDs with a minimum, PSR order
    knock_out_result: dict[tuple[str, str], str]  # (supplier, requirement) -> pass/fail/review/accepted

    @property
    def max_points(self) -> float:
        return self.ev.settings.max_points


def _rank(value: Any) -> int | None:
    return None if value is None or value is pd.NA or value != value else int(value)


def _context(ev: Evaluation) -> _Context:
    suppliers = ev.suppliers.sort_values("rank", kind="stable", na_position="last")
    names = suppliers["supplier"].tolist()
    status = {
        n: STATUS_WORDS.get(s, str(s)) for n, s in zip(names, suppliers["status"].tolist(), strict=True)
    }
    rank = {n: _rank(r) for n, r in zip(names, suppliers["rank"].tolist(), strict=True)}
    knock_outs = [r.id for r in ev.psr.service_requirements if r.is_knock_out]
    return _Context(
        ev=ev,
        psr=ev.psr,
        method=ev.settings.method,
        suppliers=suppliers,
        status=status,
        rank=rank,
        knock_outs=knock_outs,
        knock_out_result=_knock_out_results(ev, set(knock_outs)),
    )


def _knock_out_results(ev: Evaluation, knock_outs: set[str]) -> dict[tuple[str, str], str]:
    """pass / fail / review / accepted / rejected for every supplier and knock-out requirement."""
    scores = ev.scores
    mask = scores["requirement"].isin(knock_outs).to_numpy()
    cells = zip(
        scores["supplier"].to_numpy()[mask].tolist(),
        scores["requirement"].to_numpy()[mask].tolist(),
        scores["gate"].to_numpy()[mask].tolist(),
        strict=True,
    )
    return {(supplier, rid): gate for supplier, rid, gate in cells}


def _is_ufab(method: Method) -> bool:
    return method is not Method.MEAT


# --- summary --------------------------------------------------------------------------


def _summary_columns(ctx: _Context) -> list[tuple[Column, str]]:
    """(column, field of ev.suppliers or a computed name) for the ranking table."""
    mp = f"{ctx.max_points:g}"
    cur = ctx.psr.currency
    cols = [
        (Column("Rank", 5, "integer"), "rank"),
        (Column("Supplier", 28, "strong"), "supplier"),
        (Column("Status", 13, "center"), "status"),
        (Column("Winner", 8, "center"), "winner"),
    ]
    if _is_ufab(ctx.method):
        cols += [
            (Column(f"Performance points L (0-{mp})", 14, "points"), "performance_L"),
            (Column(f"Price P over the term ({cur})", 18, "money"), "price_total"),
            (Column(f"Z = L / P (points per 1,000 {cur})", 16, "ratio"), "value_Z"),
        ]
        if ctx.method is Method.UFAB_EXTENDED:
            cols.append((Column("Finalist (tolerance band)", 12, "center"), "finalist"))
    else:
        cols += [
            (Column(f"Quality points (0-{mp})", 12, "points"), "quality_points"),
            (Column(f"Price points (0-{mp})", 12, "points"), "price_points"),
            (Column(f"Total (0-{mp})", 11, "points"), "total"),
            (Column(f"Price over the term ({cur})", 18, "money"), "price_total"),
        ]
    cols += [
        (Column("Reasons (knock-outs, review)", 48, "wrap"), "reasons"),
        (Column("Override", 28, "wrap"), "override"),
    ]
    return cols


def _write_summary(sheet: _Sheet, ctx: _Context, stamp: str) -> None:
    ev, psr = ctx.ev, ctx.psr
    sheet.title(f"Comparison: {psr.title}", f"{psr.buyer} · {stamp}")
    counts = {word: sum(1 for s in ctx.status.values() if s == word) for word in STATUS_WORDS.values()}
    winners = ev.winners
    if len(winners) == 1:
        sheet.line(f"Winner: {winners[0]}", "section")
    elif winners:
        sheet.line(f"Tie for first place: {' and '.join(winners)}", "section")
    else:
        sheet.line("No bid can be ranked yet", "section")
    sheet.line(
        f"{len(ctx.status)} bids: {counts['qualified']} qualified, {counts['needs review']} need review, "
        f"{counts['disqualified']} disqualified. Method: {ev.settings.method.value}"
        + (f", price formula {ev.settings.price_formula.value}" if ctx.method is Method.MEAT else "")
        + "."
    )
    if ev.warnings:
        sheet.line(f"{len(ev.warnings)} warning(s): see below the ranking.", "strong")
    sheet.row += 1

    spec = _summary_columns(ctx)
    frame = ctx.suppliers
    data: list[list[Any]] = []
    for _, key in spec:
        if key == "status":
            data.append([STATUS_WORDS.get(s, s) for s in frame["status"].tolist()])
        elif key == "winner":
            data.append(["winner" if w else None for w in frame["winner"].tolist()])
        elif key == "rank":
            data.append([_rank(r) for r in frame["rank"].tolist()])
        elif key == "reasons":
            data.append(
                ["\n".join(rs) if rs is not None and len(rs) else None for rs in frame["reasons"].tolist()]
            )
        elif key == "finalist":
            ranked = frame["rank"].notna().tolist()
            data.append(
                [
                    ("yes" if f else "no") if r else None
                    for f, r in zip(frame[key].tolist(), ranked, strict=True)
                ]
            )
        else:
            data.append(frame[key].tolist())
    columns = [col for col, _ in spec]
    header, last = sheet.table(columns, zip(*data, strict=True), freeze_cols=2)
    keys = [key for _, key in spec]
    sheet.status_colours(header + 1, keys.index("status"), last, keys.index("status"))
    if last > header:
        # The winner's row stands out; the rule reads a cell we wrote ("winner"), never bidder text.
        col = xl_col_to_name(keys.index("winner"))
        sheet.ws.conditional_format(
            header + 1,
            0,
            last,
            len(keys) - 1,
            {"type": "formula", "criteria": f'=${col}{header + 2}="winner"', "format": sheet.fmt.winner},
        )
    n_ranked = sum(1 for r in ctx.rank.values() if r is not None)
    chart_row = sheet.row
    if n_ranked:
        value_key = "value_Z" if _is_ufab(ctx.method) else "total"
        _insert_chart(sheet, ctx, header, n_ranked, keys.index("supplier"), keys.index(value_key), chart_row)
        sheet.row = chart_row + math.ceil(_chart_height(n_ranked) / 20) + 2  # rows are 20 px
    if ev.warnings:
        sheet.line("Warnings", "section")
        # Wrapped across the table's width: a warning can name a hundred bidders, and
        # text running past the last column would widen the printed page.
        widths = [col.width for col in columns]
        for warning in ev.warnings:
            sheet.text(sheet.row, 0, "•", sheet.fmt.text)
            sheet.merged(1, len(columns) - 1, warning, sum(widths[1:]))


def _chart_height(n_bars: int) -> int:
    return min(4000, 140 + 22 * n_bars)


def _insert_chart(
    sheet: _Sheet, ctx: _Context, header: int, n_ranked: int, name_col: int, value_col: int, at_row: int
) -> None:
    """A bar chart of the ranked bids (they come first in the table, best on top)."""
    chart = sheet.workbook.add_chart({"type": "bar"})
    name = sheet.ws.name
    first, last = header + 1, header + n_ranked
    what = (
        f"Z = L / P (points per 1,000 {ctx.psr.currency})"
        if _is_ufab(ctx.method)
        else f"Total points (0-{ctx.max_points:g})"
    )
    chart.add_series(
        {
            "name": what,
            "categories": [name, first, name_col, last, name_col],
            "values": [name, first, value_col, last, value_col],
            "fill": {"color": "#4472C4"},
            "data_labels": {"value": True, "num_format": "0.00"},
        }
    )
    chart.set_title({"name": f"Ranking: {what}", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})  # rank 1 at the top
    chart.set_x_axis({"min": 0, "num_format": "0"})
    chart.set_size({"width": 760, "height": _chart_height(n_ranked)})
    sheet.ws.insert_chart(at_row, 1, chart, {"object_position": 1})


# --- qualification ----------------------------------------------------------------------


def _write_qualification(sheet: _Sheet, ctx: _Context) -> None:
    ev, psr = ctx.ev, ctx.psr
    sheet.title(
        "Qualification: knock-out check",
        "Every requirement with a minimum is a knock-out. pass: met; fail: missed, the bid is "
        "disqualified; review: the answer must be confirmed before the bid can be ranked; "
        "accepted: missed, but settled by an override (see below).",
    )
    requirements = {r.id: r for r in psr.requirements}
    fixed = [
        Column("Supplier", 28, "strong"),
        Column("Status", 13, "center"),
        Column("Reasons", 48, "wrap"),
        Column("Override", 28, "wrap"),
    ]
    matrix = [
        Column(f"{rid}\n{format_level(requirements[rid], requirements[rid].minimum)}", 11, "center")
        for rid in ctx.knock_outs
    ]
    result = ctx.knock_out_result
    frame = ctx.suppliers

    def rows() -> Iterable[list[Any]]:
        for name, reasons, override in zip(
            frame["supplier"].tolist(), frame["reasons"].tolist(), frame["override"].tolist(), strict=True
        ):
            yield [
                name,
                ctx.status[name],
                "\n".join(reasons) if reasons is not None and len(reasons) else None,
                override or None,
                *(result.get((name, rid)) for rid in ctx.knock_outs),
            ]

    header, last = sheet.table([*fixed, *matrix], rows(), freeze_cols=2)
    sheet.status_colours(header + 1, 1, last, 1)
    sheet.status_colours(header + 1, len(fixed), last, len(fixed) + len(matrix) - 1)
    if len(matrix) > 30:
        # Too many knock-outs for one page width: print across pages, supplier column repeated.
        sheet.ws.fit_to_pages(0, 0)
        sheet.ws.repeat_columns(0, 1)

    sheet.line("Overrides", "section")
    if not ev.overrides:
        sheet.line("No overrides: the knock-out check stands as computed.")
        return
    # Below the matrix, in its columns (widths as above): justification in the wide one.
    columns = [
        Column("Supplier", 28, "strong"),
        Column("Decision", 13, "center"),
        Column("Justification", 48, "wrap"),
        Column("Requirement", 28),
        Column("By", 11),
        Column("When", 11),
    ]
    sheet.widths = False
    sheet.table(
        columns,
        (
            [
                o.supplier,
                "accepted" if o.decision == "accept" else "rejected",
                o.justification,
                o.requirement_id or "whole bid",
                o.who or None,
                o.when.isoformat(sep=" ", timespec="minutes") if o.when else None,
            ]
            for o in ev.overrides
        ),
        autofilter=False,
    )
    sheet.widths = True


# --- scores -----------------------------------------------------------------------------


def _write_scores(sheet: _Sheet, ctx: _Context) -> None:
    ev, psr = ctx.ev, ctx.psr
    mp = f"{ctx.max_points:g}"
    contribution_to = "L" if _is_ufab(ctx.method) else "total"
    sheet.title(
        "Scores per requirement",
        "Points 0-10 by the published rule; the weighted contribution is what the requirement adds "
        f"to the {contribution_to} (0-{mp}). Each service ends with a subtotal line. "
        "Filter by supplier to read one bid.",
    )
    columns = [
        Column("Rank", 5, "integer"),
        Column("Supplier", 24),
        Column("Status", 12),
        Column("Service", 13),
        Column("Req. ID", 8),
        Column("Requirement", 36),
        Column("Kind", 10),
        Column("Minimum", 11),
        Column("Target", 11),
        Column("Knock-out", 9),
        Column("Offered (as read)", 22),
        Column("Answer as submitted", 20),
        Column("Flags", 10),
        Column("Points (0-10)", 8, "points"),
        Column("Weight in service", 9, "percent"),
        Column(f"Share of the {contribution_to}", 9, "percent"),
        Column(f"Contribution (to the {contribution_to})", 12, "points"),
    ]
    scores = ev.scores
    scores = scores[scores["kind"] != Kind.PRICE.value]
    supplier_pos = {n: i for i, n in enumerate(ctx.suppliers["supplier"].tolist())}
    service_pos = {s.id: i for i, s in enumerate(psr.services)}
    requirement_pos = {r.id: i for i, r in enumerate(psr.requirements)}
    # Bids in ranking order, each by service, requirements in PSR order.
    order = np.lexsort(
        (
            scores["requirement"].map(requirement_pos).to_numpy(),
            scores["service"].map(service_pos).to_numpy(),
            scores["supplier"].map(supplier_pos).to_numpy(),
        )
    )

    def column(name: str, **kw: Any) -> list[Any]:
        return scores[name].to_numpy(**kw)[order].tolist()

    supplier = column("supplier")
    service = column("service")
    rid = column("requirement")
    kind = column("kind")
    minimum, target = column("minimum"), column("target")
    offered, raw, flags = column("offered"), column("raw"), column("flags")
    points = column("points", dtype=float, na_value=np.nan)
    in_service = column("requirement_weight", dtype=float, na_value=np.nan)
    share = column("effective_weight", dtype=float, na_value=np.nan)
    contribution = column("contribution", dtype=float, na_value=np.nan)

    services = ev.services
    subtotal = {
        (s, v): (name, w, q, c)
        for s, v, name, w, q, c in zip(
            services["supplier"].tolist(),
            services["service"].tolist(),
            services["name"].tolist(),
            services["service_weight"].tolist(),  # among the services
            services["quality_points"].tolist(),
            services["contribution"].tolist(),
            strict=True,
        )
    }
    texts = {r.id: r.text for r in psr.requirements}
    service_names = {s.id: s.name for s in psr.services}
    kinds = {k.value: KIND_LABELS[k] for k in Kind}
    dash = {"-": None}
    ko, status, rank = ctx.knock_out_result, ctx.status, ctx.rank

    w = ev.weights[ev.weights["level"] == "service"]
    service_share = dict(zip(w["id"].tolist(), w["effective"].tolist(), strict=True))  # of the total

    def subtotal_row(s: str, v: str) -> list[Any]:
        name, _, quality, contrib = subtotal.get((s, v), (service_names.get(v, v), None, None, None))
        line = (
            f"Subtotal {name}: {quality:.2f} of {mp} service points"
            if quality is not None
            else f"Subtotal {name}"
        )
        return [
            rank[s],
            s,
            status[s],
            _Styled(service_names.get(v, v), "subtotal_text"),
            _Styled("", "subtotal_text"),
            _Styled(line, "subtotal_text"),
            *([_Styled("", "subtotal_text")] * 8),
            _Styled("", "subtotal_text"),
            _Styled(service_share.get(v), "subtotal_percent"),
            _Styled(contrib, "subtotal_points"),
        ]

    def rows() -> Iterable[list[Any]]:
        n = len(supplier)
        for i in range(n):
            s, v = supplier[i], service[i]
            yield [
                rank[s],
                s,
                status[s],
                service_names.get(v, v),
                rid[i],
                texts.get(rid[i], ""),
                kinds.get(kind[i], kind[i]),
                dash.get(minimum[i], minimum[i]),
                dash.get(target[i], target[i]),
                ko.get((s, rid[i])),
                offered[i],
                raw[i],
                _words(flags[i]) if flags[i] is not None and len(flags[i]) else None,
                points[i],
                in_service[i],
                share[i],
                contribution[i],
            ]
            if i + 1 == n or supplier[i + 1] != s or service[i + 1] != v:
                yield subtotal_row(s, v)

    header, last = sheet.table(columns, rows(), freeze_cols=3)
    sheet.status_colours(header + 1, 2, last, 2)
    sheet.status_colours(header + 1, 9, last, 9)


# --- prices -----------------------------------------------------------------------------


def _write_prices(sheet: _Sheet, ctx: _Context) -> None:
    ev, psr = ctx.ev, ctx.psr
    cur, mp = psr.currency, f"{ctx.max_points:g}"
    sheet.title(
        "Prices",
        f"Amounts as offered per price item; the total over the {psr.term_months}-month term counts "
        f"monthly items x quantity x {psr.term_months} and one-time items x quantity.",
    )
    items = psr.price_items
    columns = [
        Column("Rank", 6, "integer"),
        Column("Supplier", 30, "strong"),
        Column("Status", 14, "center"),
    ]
    for item in items:
        if item.price_basis is PriceBasis.MONTHLY:
            basis = f"monthly, x {item.quantity:g} x {psr.term_months}"
        else:
            basis = f"one-time, x {item.quantity:g}"
        columns.append(Column(f"{item.id} {item.text}\n({basis})", 16, "money"))
    columns.append(Column(f"Total over the term ({cur})", 18, "money"))
    if _is_ufab(ctx.method):
        columns.append(Column(f"Z = L / P (points per 1,000 {cur})", 14, "ratio"))
        extra = "value_Z"
    else:
        columns.append(Column(f"Price points (0-{mp})", 12, "points"))
        extra = "price_points"
    columns.append(Column("Flags (price items)", 24, "wrap"))
    prices = ev.scores[ev.scores["kind"] == Kind.PRICE.value]
    flagged: dict[str, list[str]] = {}
    for s, r, f in zip(
        prices["supplier"].tolist(), prices["requirement"].tolist(), prices["flags"].tolist(), strict=True
    ):
        if f is not None and len(f):
            flagged.setdefault(s, []).append(f"{r}: {_words(f)}")
    amount = {
        (s, r): v
        for s, r, v in zip(
            prices["supplier"].tolist(),
            prices["requirement"].tolist(),
            prices["value"].to_numpy(dtype=float, na_value=np.nan).tolist(),
            strict=True,
        )
    }
    frame = ctx.suppliers
    rows = [
        [
            ctx.rank[s],
            s,
            ctx.status[s],
            *(amount.get((s, item.id)) for item in items),
            total,
            points,
            "\n".join(flagged.get(s, ())) or None,
        ]
        for s, total, points in zip(
            frame["supplier"].tolist(), frame["price_total"].tolist(), frame[extra].tolist(), strict=True
        )
    ]
    header, last = sheet.table(columns, rows, freeze_cols=2)
    sheet.status_colours(header + 1, 2, last, 2)


# --- method: how, with which weights, from which files ------------------------------

_METHOD_WIDTHS = (32, 72, 30, 36, 14, 14, 14)


def _write_method(
    sheet: _Sheet,
    ctx: _Context,
    files: Sequence[tuple[str, str]],
    responses: Sequence[Response] | None,
    audit: Sequence[dict[str, Any]] | None,
    moment: dt.datetime,
) -> None:
    ev, psr, settings = ctx.ev, ctx.psr, ctx.ev.settings
    sheet.title("Method and sources", f"How the bids were compared, and from which files ({psr.id})")
    # Several tables share these columns: B is the wide one (descriptions, names, hashes).
    sheet.widths = False
    for col, width in enumerate(_METHOD_WIDTHS):
        sheet.ws.set_column(col, col, width)

    sheet.line("Tender", "section")
    sheet.pairs(
        [
            ("Title", psr.title),
            ("Buyer", psr.buyer),
            ("PSR ID", psr.id),
            ("PSR version", _Styled(psr.version, "integer")),
            ("PSR content hash (SHA-256)", _Styled(content_hash(psr), "mono")),
            ("Currency", psr.currency),
            ("Contract term (months)", _Styled(psr.term_months, "integer")),
            ("Deadline", psr.deadline.isoformat()),
        ]
    )

    sheet.line("Method", "section")
    for line in ev.method_description().split("\n"):
        sheet.wrapped(1, line, _METHOD_WIDTHS[1])
    sheet.row += 1
    typed_total = settings.quality_weight + settings.price_weight
    params: list[tuple[str, Any]] = [("Method", settings.method.value)]
    if settings.method is Method.MEAT:
        params += [
            ("Quality weight (as typed)", _Styled(settings.quality_weight, "weight")),
            ("Quality weight (normalised)", _Styled(settings.quality_weight / typed_total, "percent")),
            ("Price weight (as typed)", _Styled(settings.price_weight, "weight")),
            ("Price weight (normalised)", _Styled(settings.price_weight / typed_total, "percent")),
            ("Price formula", settings.price_formula.value),
        ]
        if settings.price_ceiling is not None:
            params.append(("Price ceiling Pq", _Styled(settings.price_ceiling, "money")))
        if settings.price_max is not None:
            params.append(("Price maximum Pmax", _Styled(settings.price_max, "money")))
        if settings.price_optimum is not None:
            params.append(("Price optimum Popt", _Styled(settings.price_optimum, "money")))
    params += [
        ("Maximum points", _Styled(settings.max_points, "weight")),
        ("Tolerance band s (UfAB extended)", _Styled(settings.tolerance, "percent")),
        ("Decision criterion (UfAB extended)", settings.decision_criterion.value.replace("_", " ")),
        ("Hours per business day", _Styled(settings.hours_per_business_day, "weight")),
        ("Relative method", "yes: adding or removing a bid can change the ranking" if ev.relative else "no"),
    ]
    sheet.pairs(params)

    sheet.line("Weights", "section")
    w = ev.weights
    sheet.table(
        [
            Column("Level", 32),
            Column("Name", 72, "wrap"),
            Column("ID", 30),
            Column("Service", 36),
            Column("Weight as typed", 14, "weight"),
            Column("Normalised (within its level)", 14, "percent"),
            Column("Effective share of the total", 14, "percent"),
        ],
        zip(
            w["level"].tolist(),
            w["name"].tolist(),
            w["id"].tolist(),
            w["service"].tolist(),
            w["weight"].tolist(),
            w["normalised"].tolist(),
            w["effective"].tolist(),
            strict=True,
        ),
        autofilter=False,
    )

    loo = ev.leave_one_out
    if len(loo):
        sheet.line("Ranking with each qualified bid left out", "section")
        sheet.table(
            [
                Column("Left out", 32),
                Column("Note", 72, "wrap"),
                Column("Winner", 30),
                Column("Winner without it", 36),
                Column("Winner changes", 14, "center"),
            ],
            zip(
                loo["left_out"].tolist(),
                loo["note"].tolist(),
                loo["winner"].tolist(),
                loo["winner_without"].tolist(),
                loo["winner_changes"].tolist(),
                strict=True,
            ),
            autofilter=False,
        )

    sheet.line("Input files", "section")
    by_file = {r.file: r for r in responses or ()}
    if not files:
        files = (
            [(r.file, r.sha256) for r in responses]
            if responses
            else [(f, "") for f in ev.suppliers["file"].tolist() if f]
        )
    supplier_by_file = dict(
        zip(ev.suppliers["file"].tolist(), ev.suppliers["supplier"].tolist(), strict=True)
    )
    file_rows = []
    for name, digest in files:
        response = by_file.get(name)
        file_rows.append(
            [
                name,
                _Styled(digest, "mono") if digest else None,
                response.supplier if response else supplier_by_file.get(name),
                "\n".join(f"{k}: {v}" for k, v in response.contact.items()) if response else None,
                "\n".join(response.notes) if response else None,
            ]
        )
    sheet.table(
        [
            Column("File", 32),
            Column("SHA-256", 72),
            Column("Supplier", 30),
            Column("Contact", 36, "wrap"),
            Column("Import notes", 50, "wrap"),
        ],
        file_rows,
        autofilter=False,
    )

    sheet.line("Generation", "section")
    sheet.pairs(
        [
            ("Generated (UTC)", moment.strftime("%Y-%m-%d %H:%M:%S")),
            ("slm-psr version", __version__),
        ]
    )
    if audit:
        # One row per entry: its first field (the time) in A, the other fields one per
        # line in the wide column B (entries differ in shape; before/after texts are long).
        sheet.line("Audit trail", "section")
        keys: list[str] = []
        for entry in audit:
            keys.extend(k for k in entry if k not in keys)
        first, rest = keys[0], keys[1:]
        sheet.table(
            [
                Column(str(first).replace("_", " ").capitalize(), _METHOD_WIDTHS[0]),
                Column("Entry", _METHOD_WIDTHS[1], "wrap"),
            ],
            (
                [
                    _plain(entry.get(first)),
                    "\n".join(
                        f"{k}: {_plain(entry[k])}"
                        for k in rest
                        if entry.get(k) is not None and entry.get(k) != ""
                    ),
                ]
                for entry in audit
            ),
            autofilter=False,
        )


# --- answers as submitted ---------------------------------------------------------------


def _write_answers(sheet: _Sheet, ctx: _Context, responses: Sequence[Response] | None) -> None:
    psr = ctx.psr
    sheet.title(
        "Answers as submitted",
        "Each supplier's answers exactly as typed, with what the import noticed "
        "(the value read from each answer is on 'scores').",
    )
    columns = [
        Column("Supplier", 28),
        Column("Req. ID", 10),
        Column("Service", 16),
        Column("Requirement", 44),
        Column("Answer as submitted", 44, "wrap"),
        Column("Flags", 16),
        Column("Notes", 40, "wrap"),
        Column("Comment", 32, "wrap"),
        Column("Cell", 11),
    ]
    services = {s.id: s.name for s in psr.services}
    requirements = {r.id: r for r in psr.requirements}
    order = {r.id: i for i, r in enumerate(psr.requirements)}

    def rows() -> Iterable[tuple[Any, ...]]:
        if responses is None:  # only the result: its raw answers and flags
            sc = ctx.ev.scores
            for s, rid, raw, flags in zip(
                sc["supplier"].tolist(),
                sc["requirement"].tolist(),
                sc["raw"].tolist(),
                sc["flags"].tolist(),
                strict=True,
            ):
                req = requirements.get(rid)
                yield (
                    s,
                    rid,
                    services.get(req.service) if req else None,
                    req.text if req else None,
                    raw,
                    _words(flags) if flags is not None and len(flags) else None,
                )
            return
        for response in responses:
            answers = sorted(
                response.answers.values(),
                key=lambda a: (order.get(a.requirement_id, len(order)), a.requirement_id),
            )
            for a in answers:
                req = requirements.get(a.requirement_id)
                yield (
                    response.supplier,
                    a.requirement_id,
                    services.get(req.service) if req else None,
                    req.text if req else "(not in this PSR)",
                    a.raw,
                    _words(a.flags) if a.flags else None,
                    "\n".join(a.notes) if a.notes else None,
                    a.comment,
                    a.cell,
                )

    sheet.table(columns, rows(), freeze_cols=2)


# --- the workbook -----------------------------------------------------------------------


def _utc(generated_at: dt.datetime | None) -> dt.datetime:
    moment = generated_at or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def write_comparison(
    evaluation: Evaluation,
    responses: list[Response] | None = None,
    *,
    files: list[tuple[str, str]] | None = None,
    audit: list[dict[str, Any]] | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The comparison workbook as .xlsx bytes.

    ``responses`` are the supplier answers as read (for the 'answers' sheet and the
    contacts); ``files`` the input files as (file name, SHA-256), by default taken
    from the responses; ``audit`` the audit trail entries (dicts, one row each);
    ``generated_at`` the time stamped on every page (default now, in UTC).
    """
    psr = evaluation.psr
    moment = _utc(generated_at)
    stamp = f"PSR {psr.id} version {psr.version}, generated {moment:%Y-%m-%d %H:%M} UTC"
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties(
        {
            "title": safe_text(f"Comparison: {psr.title}")[:250],
            "subject": safe_text(f"PSR {psr.id} version {psr.version}")[:250],
            "author": f"slm-psr {__version__}",
            "company": safe_text(psr.buyer)[:250],
            "created": moment.replace(tzinfo=None),
        }
    )
    fmt = _Formats(wb, psr.currency)
    cache: dict[str, str] = {}
    sheets = {name: _Sheet(wb, fmt, name, psr.title, stamp, cache) for name in SHEETS}
    ctx = _context(evaluation)
    _write_summary(sheets["summary"], ctx, stamp)
    _write_qualification(sheets["qualification"], ctx)
    _write_scores(sheets["scores"], ctx)
    _write_prices(sheets["prices"], ctx)
    _write_method(sheets["method"], ctx, files or [], responses, audit, moment)
    _write_answers(sheets["answers"], ctx, responses)
    sheets["summary"].ws.activate()
    wb.close()
    return buf.getvalue()
