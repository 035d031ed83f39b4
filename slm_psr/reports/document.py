"""The printable document kit: an A4 PDF with headings, paragraphs, tables, charts and a sign-off block.

Built on fpdf2 (pure Python, no system libraries): text is real text (searchable,
extractable with ``pdftotext``), tables repeat their header row on every page,
and every page carries the document's title, reference and "page n of m". The
fonts (DejaVu Sans Condensed and Mono, shipped in ``fonts/``) cover Latin, Greek
and Cyrillic, so a supplier's name in any European language prints as typed.
Altair charts are rendered by vl-convert to PNG at print resolution.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.enums import TableBordersLayout, TableCellFillMode

FONTS = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVuSansCondensed"
MONO = "DejaVuSansMono"

# C0 controls but tab and newline, DEL, C1 controls and lone surrogates: nothing a
# printed record should carry from a bidder's file.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_CELL_CHARS = 4000  # a text longer than this is cut with a marker (a page holds ~6,000)
# A table row cannot break across pages (fpdf2), so a cell holds at most this many lines
# (about two thirds of a page at table type sizes); the rest is cut with a marker.
MAX_CELL_LINES = 40

INK = (33, 33, 33)
MUTED = (90, 90, 90)
RULE = (160, 160, 160)
HEADER_FILL = (221, 235, 247)
ZEBRA = (246, 246, 246)


def num(value: Any, digits: int = 2) -> str:
    """A figure with thousands separators, '-' for none (None, NA, NaN): '12,345.60'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):,.{digits}f}"


def money(value: Any, currency: str) -> str:
    """An amount and its currency, '-' for none: '1,234.00 EUR'."""
    text = num(value)
    return text if text == "-" else f"{text} {currency}"


def clean(value: object, limit: int | None = MAX_CELL_CHARS) -> str:
    """Printable text: control characters stripped, None as '', cut at ``limit`` (if any) with a marker."""
    if value is None:
        return ""
    text = _CONTROL.sub("", value if isinstance(value, str) else str(value))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f" … [cut, {len(text):,} characters in all]"
    return text


def fit_lines(text: str, width_mm: float, size_pt: float, max_lines: int = MAX_CELL_LINES) -> str:
    """``text`` cut to about ``max_lines`` wrapped lines in a column ``width_mm`` wide.

    An estimate on the safe side: a condensed glyph averages under 0.5 em, so a line
    holds at least ``width / (0.5 em)`` characters.
    """
    per_line = max(8, int(width_mm / (size_pt * 0.3528 * 0.5)))
    used = 0
    kept: list[str] = []
    for part in text.split("\n"):
        need = max(1, -(-len(part) // per_line))
        if used + need > max_lines:
            room = max(0, (max_lines - used - 1) * per_line)
            kept.append(part[:room] + f" … [cut, {len(text):,} characters in all]")
            return "\n".join(kept)
        kept.append(part)
        used += need
    return text


@dataclass(frozen=True)
class Col:
    """A table column: header text, relative width, alignment (L, C, R) and whether it is monospaced."""

    header: str
    width: float
    align: str = "L"
    mono: bool = False


class Document(FPDF):
    """An A4 portrait document with a running header and footer."""

    def __init__(self, title: str, reference: str, generated_at: dt.datetime):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = clean(title, 120)
        self.reference = clean(reference, 160)
        self.set_margins(16, 18, 16)
        self.set_auto_page_break(True, margin=16)
        self.add_font(SANS, "", FONTS / "DejaVuSansCondensed.ttf")
        self.add_font(SANS, "B", FONTS / "DejaVuSansCondensed-Bold.ttf")
        self.add_font(MONO, "", FONTS / "DejaVuSansMono.ttf")
        self.set_title(self.doc_title)
        self.set_creator("slm-psr")
        self.set_creation_date(generated_at)
        self.set_text_color(*INK)
        self.set_font(SANS, size=9.5)

    # --- page furniture ------------------------------------------------------------

    def header(self) -> None:
        self.set_font(SANS, size=7.5)
        self.set_text_color(*MUTED)
        self.set_y(8)
        self.cell(0, 4, self.doc_title, align="L")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 13, self.w - self.r_margin, 13)
        self.set_y(self.t_margin)
        self.set_text_color(*INK)
        self.set_font(SANS, size=9.5)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(SANS, size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, self.reference, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    @property
    def body_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    # --- text ----------------------------------------------------------------------

    def heading(self, text: str, level: int = 1) -> None:
        """A section heading (level 1 or 2), kept with the lines after it; level 1 goes in the outline."""
        size = {0: 18, 1: 13, 2: 10.5}[level]
        if self.get_y() > self.h - 50:
            self.add_page()
        self.ln(2 if level == 2 else 4)
        if level <= 1:
            self.start_section(clean(text, 120), level=0)
        self.set_font(SANS, "B", size)
        self.multi_cell(0, size * 0.5, clean(text, 300), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(SANS, size=9.5)
        self.ln(1.5)

    def para(self, text: str, *, size: float = 9.5, bold: bool = False, muted: bool = False) -> None:
        self.set_font(SANS, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.47, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(SANS, size=9.5)
        self.ln(1.2)

    def bullets(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.set_x(self.l_margin)
            self.cell(5, 4.5, "•")
            self.multi_cell(0, 4.5, clean(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.6)
        self.ln(1)

    def pairs(self, pairs: Sequence[tuple[str, Any]], *, label_width: float = 52) -> None:
        """Label/value lines (the tender's particulars); a hash-like value is monospaced."""
        for label, value in pairs:
            self.set_x(self.l_margin)
            self.set_font(SANS, "B", 9)
            self.cell(label_width, 4.8, clean(label, 80))
            text = clean(value)
            if re.fullmatch(r"[0-9a-f]{64}", text):
                self.set_font(MONO, size=8)
            else:
                self.set_font(SANS, size=9.5)
            self.multi_cell(0, 4.8, text or "-", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(SANS, size=9.5)
        self.ln(1.5)

    # --- tables --------------------------------------------------------------------

    def table_of(self, cols: Sequence[Col], rows: Sequence[Sequence[Any]], *, size: float = 8.5) -> None:
        """A table across the body width; the header repeats on each page, long text wraps."""
        if not rows:
            self.para("(none)", muted=True)
            return
        total = sum(c.width for c in cols)
        widths = tuple(self.body_width * c.width / total for c in cols)
        self.set_font(SANS, size=size)
        self.set_draw_color(*RULE)
        heading = FontFace(emphasis="BOLD", fill_color=HEADER_FILL, size_pt=size)
        mono = FontFace(family=MONO, size_pt=size - 1.5)  # a SHA-256 fits on one line
        with self.table(
            col_widths=widths,
            width=self.body_width,
            line_height=size * 0.48,
            padding=(0.9, 1.2),
            repeat_headings=1,
            headings_style=heading,
            borders_layout=TableBordersLayout.SINGLE_TOP_LINE,
            cell_fill_color=ZEBRA,
            cell_fill_mode=TableCellFillMode.ROWS,
            text_align=tuple(c.align for c in cols),
            v_align="TOP",
        ) as table:
            header = table.row()
            for c in cols:
                header.cell(clean(c.header, 200))
            for values in rows:
                row = table.row()
                for c, width, value in zip(cols, widths, values, strict=True):
                    row.cell(fit_lines(clean(value, None), width - 2.4, size), style=mono if c.mono else None)
        self.set_font(SANS, size=9.5)
        self.ln(2.5)

    # --- charts --------------------------------------------------------------------

    def chart(self, chart: Any, *, width_mm: float | None = None, note: str = "") -> None:
        """An altair chart rendered to PNG (vl-convert, 3x scale for print) and placed at the body width."""
        import vl_convert

        png = vl_convert.vegalite_to_png(chart.to_dict(), scale=3)
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            px_w, px_h = im.size
        width = min(width_mm or self.body_width, self.body_width)
        height = width * px_h / px_w
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, w=width, h=height)
        if note:
            self.para(note, size=8, muted=True)
        self.ln(2)

    # --- sign-off ------------------------------------------------------------------

    def sign_off(self, roles: Sequence[str], statement: str) -> None:
        """Signature boxes: per role name, date and signature lines, kept on one page."""
        needed = 22 + 30 * len(roles)
        if self.get_y() + needed > self.h - self.b_margin:
            self.add_page()
        self.para(statement)
        self.ln(2)
        for role in roles:
            top = self.get_y()
            self.set_font(SANS, "B", 9.5)
            self.cell(0, 5, clean(role, 120), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(SANS, size=8)
            self.set_text_color(*MUTED)
            third = self.body_width / 3
            y = top + 18
            self.set_draw_color(*INK)
            for i, label in enumerate(("Name", "Date", "Signature")):
                x0 = self.l_margin + i * third
                self.line(x0, y, x0 + third - 6, y)
                self.set_xy(x0, y + 0.8)
                self.cell(third - 6, 4, label)
            self.set_text_color(*INK)
            self.set_xy(self.l_margin, y + 9)
        self.set_font(SANS, size=9.5)

    def render(self) -> bytes:
        return bytes(self.output())
