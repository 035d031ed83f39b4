"""Evaluation, step 2: the arithmetic alone (knock-outs, SLA points, weights, price, method, ranking), pure numpy."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slm_psr.engine.inputs import (
    Inputs,
)
from slm_psr.engine.methods import (
    Ranking,
    effective_weights,
    rank_bids,
)
from slm_psr.engine.price import price_totals, term_factors
from slm_psr.engine.qualify import (
    DISQUALIFIED,
    NEEDS_REVIEW,
    QUALIFIED,
    knock_out_gate,
    meets_levels,
    status_of,
)
from slm_psr.engine.rules import sla_points
from slm_psr.model import (
    EvaluationSettings,
    Override,
)
from slm_psr.wording import WarningCode, WarningText

# --- 2. the arithmetic ------------------------------------------------------------


@dataclass
class Settled:
    """The overrides that count, resolved to cells: last one per (supplier, requirement)."""

    accepted_cells: list[tuple[int, int]] = field(default_factory=list)  # requirement cells
    accepted_prices: list[tuple[int, int]] = field(default_factory=list)
    rejected: dict[int, list[Override]] = field(default_factory=dict)  # cell-level rejections
    whole_bid: dict[int, Override] = field(default_factory=dict)
    by_supplier: dict[int, list[Override]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def settle_overrides(inputs: Inputs, overrides: list[Override] | tuple[Override, ...]) -> Settled:
    """Map overrides to supplier and requirement positions; unknown names become notes."""
    settled = Settled()
    sup = {name: i for i, name in enumerate(inputs.suppliers)}
    req = {r.id: j for j, r in enumerate(inputs.requirements)}
    price = {r.id: j for j, r in enumerate(inputs.price_items)}
    last: dict[tuple[str, str | None], Override] = {}
    for o in overrides:
        if o.supplier not in sup:
            settled.notes.append(
                WarningText(
                    WarningCode.OVERRIDE_IGNORED,
                    f"override for {o.supplier} ignored: no response from that supplier",
                )
            )
        elif o.requirement_id is not None and o.requirement_id not in req | price:
            settled.notes.append(
                WarningText(
                    WarningCode.OVERRIDE_IGNORED,
                    f"override for {o.supplier} ignored: requirement {o.requirement_id} is not in the PSR",
                )
            )
        else:
            last.pop((o.supplier, o.requirement_id), None)  # keep insertion order = last decision
            last[(o.supplier, o.requirement_id)] = o
    for (name, rid), o in last.items():
        i = sup[name]
        settled.by_supplier.setdefault(i, []).append(o)
        if rid is None:
            settled.whole_bid[i] = o
        elif o.decision == "reject":
            settled.rejected.setdefault(i, []).append(o)
        elif rid in req:
            settled.accepted_cells.append((i, req[rid]))
        else:
            settled.accepted_prices.append((i, price[rid]))
    return settled


@dataclass
class Core:
    """Every number of the evaluation, as arrays over suppliers (and requirements)."""

    meets_minimum: np.ndarray
    meets_target: np.ndarray
    fail: np.ndarray
    review: np.ndarray
    price_review: np.ndarray
    price_total_bad: np.ndarray
    status: np.ndarray
    points: np.ndarray  # 0..10, NaN for knock-out-only requirements
    share_in_service: np.ndarray
    service_share: np.ndarray
    service_index: np.ndarray
    effective: np.ndarray  # requirement's share of the quality points
    quality: np.ndarray  # 0..max_points
    price_total: np.ndarray
    eligible: np.ndarray
    ranking: Ranking


def compute(
    inputs: Inputs, settings: EvaluationSettings, service_weight: np.ndarray, settled: Settled
) -> Core:
    """Knock-outs, points, weights, price, method and ranking; numpy only (no reasons, no frames)."""
    lv = inputs.levels
    meets_min = meets_levels(inputs.value, lv.minimum, lv, inputs.set_meets_minimum)
    meets_target = meets_levels(inputs.value, lv.target, lv, inputs.set_meets_target)
    fail, review = knock_out_gate(meets_min, inputs.doubtful, lv.knock_out)
    price_review = inputs.price_doubtful.copy()
    if settled.accepted_cells:
        rows, cols = np.array(settled.accepted_cells).T
        fail[rows, cols] = review[rows, cols] = False
    if settled.accepted_prices:
        rows, cols = np.array(settled.accepted_prices).T
        price_review[rows, cols] = False

    points = sla_points(inputs.value, inputs.answered, meets_min, meets_target, lv)
    # An override admits a bid, never a level it does not offer: an answer below the
    # minimum earns no points (the extras rule would otherwise score missing French 10/10).
    below = lv.knock_out[None, :] & ~meets_min & inputs.answered
    points = np.where(below & ~np.isnan(points), 0.0, points)
    service_ids = [s.id for s in inputs.psr.services]
    service_index = np.array([service_ids.index(r.service) for r in inputs.requirements], dtype=int)
    typed = np.array([r.weight if r.is_scored else 0.0 for r in inputs.requirements], dtype=float)
    share_in_service, service_share, effective = effective_weights(typed, service_index, service_weight)
    quality = settings.max_points * (np.nan_to_num(points) @ effective) / 10.0

    price_total = price_totals(inputs.amounts, term_factors(inputs.price_items, inputs.psr.term_months))
    price_total_bad = price_total <= 0

    status = status_of(fail, review)
    status = np.where(
        status == QUALIFIED,
        np.where(price_review.any(axis=1) | price_total_bad, NEEDS_REVIEW, QUALIFIED),
        status,
    ).astype(object)
    for i in settled.rejected:
        status[i] = DISQUALIFIED
    for i, o in settled.whole_bid.items():
        status[i] = QUALIFIED if o.decision == "accept" else DISQUALIFIED
    # no override makes a bid without a positive price rankable
    status[(status == QUALIFIED) & price_total_bad] = NEEDS_REVIEW
    eligible = (status == QUALIFIED) & ~price_total_bad
    ranking = rank_bids(quality, price_total, eligible, settings)
    return Core(
        meets_minimum=meets_min,
        meets_target=meets_target,
        fail=fail,
        review=review,
        price_review=price_review,
        price_total_bad=price_total_bad,
        status=status,
        points=points,
        share_in_service=share_in_service,
        service_share=service_share,
        service_index=service_index,
        effective=effective,
        quality=quality,
        price_total=price_total,
        eligible=eligible,
        ranking=ranking,
    )
