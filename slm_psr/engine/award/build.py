"""The award problem from a PSR with lots and the suppliers' responses: each lot evaluated on its own.

Per lot, a PSR of the lot's services (plus the services in no lot, such as the
contract terms, which count in every lot) is evaluated by the published method
with the bids that cover the lot; each bid's quality points, price over the term,
qualification and committed availability become its lot bid. The bundle offers
of the responses become bundle bids; the rules and the chain are the PSR's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from slm_psr.engine.award.problem import AwardProblem, Bundle, Lot, LotBid, Objective
from slm_psr.engine.evaluate import evaluate
from slm_psr.engine.qualify import QUALIFIED
from slm_psr.model import PSR, LotDef, Override, Response


@dataclass
class LotEvaluation:
    """The award problem and, per lot, the evaluation it came from (for a page or a record)."""

    problem: AwardProblem
    lots: dict[str, pd.DataFrame] = field(default_factory=dict)  # lot ID -> the lot's supplier table
    notes: list[str] = field(default_factory=list)


def lot_psr(psr: PSR, lot: LotDef) -> PSR:
    """The PSR of one lot: its services and those in no lot, their requirements and price items."""
    assert psr.lots is not None
    in_lots = {sid for other in psr.lots.lots for sid in other.services}
    keep = set(lot.services) | {s.id for s in psr.services if s.id not in in_lots}
    data = psr.model_dump(exclude={"lots", "contract_terms"})
    data["services"] = [s for s in data["services"] if s["id"] in keep]
    data["requirements"] = [r for r in data["requirements"] if r["service"] in keep]
    data["id"] = f"{psr.id}-{lot.id}"[:64]
    return PSR.model_validate(data)


def lot_availability(psr: PSR, lot: LotDef) -> str | None:
    """The requirement whose offered availability stands for the lot in the chain."""
    if lot.availability is not None:
        return lot.availability
    return next(
        (r.id for r in psr.requirements if r.service in lot.services and r.kind.spec.uptime),
        None,
    )


def award_problem(
    psr: PSR,
    responses: list[Response],
    *,
    overrides: list[Override] | tuple[Override, ...] = (),
    evaluator_scores: pd.DataFrame | None = None,
) -> LotEvaluation:
    """The award problem of a PSR with lots; raises ``ValueError`` for a PSR without lots."""
    if psr.lots is None:
        raise ValueError(f"{psr.id} has no lots: it is awarded as a whole (see the comparison)")
    ev = psr.evaluation
    bids: list[LotBid] = []
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for lot in psr.lots.lots:
        bidders = [r for r in responses if r.lots is None or lot.id in r.lots]
        if not bidders:
            notes.append(f"Lot {lot.label}: no bid covers it.")
            continue
        sub = lot_psr(psr, lot)
        names = {r.supplier for r in bidders}
        scores = evaluator_scores
        if scores is not None:
            scores = scores[
                scores["supplier"].isin(names) & scores["requirement"].isin({r.id for r in sub.requirements})
            ]
        result = evaluate(
            sub,
            bidders,
            overrides=[o for o in overrides if o.supplier in names and (o.requirement_id is None
                       or o.requirement_id in {r.id for r in sub.requirements})],
            evaluator_scores=scores if scores is not None and len(scores) else None,
        )  # fmt: skip
        tables[lot.id] = result.suppliers
        level = lot_availability(psr, lot)
        offered = {r.supplier: r.answer(level) for r in bidders} if level else {}
        for row in result.suppliers.itertuples():
            answer = offered.get(row.supplier)
            value = answer.value if answer is not None else None
            price = float(row.price_total)
            if not price > 0:
                notes.append(f"Lot {lot.id}, {row.supplier}: no positive price over the term; left out.")
                continue
            bids.append(
                LotBid(
                    supplier=row.supplier,
                    lot=lot.id,
                    quality=max(0.0, float(row.quality_points)),
                    price=price,
                    availability=float(value)
                    if isinstance(value, (int, float)) and 0 < value <= 100
                    else None,
                    qualified=row.status == QUALIFIED,
                )
            )
    placed = {(b.supplier, b.lot) for b in bids}
    bundles: list[Bundle] = []
    for response in responses:
        for offer in response.bundles:
            missing = [lot for lot in offer.lots if (response.supplier, lot) not in placed]
            if missing:
                notes.append(
                    f"{response.supplier}: bundle {', '.join(offer.lots)} left out: no priced bid on {', '.join(missing)}."
                )
                continue
            bundles.append(Bundle(supplier=response.supplier, lots=offer.lots, discount=offer.discount))
    services = {s.id: s.weight for s in psr.services}
    problem = AwardProblem(
        currency=psr.currency,
        objective=Objective.VALUE,
        quality_weight=ev.quality_weight,
        price_weight=ev.price_weight,
        max_points=ev.max_points,
        lots=[
            Lot(
                id=lot.id,
                name=lot.name,
                weight=lot.weight if lot.weight is not None else sum(services[s] for s in lot.services),
                volume=lot.volume,
            )
            for lot in psr.lots.lots
        ],
        bids=bids,
        bundles=bundles,
        rules=psr.lots.rules,
        chain=psr.lots.chain,
    )
    return LotEvaluation(problem, tables, notes)
