"""The award workbook: the award across lots as a spreadsheet to file with the decision (award result in, bytes out).

Sheets: "award" (the sentences, the winner of each lot at its price, the
runner-up award), "rules" (each rule and what it costs: the award re-solved
without it), "chain" (each lot's committed availability and the end-to-end
figure of the best and the runner-up award, with the caveat that the product
assumes independent failures) and "bids" (every lot bid and bundle as the award
read them). Written with the sheet kit of the comparison workbook: bidder text
as plain strings, numbers as values, the same print set-up.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import xlsxwriter

from slm_psr import __version__
from slm_psr.engine.award import Award, AwardResult, Objective
from slm_psr.excel.sheetkit import WORKBOOK_OPTIONS, Column, Formats, Sheet, safe_text
from slm_psr.wording import status_word

SHEETS = ("award", "rules", "chain", "bids")

INDEPENDENCE_CAVEAT = (
    "Serial: the product of the lots' committed availability; parallel: 1 minus the product of their "
    "unavailabilities. Both assume that the lots fail independently: a shared cause (one data centre, "
    "one network) makes the real end-to-end availability lower."
)


def _utc(moment: dt.datetime | None) -> dt.datetime:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def write_award(
    result: AwardResult,
    *,
    title: str = "Award across lots",
    notes: list[str] | None = None,
    lot_tables: dict[str, pd.DataFrame] | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The award workbook as .xlsx bytes.

    ``notes`` are the lot evaluation's remarks (bids left out, bundles that could
    not be used); ``lot_tables`` each lot's supplier table when the award was built
    from a PSR (columns supplier, status, quality_points, price_total, rank);
    ``generated_at`` the time stamped on every page (default now, in UTC).
    """
    problem = result.problem
    moment = _utc(generated_at)
    stamp = f"{title}, generated {moment:%Y-%m-%d %H:%M} UTC"
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties(
        {
            "title": safe_text(f"Award: {title}")[:250],
            "author": f"slm-psr {__version__}",
            "created": moment.replace(tzinfo=None),
        }
    )
    fmt = Formats(wb, problem.currency)
    cache: dict[str, str] = {}
    sheets = {name: Sheet(wb, fmt, name, title, stamp, cache) for name in SHEETS}
    _write_award(sheets["award"], result, title, stamp, notes or [])
    _write_rules(sheets["rules"], result)
    _write_chain(sheets["chain"], result)
    _write_bids(sheets["bids"], result, lot_tables or {})
    for sheet in sheets.values():
        sheet.finish()
    sheets["award"].ws.activate()
    wb.close()
    return buf.getvalue()


def _share(percent: float | None) -> float | None:
    """A percentage as the share a percent-formatted cell holds (99.9 -> 0.999)."""
    return None if percent is None else percent / 100.0


def _winner_rows(result: AwardResult, award: Award) -> list[tuple[object, ...]]:
    """Per awarded lot: lot, supplier, quality, price after any bundle discount, discount, availability."""
    problem = result.problem
    names = {lot.id: lot.name for lot in problem.lots}
    rows = []
    for option in award.chosen:
        for k, lot in enumerate(option.lots):
            rows.append(
                (
                    lot,
                    names.get(lot, ""),
                    option.supplier,
                    option.quality[k],
                    option.prices[k],
                    option.discount or None,
                    _share(option.availability[k]),
                )
            )
    order = {lot.id: i for i, lot in enumerate(problem.lots)}
    return sorted(rows, key=lambda row: order.get(str(row[0]), len(order)))


def _winner_columns(cur: str, mp: float) -> list[Column]:
    return [
        Column("Lot", 8, "strong"),
        Column("Name", 24),
        Column("Supplier", 34),
        Column(f"Quality points (0-{mp:g})", 12, "points"),
        Column(f"Price over the term ({cur})", 18, "money"),
        Column("Bundle discount", 10, "percent"),
        Column("Committed availability", 13, "fine_percent"),
    ]


def _write_award(sheet: Sheet, result: AwardResult, title: str, stamp: str, notes: list[str]) -> None:
    problem, best = result.problem, result.best
    cur = problem.currency
    sheet.title(f"Award: {title}", stamp)
    how = (
        "highest value: the lots' weighted totals of quality and price points"
        if problem.objective is Objective.VALUE
        else "lowest price with every awarded lot at or above the quality floor"
    )
    sheet.pairs(
        [
            ("Objective", how),
            ("Weights", f"quality {problem.quality_weight:g}, price {problem.price_weight:g}")
            if problem.objective is Objective.VALUE
            else ("Quality floor", f"{problem.quality_floor:g} points" if problem.quality_floor else "none"),
            ("Lots", ", ".join(f"{lot.label} (weight {lot.weight:g})" for lot in problem.lots)),
            ("Rules", "; ".join(words for _, words in problem.rules.named()) or "none"),
        ]
    )
    sheet.line("The award in words", "section")
    for line in result.sentences():
        sheet.wrapped(0, line, 120)
    for note in notes:
        sheet.wrapped(0, note, 120)
    sheet.row += 1
    columns = _winner_columns(cur, problem.max_points)
    if best.feasible:
        sheet.line("The best award (proven optimal)", "section")
        sheet.pairs(
            [
                ("Value (weighted points)", best.value),
                (f"Price over the term ({cur})", best.price),
                ("Suppliers", len(best.suppliers())),
            ]
        )
        sheet.table(columns, _winner_rows(result, best), autofilter=False)
    second = result.runner_up
    sheet.line("The runner-up award", "section")
    if second is None or not second.feasible:
        sheet.line("No other award meets every rule.")
        return
    sheet.line(
        f"Value {second.value:.2f} ({best.value - second.value:.2f} less than the best), "
        f"price {second.price:,.2f} {cur}."
    )
    sheet.widths = False  # the columns are the best award's
    sheet.table(columns, _winner_rows(result, second), autofilter=False)


def _write_rules(sheet: Sheet, result: AwardResult) -> None:
    problem = result.problem
    cur = problem.currency
    sheet.title("The rules and what each one costs", "Each rule's price: the best award re-solved without it")
    if not result.rule_prices:
        sheet.line("The award states no rules.")
        return
    unit = "value points" if problem.objective is Objective.VALUE else cur
    sheet.table(
        [
            Column("Rule", 44, "wrap"),
            Column(f"Costs ({unit})", 14, "points" if problem.objective is Objective.VALUE else "money"),
            Column("Value without it", 12, "points"),
            Column(f"Price without it ({cur})", 18, "money"),
            Column("In words", 80, "wrap"),
        ],
        (
            (r["rule"], r["cost"], r["value_without"], r["price_without"], r["text"])
            for r in result.rule_prices
        ),
        autofilter=False,
    )


def _write_chain(sheet: Sheet, result: AwardResult) -> None:
    problem = result.problem
    names = {lot.id: lot.label for lot in problem.lots}
    sheet.title("End-to-end availability of the chain", "How the service users see depends on the lots")
    chain = problem.chain
    if chain is None:
        sheet.line("The award describes no chain of lots.")
        return
    minimum = problem.rules.chain_minimum
    sheet.pairs(
        [
            ("The chain", chain.words(names)),
            ("Minimum end to end", f"{minimum:g} % (a rule of the award)" if minimum else "none"),
        ]
    )
    awards = [("Best award", result.best), ("Runner-up award", result.runner_up)]
    shown = [(label, a) for label, a in awards if a is not None and a.feasible]
    of = [
        {lot: a for o in award.chosen for lot, a in zip(o.lots, o.availability, strict=True)}
        for _, award in shown
    ]
    rows: list[tuple[object, ...]] = []
    for lot in chain.lots():
        rows.append((names.get(lot, lot), *(_share(a.get(lot)) for a in of)))
    rows.append(("End to end", *(_share(award.end_to_end) for _, award in shown)))
    sheet.table(
        [Column("Lot", 30, "strong"), *(Column(label, 16, "fine_percent") for label, _ in shown)],
        rows,
        autofilter=False,
    )
    sheet.wrapped(0, INDEPENDENCE_CAVEAT, 120)


def _write_bids(sheet: Sheet, result: AwardResult, lot_tables: dict[str, pd.DataFrame]) -> None:
    problem = result.problem
    cur = problem.currency
    sheet.title(
        "The bids as the award read them", "Per lot: quality points, price over the term, qualification"
    )
    winners = result.best.winners() if result.best.feasible else {}
    sheet.table(
        [
            Column("Lot", 8, "strong"),
            Column("Supplier", 34),
            Column(f"Quality points (0-{problem.max_points:g})", 12, "points"),
            Column(f"Price over the term ({cur})", 18, "money"),
            Column("Committed availability", 13, "fine_percent"),
            Column("Qualified", 10, "center"),
            Column("Awarded", 10, "center"),
        ],
        (
            (
                b.lot,
                b.supplier,
                b.quality,
                b.price,
                _share(b.availability),
                b.qualified,
                winners.get(b.lot) == b.supplier,
            )
            for b in problem.bids
        ),
    )
    if problem.bundles:
        sheet.line("Bundle bids", "section")
        sheet.widths = False
        sheet.table(
            [Column("Lots", 8), Column("Supplier", 34), Column("Discount", 12, "percent")],
            ((", ".join(b.lots), b.supplier, b.discount) for b in problem.bundles),
            autofilter=False,
        )
    for lot_id, table in lot_tables.items():
        if table.empty:
            continue
        sheet.line(f"Lot {problem.lot(lot_id).label}: the lot's own evaluation", "section")
        sheet.widths = False
        ranked = table.sort_values("rank", na_position="last")
        sheet.table(
            [Column("Rank in the lot", 8, "integer"), Column("Supplier", 34), Column("Status", 12),
             Column("Quality points", 12, "points"), Column(f"Price over the term ({cur})", 18, "money")],
            (
                (None if pd.isna(r.rank) else int(r.rank), r.supplier, status_word(r.status), float(r.quality_points),
                 float(r.price_total))
                for r in ranked.itertuples()
            ),
            autofilter=False,
        )  # fmt: skip
