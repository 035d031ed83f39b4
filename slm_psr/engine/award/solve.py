"""The best award across lots by exact optimisation (a MILP solved by HiGHS through scipy).

Each supplier's offers become *options*: one per qualified lot bid, and one per
bundle bid (all its lots together at the discounted prices). Exactly one option
covers each lot that has any; a binary per supplier says whether it is used.

- Value objective: maximise the sum over the awarded lots of the lot's weight
  share x the lot's MEAT total (quality share x quality points + price share x
  price points, lowest-price ratio against the lowest price offered on the lot,
  bundle discounts included). Price objective: minimise the total price with every
  awarded lot at or above the quality floor.
- Rules: at least / at most N suppliers, at most X % of the volume to one supplier,
  an incumbent kept on a lot, an end-to-end availability of the chain (serial
  chains as a linear constraint on the logarithm; parallel groups by cutting off
  each award that misses it until the best one meets it: exact, not a heuristic).
- Each rule's price is the award re-solved without it; the runner-up is the best
  award other than the chosen one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from slm_psr.engine.award.problem import AwardProblem, Objective, Rules

MAX_CUTS = 500  # chain cuts before the search gives up and says so


@dataclass(frozen=True)
class Option:
    supplier: str
    lots: tuple[str, ...]
    prices: tuple[float, ...]  # per lot, after any bundle discount
    quality: tuple[float, ...]
    availability: tuple[float | None, ...]  # percent per lot
    discount: float = 0.0

    @property
    def price(self) -> float:
        return float(sum(self.prices))

    def words(self) -> str:
        if self.discount:
            return f"{self.supplier}: lots {', '.join(self.lots)} as a bundle ({self.discount:.0%} off)"
        return f"{self.supplier}: lot {self.lots[0]}"


@dataclass
class Award:
    """One award: which option wins each lot, its value, price and end-to-end availability."""

    feasible: bool
    objective: float  # value points (value objective) or total price (price objective)
    chosen: list[Option] = field(default_factory=list)
    value: float = 0.0
    price: float = 0.0
    end_to_end: float | None = None  # percent
    reason: str = ""

    def winners(self) -> dict[str, str]:
        """Lot -> supplier."""
        return {lot: o.supplier for o in self.chosen for lot in o.lots}

    def suppliers(self) -> list[str]:
        return sorted({o.supplier for o in self.chosen})

    def key(self) -> frozenset[Option]:
        return frozenset(self.chosen)


@dataclass
class AwardResult:
    problem: AwardProblem
    best: Award
    runner_up: Award | None
    rule_prices: list[dict[str, Any]]
    unawarded: list[str]  # lots nobody qualified for

    def sentences(self) -> list[str]:
        p, best = self.problem, self.best
        if not best.feasible:
            return [best.reason]
        unit = "points" if p.objective is Objective.VALUE else p.currency
        lines = [
            f"Best award ({'highest value' if p.objective is Objective.VALUE else 'lowest price'}, proven optimal): "
            f"value {best.value:.2f} points, price {best.price:,.2f} {p.currency}, "
            f"{len(best.suppliers())} supplier(s)."
        ]
        lines.extend(f"- {o.words()}" for o in best.chosen)
        if best.end_to_end is not None:
            lines.append(
                f"End-to-end availability of the chain {best.end_to_end:.3f} % "
                "(product of the lots' committed availability; assumes independent failures)."
            )
        for lot in self.unawarded:
            lines.append(f"Lot {lot}: no qualified bid; not awarded.")
        for rule in self.rule_prices:
            lines.append(f"Rule '{rule['rule']}': {rule['text']}")
        if self.runner_up is not None and self.runner_up.feasible:
            delta = abs(self.runner_up.objective - best.objective)
            lines.append(
                f"Runner-up award: {'; '.join(o.words() for o in self.runner_up.chosen)} "
                f"({delta:,.2f} {unit} {'less' if p.objective is Objective.VALUE else 'more'})."
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        def award(a: Award | None) -> dict[str, Any] | None:
            if a is None:
                return None
            return {
                "feasible": a.feasible,
                "objective": a.objective,
                "value": a.value,
                "price": a.price,
                "end_to_end": a.end_to_end,
                "winners": a.winners(),
                "options": [
                    {"supplier": o.supplier, "lots": list(o.lots), "price": o.price, "discount": o.discount}
                    for o in a.chosen
                ],
                "reason": a.reason,
            }

        return {
            "objective": self.problem.objective.value,
            "best": award(self.best),
            "runner_up": award(self.runner_up),
            "rule_prices": self.rule_prices,
            "unawarded": self.unawarded,
            "text": self.sentences(),
        }


def options_of(problem: AwardProblem) -> list[Option]:
    """Every way a supplier can win lots: each qualified lot bid, and each bundle of qualified bids."""
    bids = {(b.supplier, b.lot): b for b in problem.bids if b.qualified}
    out = [Option(b.supplier, (b.lot,), (b.price,), (b.quality,), (b.availability,)) for b in bids.values()]
    for bundle in problem.bundles:
        parts = [bids.get((bundle.supplier, lot)) for lot in bundle.lots]
        if any(part is None for part in parts):
            continue  # a bundle with a knocked-out lot bid cannot be awarded
        out.append(
            Option(
                bundle.supplier,
                tuple(bundle.lots),
                tuple((1 - bundle.discount) * p.price for p in parts),  # type: ignore[union-attr]
                tuple(p.quality for p in parts),  # type: ignore[union-attr]
                tuple(p.availability for p in parts),  # type: ignore[union-attr]
                bundle.discount,
            )
        )
    if problem.objective is Objective.PRICE and problem.quality_floor is not None:
        out = [o for o in out if min(o.quality) >= problem.quality_floor]
    return out


def option_values(problem: AwardProblem, options: list[Option]) -> np.ndarray:
    """Each option's contribution to the total value: lot weight share x MEAT total per lot."""
    total_weight = sum(lot.weight for lot in problem.lots) or 1.0
    share = {lot.id: lot.weight / total_weight for lot in problem.lots}
    wq = problem.quality_weight / (problem.quality_weight + problem.price_weight)
    wp = 1.0 - wq
    p_min: dict[str, float] = {}
    for o in options:
        for lot, price in zip(o.lots, o.prices, strict=True):
            p_min[lot] = min(p_min.get(lot, math.inf), price)
    values = np.zeros(len(options))
    for k, o in enumerate(options):
        for lot, price, quality in zip(o.lots, o.prices, o.quality, strict=True):
            price_points = problem.max_points * p_min[lot] / price
            values[k] += share[lot] * (wq * quality + wp * price_points)
    return values


def solve(problem: AwardProblem, *, rule_prices: bool = True, runner_up: bool = True) -> AwardResult:
    """The optimal award, each rule's price and the runner-up."""
    options = options_of(problem)
    values = option_values(problem, options)
    covered = {lot for o in options for lot in o.lots}
    unawarded = [lot.id for lot in problem.lots if lot.id not in covered]
    best = _solve(problem, problem.rules, options, values, [])
    prices: list[dict[str, Any]] = []
    if rule_prices and best.feasible:
        for key, words in problem.rules.named():
            free = _solve(problem, problem.rules.without(key), options, values, [])
            prices.append(_rule_price(problem, key, words, best, free))
    second = None
    if runner_up and best.feasible:
        second = _solve(problem, problem.rules, options, values, [best.key()])
    return AwardResult(problem, best, second, prices, unawarded)


def _rule_price(problem: AwardProblem, key: str, words: str, best: Award, free: Award) -> dict[str, Any]:
    value_cost = free.value - best.value
    price_cost = best.price - free.price
    if problem.objective is Objective.VALUE:
        cost = value_cost
        text = (
            "costs nothing: the best award meets it anyway"
            if abs(cost) < 1e-9
            else f"costs {cost:.2f} value points (without it: value {free.value:.2f}, price "
            f"{free.price:,.2f} {problem.currency}, {', '.join(f'{lot} {s}' for lot, s in free.winners().items())})"
        )
    else:
        cost = price_cost
        text = (
            "costs nothing: the cheapest award meets it anyway"
            if abs(cost) < 0.005
            else f"costs {cost:,.2f} {problem.currency} (without it: {free.price:,.2f} {problem.currency}, "
            f"{', '.join(f'{lot} {s}' for lot, s in free.winners().items())})"
        )
    return {"rule": words, "key": key, "cost": cost, "value_without": free.value, "price_without": free.price,
            "text": text}  # fmt: skip


def _solve(
    problem: AwardProblem,
    rules: Rules,
    options: list[Option],
    values: np.ndarray,
    excluded: list[frozenset[Option]],
) -> Award:
    """One MILP (with chain cuts when the chain has parallel groups)."""
    cuts = list(excluded)
    for _ in range(MAX_CUTS):
        award = _milp(problem, rules, options, values, cuts)
        if not award.feasible or rules.chain_minimum is None or problem.chain is None:
            return award
        if problem.chain.is_serial() or award.end_to_end is None:
            return award  # the serial chain is a constraint of the MILP itself
        if award.end_to_end >= rules.chain_minimum - 1e-9:
            return award
        cuts.append(award.key())  # this award misses the chain minimum: cut it off, look again
    return Award(False, math.nan, reason=f"the chain minimum needed more than {MAX_CUTS} cuts; not proven")


def _milp(
    problem: AwardProblem,
    rules: Rules,
    options: list[Option],
    values: np.ndarray,
    cuts: list[frozenset[Option]],
) -> Award:
    suppliers = sorted({o.supplier for o in options})
    n_opt, n_sup = len(options), len(suppliers)
    n = n_opt + n_sup  # option binaries, then supplier binaries
    lots = sorted({lot for o in options for lot in o.lots})
    rows: list[tuple[dict[int, float], float, float]] = []  # (coefficients, low, high)
    for lot in lots:
        rows.append(({k: 1.0 for k, o in enumerate(options) if lot in o.lots}, 1.0, 1.0))
    sup_index = {s: n_opt + i for i, s in enumerate(suppliers)}
    for k, o in enumerate(options):
        rows.append(({k: 1.0, sup_index[o.supplier]: -1.0}, -np.inf, 0.0))  # used => supplier counted
    for s, j in sup_index.items():
        coef = {k: -1.0 for k, o in enumerate(options) if o.supplier == s}
        coef[j] = 1.0
        rows.append((coef, -np.inf, 0.0))  # supplier counted => used
    if rules.min_suppliers is not None or rules.max_suppliers is not None:
        fewest = float(rules.min_suppliers) if rules.min_suppliers is not None else -np.inf
        most = float(rules.max_suppliers) if rules.max_suppliers is not None else np.inf
        rows.append(({j: 1.0 for j in sup_index.values()}, fewest, most))
    if rules.max_share is not None:
        volume = {lot.id: lot.volume if lot.volume is not None else lot.weight for lot in problem.lots}
        total = sum(volume[lot] for lot in lots)
        for s in suppliers:
            coef = {k: sum(volume[lot] for lot in o.lots) for k, o in enumerate(options) if o.supplier == s}
            rows.append((coef, -np.inf, rules.max_share * total))
    for lot, supplier in rules.incumbents.items():
        coef = {k: 1.0 for k, o in enumerate(options) if o.supplier == supplier and lot in o.lots}
        rows.append((coef, 1.0, 1.0))
    chain = problem.chain
    if rules.chain_minimum is not None and chain is not None and chain.is_serial():
        chain_lots = set(chain.lots())
        coef = {
            k: sum(math.log(a / 100.0) for lot, a in zip(o.lots, o.availability, strict=True)
                   if lot in chain_lots and a is not None)
            for k, o in enumerate(options)
        }  # fmt: skip
        rows.append((coef, math.log(rules.chain_minimum / 100.0), 0.0))
    index = {o: k for k, o in enumerate(options)}
    for cut in cuts:
        coef = {k: -1.0 for k in range(n_opt)}
        for o in cut:
            coef[index[o]] = 1.0
        rows.append((coef, -np.inf, float(len(cut) - 1)))

    a = lil_matrix((len(rows), n))
    low = np.empty(len(rows))
    high = np.empty(len(rows))
    for r, (coef, lo, hi) in enumerate(rows):
        for c, v in coef.items():
            a[r, c] = v
        low[r], high[r] = lo, hi
    if problem.objective is Objective.VALUE:
        c = np.r_[-values, np.zeros(n_sup)]
    else:
        c = np.r_[[o.price for o in options], np.zeros(n_sup)]
    res = milp(
        c,
        constraints=LinearConstraint(a.tocsr(), low, high),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    if res.status != 0 or res.x is None:
        return Award(False, math.nan, reason=_infeasible(problem, rules))
    chosen = [options[k] for k in np.flatnonzero(res.x[:n_opt] > 0.5)]
    value = float(sum(values[index[o]] for o in chosen))
    price = float(sum(o.price for o in chosen))
    return Award(
        True,
        value if problem.objective is Objective.VALUE else price,
        chosen,
        value,
        price,
        end_to_end(problem, chosen),
    )


def end_to_end(problem: AwardProblem, chosen: list[Option]) -> float | None:
    """The chain's end-to-end availability in percent under an award (None without a chain)."""
    if problem.chain is None:
        return None
    of = {
        lot: a / 100.0 for o in chosen for lot, a in zip(o.lots, o.availability, strict=True) if a is not None
    }
    if any(lot not in of for lot in problem.chain.lots()):
        return None
    return 100.0 * problem.chain.availability(of)


def _infeasible(problem: AwardProblem, rules: Rules) -> str:
    said = "; ".join(words for _, words in rules.named()) or "the knock-outs alone"
    return f"No award meets every rule ({said}): relax a rule or check the lots without a qualified bid."
