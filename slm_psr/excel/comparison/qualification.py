"""The qualification sheet: the knock-out matrix per bid, and the overrides that settled it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slm_psr.excel.comparison.context import Context
from slm_psr.excel.sheetkit import (
    Column,
    Sheet,
)
from slm_psr.model import format_level

if TYPE_CHECKING:
    pass


# --- qualification ----------------------------------------------------------------------


def write_qualification(sheet: Sheet, ctx: Context) -> None:
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
