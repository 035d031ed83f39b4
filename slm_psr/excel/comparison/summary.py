"""The summary sheet: the winner, the ranking table with its chart, and the warnings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name

from slm_psr.engine.methods import METHODS
from slm_psr.excel.comparison.context import Context, is_ufab, rank_of
from slm_psr.excel.sheetkit import (
    Column,
    Sheet,
)
from slm_psr.wording import STATUS_WORDS, status_word

if TYPE_CHECKING:
    pass


# --- summary --------------------------------------------------------------------------


def _summary_columns(ctx: Context) -> list[tuple[Column, str]]:
    """(column, field of ev.suppliers or a computed name) for the ranking table."""
    mp = f"{ctx.max_points:g}"
    cur = ctx.psr.currency
    cols = [
        (Column("Rank", 5, "integer"), "rank"),
        (Column("Supplier", 34, "strong"), "supplier"),
        (Column("Status", 13, "center"), "status"),
        (Column("Winner", 8, "center"), "winner"),
    ]
    if is_ufab(ctx.method):
        cols += [
            (Column(f"Performance points L (0-{mp})", 14, "points"), "performance_L"),
            (Column(f"Price P over the term ({cur})", 18, "money"), "price_total"),
            (Column(f"Z = L / P (points per 1,000 {cur})", 16, "ratio"), "value_Z"),
        ]
        if METHODS[ctx.method].band:
            cols.append((Column("Finalist (tolerance band)", 12, "center"), "finalist"))
    else:
        cols += [
            (Column(f"Quality points (0-{mp})", 12, "points"), "quality_points"),
            (Column(f"Price points (0-{mp})", 12, "points"), "price_points"),
            (Column(f"Total (0-{mp})", 11, "points"), "total"),
            (Column(f"Price over the term ({cur})", 18, "money"), "price_total"),
        ]
    if "credit_at_minimums" in ctx.suppliers.columns:  # the PSR states contract terms
        cols += [
            (Column(f"At risk per month ({cur})", 14, "money"), "at_risk_amount"),
            (
                Column(f"Credit per month if every level fell to the minimum ({cur})", 18, "money"),
                "credit_at_minimums",
            ),
        ]
    cols += [
        (Column("Reasons (knock-outs, review)", 48, "wrap"), "reasons"),
        (Column("Override", 28, "wrap"), "override"),
    ]
    return cols


def write_summary(sheet: Sheet, ctx: Context, stamp: str) -> None:
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
        f"{len(ctx.status)} bids: {counts['qualified']} qualified, {counts['needs review']} "
        f"need{'s' if counts['needs review'] == 1 else ''} review, "
        f"{counts['disqualified']} disqualified. Method: {METHODS[ctx.method].words(ev.settings)}."
    )
    if ev.warnings:
        sheet.line(f"{len(ev.warnings)} warning(s): see below the ranking.", "strong")
    sheet.row += 1

    spec = _summary_columns(ctx)
    frame = ctx.suppliers
    data: list[list[Any]] = []
    for _, key in spec:
        if key == "status":
            data.append([status_word(s) for s in frame["status"].tolist()])
        elif key == "winner":
            data.append(["winner" if w else None for w in frame["winner"].tolist()])
        elif key == "rank":
            data.append([rank_of(r) for r in frame["rank"].tolist()])
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
        value_key = "value_Z" if is_ufab(ctx.method) else "total"
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
    sheet: Sheet, ctx: Context, header: int, n_ranked: int, name_col: int, value_col: int, at_row: int
) -> None:
    """A bar chart of the ranked bids (they come first in the table, best on top)."""
    chart = sheet.workbook.add_chart({"type": "bar"})
    name = sheet.ws.name
    first, last = header + 1, header + n_ranked
    what = (
        f"Z = L / P (points per 1,000 {ctx.psr.currency})"
        if is_ufab(ctx.method)
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
