"""Award methods: weights, MEAT, the UfAB value-for-money methods, ranking with ties, leave-one-out.

Kernels take numpy arrays over all suppliers plus an ``eligible`` mask (the
qualified bids); excluded bids get NaN and never enter a relative formula.

- MEAT: ``total = wq * Q + wp * price_points`` with ``wq + wp = 1`` (normalised
  from the typed weights) and ``Q`` the weighted SLA points on ``0..max_points``.
- UfAB simple value-for-money method (Richtwertmethode): ``Z = L / P`` with
  ``L`` the weighted performance points (the same ``Q``) and ``P`` the total
  price; reported as points per 1,000 currency units. Highest ``Z`` wins. The
  price weight and price formula play no part: the ratio is the trade-off.
- UfAB extended method: bids with ``Z >= Zmax * (1 - s)`` are finalists; the
  pre-declared criterion (highest ``L`` or lowest ``P``) ranks them; the others
  follow by ``Z``.

Ties share a rank (competition ranking 1, 1, 3); see :data:`TIE_BREAK`.

Each method is one :class:`MethodDef` in :data:`METHODS`: its ranking, whether it
is relative, the share of quality in the total, and its words. A new method is a
:class:`Method` value plus one entry here; a method without an entry, or an entry
missing a part, fails at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from slm_psr.engine.price import FORMULAS, RELATIVE_FORMULAS, settings_points
from slm_psr.model import DecisionCriterion, EvaluationSettings, Method

VALUE_PER = 1000.0  # Z = L per 1,000 currency units of P
TIE_NOTE = (
    "the engine breaks no tie itself: the buyer decides by the tie-break published in the "
    "tender documents (for example the lower price, then by lot) and records the decision"
)
TIE_BREAK = (
    "Ties share a rank (competition ranking: 1, 1, 3); values equal to 9 significant digits tie. "
    f"{TIE_NOTE[0].upper()}{TIE_NOTE[1:]}."
)


# --- weights ----------------------------------------------------------------------


def normalised(weights: np.ndarray) -> np.ndarray:
    """Weights scaled to sum to 1 (all zeros stay zeros)."""
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    return weights / total if total > 0 else np.zeros_like(weights)


def effective_weights(
    requirement_weight: np.ndarray, service_index: np.ndarray, service_weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Requirement share within its service, service share, and overall share of quality.

    A service without any weighted requirement drops out of the service
    normalisation (its weight would otherwise vanish from every total).
    """
    requirement_weight = np.asarray(requirement_weight, dtype=float)
    m = len(service_weight)
    per_service = np.bincount(service_index, weights=requirement_weight, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_in_service = np.where(
            per_service[service_index] > 0, requirement_weight / per_service[service_index], 0.0
        )
    service_share = normalised(np.where(per_service > 0, service_weight, 0.0))
    return share_in_service, service_share, share_in_service * service_share[service_index]


def quality_price_shares(settings: EvaluationSettings) -> tuple[float, float]:
    """The normalised quality and price weights (MEAT)."""
    total = settings.quality_weight + settings.price_weight
    return settings.quality_weight / total, settings.price_weight / total


# --- ranking ----------------------------------------------------------------------


def competition_rank(key: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Ranks 1..n by ``key`` descending among ``eligible``; equal keys share the best rank; NaN elsewhere."""
    ranks = np.full(key.shape, np.nan)
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return ranks
    values = key[idx]
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    tol = 1e-9 * np.maximum(1.0, np.abs(ordered[:-1]))
    new_group = np.r_[True, (ordered[:-1] - ordered[1:]) > tol]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(idx.size), 0))
    ranks[idx[order]] = group_start + 1.0
    return ranks


def meat(quality: np.ndarray, price_pts: np.ndarray, quality_share: float, price_share: float) -> np.ndarray:
    """Weighted sum of quality and price points."""
    return quality_share * quality + price_share * price_pts


def value_for_money(performance: np.ndarray, price_total: np.ndarray) -> np.ndarray:
    """UfAB ``Z = L / P`` in points per 1,000 currency units."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return performance / (price_total / VALUE_PER)


def extended_ranks(
    performance: np.ndarray,
    price_total: np.ndarray,
    z: np.ndarray,
    eligible: np.ndarray,
    tolerance: float,
    criterion: DecisionCriterion,
) -> tuple[np.ndarray, np.ndarray, float]:
    """UfAB extended method: (rank, finalist mask, Zmax).

    Finalists (``Z >= Zmax * (1 - s)``) are ranked first by the criterion, the
    other bids after them by ``Z``.
    """
    if not eligible.any():
        return np.full(z.shape, np.nan), np.zeros(z.shape, bool), float("nan")
    z_max = float(np.max(z[eligible]))
    threshold = z_max * (1.0 - tolerance)
    finalist = eligible & (z >= threshold - 1e-9 * max(1.0, abs(threshold)))
    key = performance if criterion is DecisionCriterion.HIGHEST_PERFORMANCE else -price_total
    rank = competition_rank(key, finalist)
    others = eligible & ~finalist
    rank = np.where(others, finalist.sum() + competition_rank(z, others), rank)
    return rank, finalist, z_max


@dataclass(frozen=True)
class Ranking:
    """What a method gives each supplier; NaN for bids that are not ranked."""

    total: np.ndarray  # MEAT total, or Z for the UfAB methods
    rank: np.ndarray
    price_points: np.ndarray  # MEAT only
    value_z: np.ndarray  # UfAB only
    finalist: np.ndarray  # UfAB extended only
    z_max: float = float("nan")


def _rank_meat(
    quality: np.ndarray, price_total: np.ndarray, eligible: np.ndarray, settings: EvaluationSettings
) -> Ranking:
    n = quality.shape[0]
    nan = np.full(n, np.nan)
    pts = nan.copy()
    pts[eligible] = settings_points(price_total[eligible], settings)
    wq, wp = quality_price_shares(settings)
    total = np.where(eligible, meat(quality, pts, wq, wp), np.nan)
    return Ranking(total, competition_rank(total, eligible), pts, nan, np.zeros(n, bool))


def _rank_ufab_simple(
    quality: np.ndarray, price_total: np.ndarray, eligible: np.ndarray, settings: EvaluationSettings
) -> Ranking:
    n = quality.shape[0]
    z = np.where(eligible, value_for_money(quality, price_total), np.nan)
    return Ranking(z, competition_rank(z, eligible), np.full(n, np.nan), z, np.zeros(n, bool))


def _rank_ufab_extended(
    quality: np.ndarray, price_total: np.ndarray, eligible: np.ndarray, settings: EvaluationSettings
) -> Ranking:
    z = np.where(eligible, value_for_money(quality, price_total), np.nan)
    rank, finalist, z_max = extended_ranks(
        quality, price_total, z, eligible, settings.tolerance, settings.decision_criterion
    )
    return Ranking(z, rank, np.full(quality.shape[0], np.nan), z, finalist, z_max)


# --- the registry -----------------------------------------------------------------

CRITERION_WORDS: dict[DecisionCriterion, str] = {
    DecisionCriterion.HIGHEST_PERFORMANCE: "the highest performance points L",
    DecisionCriterion.LOWEST_PRICE: "the lowest price P",
}


def _meat_relative(settings: EvaluationSettings) -> str | None:
    if settings.price_weight > 0 and settings.price_formula in RELATIVE_FORMULAS:
        return (
            f"the price formula '{FORMULAS[settings.price_formula].label.lower()}' compares each price "
            "with the lowest qualified price"
        )
    return None


def _meat_lines(settings: EvaluationSettings, currency: str) -> list[str]:
    mp = f"{settings.max_points:g}"
    wq, wp = quality_price_shares(settings)
    formula = FORMULAS[settings.price_formula]
    return [
        f"Method MEAT (weighted sum): total = {wq:.0%} x quality points + {wp:.0%} x price points, "
        f"both on 0-{mp}; highest total wins.",
        f"Price formula '{formula.label.lower()}': {formula.text}"
        f"{formula.with_values(settings, currency)}, max = {mp}.",
    ]


def _meat_pivotal(price_total: np.ndarray, eligible: np.ndarray, settings: EvaluationSettings) -> np.ndarray:
    # a relative formula sees the other bids only through Pmin (see FormulaDef.relative)
    if _meat_relative(settings) is None or not eligible.any():
        return np.zeros(eligible.shape, bool)
    return eligible & (price_total == price_total[eligible].min())


def _ufab_line(currency: str) -> str:
    return (
        f"Method UfAB value for money (Richtwertmethode): Z = L / P, stated as points per "
        f"{VALUE_PER:,.0f} {currency}; the price weight and price formula are not used, the ratio is the trade-off."
    )


def _extended_lines(settings: EvaluationSettings, currency: str) -> list[str]:
    return [
        _ufab_line(currency),
        f"UfAB extended method: bids with Z >= Zmax x (1 - {settings.tolerance:.0%}) are finalists; "
        f"among them {CRITERION_WORDS[settings.decision_criterion]} wins (declared in advance); "
        "the others follow by Z.",
    ]


@dataclass(frozen=True)
class MethodDef:
    """Everything an award method means: how it ranks, whether it is relative, and its words."""

    method: Method
    label: str  # plain words: "Most economically advantageous tender (MEAT)"
    short: str  # for a column or a chart: "MEAT total"
    rank: Callable[[np.ndarray, np.ndarray, np.ndarray, EvaluationSettings], Ranking]
    # Why a bid's result depends on the others under these settings, or None if it does not.
    relative_because: Callable[[EvaluationSettings], str | None]
    # The method's lines of the method description, given the settings and the currency.
    describe: Callable[[EvaluationSettings, str], list[str]]
    uses_price_points: bool  # the weighted sum of quality and price points (else Z = L / P)
    # Finalists inside a tolerance band below the best Z, ranked by the declared criterion
    # (the method reads the settings' tolerance and decision criterion).
    band: bool = False
    # The eligible bids whose leaving out can change any other bid's total (a mask), or
    # None when any can: the leave-one-out check re-ranks only for those.
    pivotal: Callable[[np.ndarray, np.ndarray, EvaluationSettings], np.ndarray | None] = (
        lambda price_total, eligible, settings: None
    )

    def quality_share(self, settings: EvaluationSettings) -> float:
        """The share of quality points in the total (1 where quality is L of Z = L / P)."""
        return quality_price_shares(settings)[0] if self.uses_price_points else 1.0

    def shares(self, settings: EvaluationSettings) -> tuple[float, float]:
        """(quality share, price share) of the total; price (0) is the divisor under UfAB."""
        return quality_price_shares(settings) if self.uses_price_points else (1.0, 0.0)

    def words(self, settings: EvaluationSettings) -> str:
        """The method in plain words, with the price formula where it has one."""
        if not self.uses_price_points:
            return self.label
        return f"{self.label}, {FORMULAS[settings.price_formula].equation}"


METHODS: dict[Method, MethodDef] = {
    m.method: m
    for m in (
        MethodDef(
            Method.MEAT,
            label="Most economically advantageous tender (MEAT)",
            short="MEAT total",
            rank=_rank_meat,
            relative_because=_meat_relative,
            describe=_meat_lines,
            uses_price_points=True,
            pivotal=_meat_pivotal,
        ),
        MethodDef(
            Method.UFAB_SIMPLE,
            label="Value for money Z = L / P (UfAB simple method)",
            short="value Z",
            rank=_rank_ufab_simple,
            relative_because=lambda settings: None,  # Z depends on the bid alone
            describe=lambda settings, currency: [_ufab_line(currency), "Highest Z wins."],
            uses_price_points=False,
            pivotal=lambda price_total, eligible, settings: np.zeros(eligible.shape, bool),
        ),
        MethodDef(
            Method.UFAB_EXTENDED,
            label="Value for money with a tolerance band (UfAB extended method)",
            short="value Z",
            rank=_rank_ufab_extended,
            relative_because=lambda settings: (
                "the tolerance band is measured from the best Z among the qualified bids"
            ),
            describe=_extended_lines,
            uses_price_points=False,
            band=True,
        ),
    )
}


def check_registry(registry: Mapping[Method, MethodDef]) -> None:
    """Refuse a registry that misses a method or holds a half-defined entry (run at import)."""
    missing = [m.value for m in Method if m not in registry]
    if missing:
        raise ImportError(f"award method(s) without a definition in engine/methods.py: {', '.join(missing)}")
    for key, entry in registry.items():
        if entry.method is not key:
            raise ImportError(f"award method {key.value}: its entry defines {entry.method.value}")
        for part in ("label", "short"):
            if not getattr(entry, part).strip():
                raise ImportError(f"award method {key.value}: no {part}")
        for part in ("rank", "relative_because", "describe"):
            if not callable(getattr(entry, part)):
                raise ImportError(f"award method {key.value}: {part} is not a function")


check_registry(METHODS)


def rank_bids(
    quality: np.ndarray, price_total: np.ndarray, eligible: np.ndarray, settings: EvaluationSettings
) -> Ranking:
    """Price points (MEAT), totals and ranks of the eligible bids under ``settings``."""
    return METHODS[settings.method].rank(quality, price_total, eligible, settings)


# --- robustness -------------------------------------------------------------------


def is_relative(settings: EvaluationSettings) -> bool:
    """True when a bid's result depends on the other bids, so adding or removing one can reverse the ranking."""
    return METHODS[settings.method].relative_because(settings) is not None


def _reversals(before: np.ndarray, after: np.ndarray, rest: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (a, b) of remaining bids with a now strictly ahead of b although b was strictly ahead before.

    All pairs for up to 200 bids; beyond that only neighbours in the new order
    (every reversal shows up as at least one such neighbouring pair).
    """
    idx = np.flatnonzero(rest)
    order = idx[np.lexsort((before[idx], after[idx]))]
    if order.size <= 200:
        old, new = before[order], after[order]
        ahead = (new[:, None] < new[None, :]) & (old[:, None] > old[None, :])
        return [(int(order[i]), int(order[j])) for i, j in zip(*np.nonzero(ahead), strict=True)]
    a, b = order[:-1], order[1:]
    flipped = (after[a] < after[b]) & (before[a] > before[b])
    return list(zip(a[flipped].tolist(), b[flipped].tolist(), strict=True))


def leave_one_out(
    quality: np.ndarray,
    price_total: np.ndarray,
    eligible: np.ndarray,
    settings: EvaluationSettings,
    names: list[str],
    ranking: Ranking,
) -> list[dict[str, Any]]:
    """Re-rank with each eligible bid left out; report winner changes and reversals among the rest.

    Leaving out the winner trivially changes the winner, so for each left-out bid
    the report compares the order of the *remaining* bids: a reversal is a pair
    whose order flips (named by the adjacent pairs of the new order).
    """
    rows: list[dict[str, Any]] = []
    winners = [names[i] for i in np.flatnonzero(ranking.rank == 1)]
    # Leaving out a bid that is not pivotal leaves every other total as it was, so without
    # a tie the order of the rest stands: no reversal, and the next bid wins in place of a
    # winner left out. With a tie anywhere (or no such knowledge) every bid is re-ranked.
    pivotal = METHODS[settings.method].pivotal(price_total, eligible, settings)
    ranks = ranking.rank[eligible]
    if pivotal is None or np.unique(ranks).size < ranks.size:
        pivotal = eligible
    runner_up = [names[i] for i in np.flatnonzero(ranking.rank == 2)]
    for k in np.flatnonzero(eligible):
        rest = eligible.copy()
        rest[k] = False
        if not rest.any():
            continue
        if pivotal[k]:
            after = rank_bids(quality, price_total, rest, settings)
            new_winners = [names[i] for i in np.flatnonzero(after.rank == 1)]
            reversals = [(names[a], names[b]) for a, b in _reversals(ranking.rank, after.rank, rest)]
        else:
            new_winners = runner_up if ranking.rank[k] == 1 else winners
            reversals = []
        left_out = names[k]
        was_winner = left_out in winners
        expected = [w for w in winners if w != left_out]
        changes = not was_winner and new_winners != expected
        notes = []
        if changes:
            notes.append(
                f"without {left_out}, the winner would be {' and '.join(new_winners)} "
                f"instead of {' and '.join(winners)}"
            )
        said = [(a, b) for a, b in reversals if not (changes and a in new_winners)]  # winner: said above
        notes.extend(f"without {left_out}, {a} would rank ahead of {b}" for a, b in said[:3])
        if len(said) > 3:
            notes.append(f"and {len(said) - 3} more reversals (see leave_one_out)")
        rows.append(
            {
                "left_out": left_out,
                "winner": ", ".join(winners),
                "winner_without": ", ".join(new_winners),
                "winner_changes": changes,
                "reversals": [f"{a} ahead of {b}" for a, b in reversals],
                "note": "; ".join(notes),
            }
        )
    return rows
