"""The award record's section on priced level options and the award across lots (the chain and its caveat).

Written into the record's document by :func:`options_and_lots`; the figures are
the engine's (``engine.options`` and ``engine.award``), only put in words here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from slm_psr.model import PSR
from slm_psr.reports.document import Col, Document, num

if TYPE_CHECKING:
    from slm_psr.engine.award import AwardResult
    from slm_psr.engine.options import OptionsResult

HEADING = "9 Level options and the award across lots"

CHAIN_CAVEAT = (
    "Serial: the product of the lots' committed availability; parallel: 1 minus the product of their "
    "unavailabilities. Both assume that the lots fail independently; a shared cause (one data centre, one "
    "network) makes the real end-to-end availability lower."
)


def options_and_lots(
    doc: Document,
    psr: PSR,
    options: OptionsResult | None,
    lots: AwardResult | None,
    lot_notes: Sequence[str] = (),
) -> None:
    """Section 9: each bid at its best level options and the steps that do not pay; the award across lots."""
    doc.heading(HEADING)
    _options(doc, psr, options)
    _lots(doc, psr, lots, lot_notes)


def _options(doc: Document, psr: PSR, options: OptionsResult | None) -> None:
    doc.heading("Priced level options", level=2)
    if not any(r.options for r in psr.requirements):
        doc.para("The request opens no requirement to level options: each bid is evaluated as answered.")
        return
    if options is None or not options.has_options:
        doc.para("No supplier offered a readable level option: each bid is evaluated as answered.")
        return
    cur = psr.currency
    doc.para(
        "Each bid at its best combination of the levels it offered, under the published method, each "
        "measured against the others' best. The ranking above is of the bids as answered; the contract "
        "commits the awarded bid's levels taken here, their price differences in its charges.",
        muted=True,
    )
    bids = options.bids.dropna(subset=["best_total"]).sort_values("rank")
    doc.table_of(
        [Col("Supplier", 40), Col("Total as answered", 16, "R"), Col("Total at its best", 16, "R"),
         Col("Levels taken", 30), Col(f"Per month ({cur})", 16, "R")],
        [
            (row.supplier, num(row.base_total), num(row.best_total), row.chosen or "the answers as given",
             num(row.monthly))
            for row in bids.itertuples()
        ],
    )  # fmt: skip
    steps = options.levels.dropna(subset=["step_cost"])
    if len(steps):
        doc.para("What each level step costs over the term and earns (from the level below):", muted=True)
        doc.table_of(
            [Col("Supplier", 34), Col("Level", 22), Col(f"Step cost ({cur})", 16, "R"),
             Col("Quality points", 13, "R"), Col(f"{cur} per point", 14, "R"), Col("Change of the total", 14, "R")],
            [
                (row.supplier, f"{row.requirement} {row.level}", num(row.step_cost), num(row.step_points),
                 num(row.price_per_point), num(row.step_total))
                for row in steps.itertuples()
            ],
        )  # fmt: skip
    losing = [line for line in options.sentences() if "does not pay" in line]
    if losing:
        doc.bullets(losing)


def _lots(doc: Document, psr: PSR, result: AwardResult | None, notes: Sequence[str]) -> None:
    doc.heading("The award across lots", level=2)
    if psr.lots is None:
        doc.para("The request has no lots: it is awarded as a whole, as above.")
        return
    if result is None:
        doc.bullets(list(notes) or ["The lots cannot be awarded yet."])
        return
    problem, best = result.problem, result.best
    cur = problem.currency
    doc.para(
        "Each lot evaluated on its own services with the bids that cover it; the award across lots "
        "maximises the lots' weighted totals under the rules stated in the request, proven optimal by an "
        "exact optimisation (MILP).",
        muted=True,
    )
    if best.feasible:
        names = {lot.id: lot.label for lot in problem.lots}
        doc.table_of(
            [Col("Lot", 26), Col("Supplier", 38), Col("Quality points", 14, "R"),
             Col(f"Price over the term ({cur})", 20, "R"), Col("Bundle discount", 12, "R"),
             Col("Availability offered", 14, "R")],
            [
                (names.get(lot, lot), o.supplier, num(o.quality[k]), num(o.prices[k]),
                 f"{o.discount:.0%}" if o.discount else "-",
                 f"{o.availability[k]:g} %" if o.availability[k] is not None else "-")
                for o in best.chosen
                for k, lot in enumerate(o.lots)
            ],
        )  # fmt: skip
    doc.bullets([*(line.removeprefix("- ") for line in result.sentences()), *notes])
    if problem.chain is not None:
        doc.para(CHAIN_CAVEAT, size=8.5, muted=True)
