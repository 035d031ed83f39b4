"""Priced level options: every bid at its best combination of options, and what each level step costs and earns.

A supplier may offer, for the requirements the PSR opens to options, other levels
than its base answer, each at a monthly price difference (99.9 % at +2,000 EUR a
month). Each combination of a bid's levels is a *variant*: the base answers with
the chosen levels in place and the price differences added to the monthly fee
the option belongs to (``model.option_price_item``). All variants are qualified
and scored by the published method in one pass (``engine.core.compute``): a
variant's quality and knock-outs depend on itself alone; only the method's
relative parts (the lowest price, the best Z) depend on the field.

Each bid is then evaluated at its best combination: the variant with the highest
total (MEAT) or value Z (UfAB) against the other bids, each at its own best
(found in turns until no bid changes: with relative price formulas one bid's
choice moves the lowest price the others are measured against).

Per requirement and level the report gives the points the level earns, the
monthly price difference, and per step from the next lower level what it costs
over the term, the quality points it earns, the price per quality point, and the
change of the bid's total (negative: the step no longer pays for itself).

Worked example (hand calculation; the test ``test_options_worked_example`` checks it):
one requirement, availability, minimum 99.5 %, target 99.95 %, scored on allowed
downtime (linear in minutes, so the month's length cancels): points =
10 x (0.5 - u) / (0.5 - 0.05) with u the unavailability in percent; one monthly fee;
term 12 months; MEAT 60 % quality, 40 % price, lowest-price ratio, max 100.
Bid A: 99.5 % at 10,000 a month, options 99.9 % +2,000 and 99.95 % +5,000;
bid B: 99.9 % at 11,000 a month, no options.

- Quality Q = 100 x points / 10: 99.5 % -> 0; 99.9 % -> 100 x 0.4 / 0.45 = 88.889; 99.95 % -> 100.
- Term prices: A 120,000 / 144,000 / 180,000; B 132,000.
- A against B: base 0.6 x 0 + 0.4 x 100 = 40.000 (A is the lowest price);
  99.9 %: 0.6 x 88.889 + 0.4 x 100 x 132/144 = 53.333 + 36.667 = 90.000;
  99.95 %: 0.6 x 100 + 0.4 x 100 x 132/180 = 60 + 29.333 = 89.333. A's best: 99.9 %.
- B against A at 99.9 %: 0.6 x 88.889 + 0.4 x 100 = 93.333; B ranks first.
- Steps of A: 99.5 -> 99.9 % costs 24,000 over the term for 88.889 quality points
  (270.00 per point, total +50.000); 99.9 -> 99.95 % costs 36,000 for 11.111 points
  (3,240.00 per point, total -0.667: it does not pay for itself).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.core import compute, settle_overrides
from slm_psr.engine.evaluate import _service_weights
from slm_psr.engine.inputs import collect_inputs
from slm_psr.engine.methods import rank_bids
from slm_psr.engine.variants import Choice, choices, level_words, variant
from slm_psr.model import PSR, EvaluationSettings, Override, Response

MAX_COMBINATIONS = 256  # variants per bid; more options than this are refused with a note
MAX_TURNS = 20  # rounds of best answers before the search stops and says so
_SEP = "\x1f"  # joins a supplier's name and its variant number (never typed in a name)


@dataclass
class OptionsResult:
    """Each bid at its best combination, and each level's points and price (tables a buyer reads)."""

    psr: PSR
    settings: EvaluationSettings
    bids: pd.DataFrame  # per supplier: base total, best total, the levels chosen, price difference
    levels: pd.DataFrame  # per supplier, requirement and level: points, price, step cost and gain
    notes: list[str] = field(default_factory=list)
    converged: bool = True
    taken: dict[str, tuple[Choice, ...]] = field(default_factory=dict)  # supplier -> options of its best

    def options_of(self, supplier: str) -> tuple[Choice, ...]:
        """The level options a bid takes at its best combination (none: the answers as given)."""
        return self.taken.get(supplier, ())

    @property
    def has_options(self) -> bool:
        return not self.levels.empty

    def sentences(self) -> list[str]:
        """The result in words: which bids take options, and which steps do not pay."""
        cur = self.psr.currency
        lines = []
        for row in self.bids.itertuples():
            if row.chosen:
                lines.append(
                    f"{row.supplier}: best with {row.chosen} ({row.monthly:+,.2f} {cur} a month); "
                    f"total {row.base_total:.2f} -> {row.best_total:.2f}."
                )
        for row in self.levels.itertuples():
            if row.step_cost is not None and not pd.isna(row.step_cost) and row.step_total < 0:
                lines.append(
                    f"{row.supplier}, {row.requirement}: the step to {row.level} costs "
                    f"{row.step_cost:,.2f} {cur} over the term and lowers the total by "
                    f"{-row.step_total:.2f}: it does not pay for itself."
                )
        return [*lines, *self.notes]


def evaluate_options(
    psr: PSR,
    responses: list[Response],
    *,
    overrides: list[Override] | tuple[Override, ...] = (),
    evaluator_scores: pd.DataFrame | None = None,
    settings: EvaluationSettings | None = None,
    service_weights: dict[str, float] | None = None,
) -> OptionsResult:
    """Every bid at its best combination of level options under the published method."""
    settings = settings or psr.evaluation
    notes: list[str] = []
    rows: list[Response] = []
    owner: list[int] = []
    combos: list[tuple[Choice, ...]] = []
    offered: list[dict[str, list[Choice]]] = []
    for i, response in enumerate(responses):
        by_req = choices(psr, response)
        count = int(np.prod([len(c) for c in by_req.values()])) if by_req else 1
        if count > MAX_COMBINATIONS:
            notes.append(
                f"{response.supplier}: {count:,} combinations of options, more than {MAX_COMBINATIONS}; "
                "evaluated at the base offer only"
            )
            by_req = {}
        offered.append(by_req)
        for k, combo in enumerate(itertools.product(*by_req.values())):
            rows.append(variant(psr, response, combo, f"{response.supplier}{_SEP}{k}"))
            owner.append(i)
            combos.append(combo)
    inputs = collect_inputs(psr, rows, evaluator_scores=_spread(evaluator_scores, rows), settings=settings)
    spread = [o.model_copy(update={"supplier": r.supplier}) for o in overrides for r in rows
              if r.supplier.split(_SEP)[0] == o.supplier]  # fmt: skip
    weights = _service_weights(psr, service_weights)
    core = compute(
        inputs, settings, np.array(list(weights.values()), dtype=float), settle_overrides(inputs, spread)
    )
    owner_arr = np.array(owner, dtype=int)  # typed: with no bids yet an empty array must still index
    base_row = np.array([int(np.flatnonzero(owner_arr == i)[0]) for i in range(len(responses))], dtype=int)
    chosen, converged = _best_answers(core, owner_arr, base_row, settings)
    if not converged:
        notes.append(
            f"the best combinations still changed after {MAX_TURNS} rounds (the bids' choices move "
            "each other's lowest price); the last round is shown"
        )
    bids = _bid_table(psr, responses, core, combos, base_row, chosen, settings)
    levels = _level_table(
        psr, responses, inputs.requirements, core, combos, owner_arr, chosen, offered, settings
    )
    taken = {r.supplier: tuple(c for c in combos[chosen[i]] if c.number) for i, r in enumerate(responses)}
    return OptionsResult(psr, settings, bids, levels, notes, converged, taken)


def _spread(scores: pd.DataFrame | None, rows: list[Response]) -> pd.DataFrame | None:
    """The evaluators' scores of each bid, repeated for each of its variants."""
    if scores is None or scores.empty:
        return scores
    names = pd.DataFrame({"variant": [r.supplier for r in rows]})
    names["supplier"] = names["variant"].str.split(_SEP).str[0]
    merged = scores.merge(names, on="supplier")
    return merged.drop(columns="supplier").rename(columns={"variant": "supplier"})


def _totals(core: Any, picked: np.ndarray, settings: EvaluationSettings) -> np.ndarray:
    """The method's total (or Z) of the picked variants, measured against each other."""
    ranking = rank_bids(core.quality[picked], core.price_total[picked], core.eligible[picked], settings)
    return ranking.total


def _best_answers(
    core: Any, owner: np.ndarray, base_row: np.ndarray, settings: EvaluationSettings
) -> tuple[np.ndarray, bool]:
    """Each bid's best variant against the others' best, in turns until no bid changes."""
    chosen = base_row.copy()
    for _ in range(MAX_TURNS):
        changed = False
        for i in range(len(base_row)):
            best_row, best_total = chosen[i], _own_total(core, chosen, i, int(chosen[i]), settings)
            for row in np.flatnonzero(owner == i).tolist():
                total = _own_total(core, chosen, i, row, settings)
                if total > best_total + 1e-9 or (np.isnan(best_total) and not np.isnan(total)):
                    best_row, best_total = row, total
            if best_row != chosen[i]:
                chosen[i], changed = best_row, True
        if not changed:
            return chosen, True
    return chosen, False


def _own_total(core: Any, chosen: np.ndarray, i: int, row: int, settings: EvaluationSettings) -> float:
    picked = chosen.copy()
    picked[i] = row
    return float(_totals(core, picked, settings)[i])


def _bid_table(
    psr: PSR,
    responses: list[Response],
    core: Any,
    combos: list[tuple[Choice, ...]],
    base_row: np.ndarray,
    chosen: np.ndarray,
    settings: EvaluationSettings,
) -> pd.DataFrame:
    best_totals = _totals(core, chosen, settings)
    base_totals = _totals(core, base_row, settings)
    ranks = rank_bids(core.quality[chosen], core.price_total[chosen], core.eligible[chosen], settings).rank
    out = []
    for i, response in enumerate(responses):
        combo = combos[chosen[i]]
        taken = [c for c in combo if c.number]
        out.append(
            {
                "supplier": response.supplier,
                "base_total": base_totals[i],
                "best_total": best_totals[i],
                "rank": ranks[i],
                "chosen": ", ".join(f"{c.requirement_id} {level_words(psr, c)}" for c in taken),
                "monthly": sum(c.monthly for c in taken),
                "price": core.price_total[chosen[i]],
                "quality": core.quality[chosen[i]],
            }
        )
    return pd.DataFrame(out)


def _level_table(
    psr: PSR,
    responses: list[Response],
    requirements: list[Any],
    core: Any,
    combos: list[tuple[Choice, ...]],
    owner: np.ndarray,
    chosen: np.ndarray,
    offered: list[dict[str, list[Choice]]],
    settings: EvaluationSettings,
) -> pd.DataFrame:
    """Per bid, requirement and level: points, quality points, price, and the step from the level below.

    A level's row is the variant that differs from the bid's best combination in this
    requirement only, so the total shows what this one level does with the rest as chosen.
    """
    column = {q.id: j for j, q in enumerate(requirements)}
    out: list[dict[str, Any]] = []
    for i, response in enumerate(responses):
        best = {c.requirement_id: c.number for c in combos[chosen[i]]}
        for rid, levels in offered[i].items():
            j = column[rid]
            rows = []
            for choice in levels:
                want = {**best, rid: choice.number}
                row = next(r for r in np.flatnonzero(owner == i)
                           if {c.requirement_id: c.number for c in combos[r]} == want)  # fmt: skip
                picked = chosen.copy()
                picked[i] = row
                rows.append(
                    {
                        "supplier": response.supplier,
                        "requirement": rid,
                        "level": level_words(psr, choice),
                        "option": choice.number,
                        "monthly": choice.monthly,
                        "points": float(core.points[row, j]),
                        "quality_points": float(
                            settings.max_points * core.points[row, j] * core.effective[j] / 10.0
                        ),
                        "qualified": bool(core.eligible[row]),
                        "total": float(_totals(core, picked, settings)[i]),
                        "chosen": choice.number == best.get(rid, 0),
                    }
                )
            rows.sort(key=lambda r: (r["quality_points"], r["monthly"]))
            for before, after in zip([None, *rows[:-1]], rows, strict=True):
                if before is None:
                    after.update(step_cost=None, step_points=None, price_per_point=None, step_total=None)
                    continue
                cost = (after["monthly"] - before["monthly"]) * psr.term_months
                gain = after["quality_points"] - before["quality_points"]
                after.update(
                    step_cost=cost,
                    step_points=gain,
                    price_per_point=cost / gain if gain > 1e-12 else None,
                    step_total=after["total"] - before["total"],
                )
            out.extend(rows)
    columns = ["supplier", "requirement", "level", "option", "monthly", "points", "quality_points",
               "qualified", "total", "chosen", "step_cost", "step_points", "price_per_point", "step_total"]  # fmt: skip
    return pd.DataFrame(out, columns=columns)
