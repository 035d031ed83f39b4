"""Weight stability intervals: within which share of one weight the winner (and the whole ranking) holds.

One weight ``t`` (the price share, a service's share of quality, or a
requirement's share within its service) moves over 0..1 while the other weights
of its group keep their proportions (``w_j(t) = (1 - t) * w_j / (1 - w_k)``).
Every bid's quality L is then affine in ``t``, and so is the method's key (MEAT
total, UfAB Z; for the extended method also the band ``(1 - s) Z`` and L). The
order of the bids can change only where two of those lines cross, so the exact
interval is found by ranking once per segment between crossings, outward from
the current weight, with the method's own ranking (ties included): no sampling,
no step size.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slm_psr.engine.evaluate import Evaluation
from slm_psr.engine.methods import METHODS, VALUE_PER, quality_price_shares
from slm_psr.engine.robustness.decision import Decision
from slm_psr.model import EvaluationSettings

_SAME = 1e-12  # breakpoints this close to the current weight are the current weight


@dataclass(frozen=True)
class StabilityInterval:
    """The interval of one weight's share in which the winner, and the whole ranking, stay the same."""

    weight: str  # what moves, in words: "the price weight", "the weight of Hosting"
    key: str  # "price", "service:HO", "requirement:SD-03"
    current: float  # the share now (0..1)
    winners: list[str]
    winner_low: float
    winner_high: float
    ranking_low: float
    ranking_high: float
    winners_below: list[str] = field(default_factory=list)  # just below winner_low (empty at 0)
    winners_above: list[str] = field(default_factory=list)  # just above winner_high (empty at 1)
    note: str = ""

    def sentence(self) -> str:
        """The interval in words, e.g. "Nordwind wins while the price weight is between 0 % and 46.9 % ..."."""
        if self.note:
            return self.note
        who = " and ".join(self.winners)
        verb = "win" if len(self.winners) > 1 else "wins"
        if self.winner_low <= 0 and self.winner_high >= 1:
            text = f"{who} {verb} at every value of {self.weight}, 0 % to 100 % (now {_pct(self.current)})."
        else:
            text = (
                f"{who} {verb} while {self.weight} is between {_pct(self.winner_low)} and "
                f"{_pct(self.winner_high)} (now {_pct(self.current)})"
            )
            if self.winners_below:
                text += f"; below {_pct(self.winner_low)} {_names(self.winners_below)}"
            if self.winners_above:
                text += f"; above {_pct(self.winner_high)} {_names(self.winners_above)}"
            text += "."
        if (self.ranking_low, self.ranking_high) != (self.winner_low, self.winner_high):
            text += (
                f" The whole ranking stays the same between {_pct(self.ranking_low)} and "
                f"{_pct(self.ranking_high)}."
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": self.weight,
            "key": self.key,
            "current": self.current,
            "winners": self.winners,
            "winner_interval": [self.winner_low, self.winner_high],
            "ranking_interval": [self.ranking_low, self.ranking_high],
            "winners_below": self.winners_below,
            "winners_above": self.winners_above,
            "text": self.sentence(),
        }


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %".replace(".0 %", " %")


def _names(names: list[str]) -> str:
    return f"{' and '.join(names)} {'win' if len(names) > 1 else 'wins'}"


def stability(evaluation: Evaluation, requirements: list[str] | None = None) -> list[StabilityInterval]:
    """Intervals for the price weight (MEAT), every service weight, and the named requirements' weights."""
    decision = Decision.of(evaluation, requirements=bool(requirements))
    if not decision.names:
        return []
    out: list[StabilityInterval] = []
    if decision.meat:
        out.append(price_interval(decision))
    out.extend(service_interval(decision, k) for k in range(len(decision.service_ids)))
    for rid in requirements or []:
        out.append(requirement_interval(decision, rid))
    return out


def price_interval(decision: Decision) -> StabilityInterval:
    """The price weight's share (MEAT): total(t) = (1 - t) L + t price points."""
    settings = decision.settings
    _, current = quality_price_shares(settings)
    quality = decision.quality(decision.service_share)

    def ranks(t: float) -> np.ndarray:
        moved = settings.model_copy(update={"quality_weight": 1.0 - t, "price_weight": t})
        return decision.rank(quality, moved)

    lines = (quality, decision.price_points - quality)
    return _interval(decision, "the price weight", "price", current, ranks, [lines])


def service_interval(decision: Decision, k: int) -> StabilityInterval:
    """Service ``k``'s share of quality, the other services keeping their proportions."""
    name = decision.service_names[k]
    share = decision.service_share
    current = float(share[k])
    key = f"service:{decision.service_ids[k]}"
    weight = f"the weight of {name}"
    if current >= 1.0 - _SAME and len(share) == 1:
        return _fixed(
            decision, weight, key, current, f"{name} is the only service: it carries all of quality."
        )
    if current >= 1.0 - _SAME:
        others = np.where(np.arange(len(share)) == k, 0.0, 1.0 / (len(share) - 1))
    else:
        others = np.where(np.arange(len(share)) == k, 0.0, share / (1.0 - current))
    at_zero = decision.service_points @ others
    slope = decision.service_points[:, k] - at_zero

    def ranks(t: float) -> np.ndarray:
        return decision.rank(at_zero + t * slope)

    return _interval(decision, weight, key, current, ranks, _method_lines(decision, at_zero, slope))


def requirement_interval(decision: Decision, requirement_id: str) -> StabilityInterval:
    """A requirement's share within its service, the service's other requirements keeping their proportions."""
    if requirement_id not in decision.requirement_ids:
        raise ValueError(
            f"requirement {requirement_id}: not a weighted requirement of this evaluation; "
            f"known: {', '.join(decision.requirement_ids)}"
        )
    j = decision.requirement_ids.index(requirement_id)
    s = int(decision.requirement_service[j])
    same = decision.requirement_service == s
    share = decision.requirement_share
    current = float(share[j])
    weight = f"the weight of {requirement_id} within {decision.service_names[s]}"
    key = f"requirement:{requirement_id}"
    rest = same.copy()
    rest[j] = False
    if not rest.any():
        return _fixed(
            decision, weight, key, current,
            f"{requirement_id} is the only weighted requirement of {decision.service_names[s]}: "
            "its weight cannot move within the service.",
        )  # fmt: skip
    others = np.where(rest, share / max(1.0 - current, _SAME), 0.0)
    if current >= 1.0 - _SAME:
        others = np.where(rest, 1.0 / rest.sum(), 0.0)
    max_points = decision.settings.max_points
    service_at_zero = max_points * (decision.requirement_points @ others) / 10.0
    service_at_one = max_points * decision.requirement_points[:, j] / 10.0
    base = decision.service_points.copy()
    base[:, s] = service_at_zero
    at_zero = decision.quality(decision.service_share, base)
    slope = decision.service_share[s] * (service_at_one - service_at_zero)

    def ranks(t: float) -> np.ndarray:
        return decision.rank(at_zero + t * slope)

    return _interval(decision, weight, key, current, ranks, _method_lines(decision, at_zero, slope))


def _method_lines(decision: Decision, q0: np.ndarray, q1: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The affine keys whose crossings can change the ranking, given L(t) = q0 + t q1."""
    settings: EvaluationSettings = decision.settings
    method = METHODS[settings.method]
    if method.uses_price_points:
        wq, wp = quality_price_shares(settings)
        return [(wq * q0 + wp * decision.price_points, wq * q1)]
    scale = VALUE_PER / decision.price_total
    z = (q0 * scale, q1 * scale)
    if not method.band:
        return [z]
    band = ((1.0 - settings.tolerance) * z[0], (1.0 - settings.tolerance) * z[1])
    return [z, band, (q0, q1)]


def _crossings(lines: list[tuple[np.ndarray, np.ndarray]], involving: np.ndarray | None = None) -> np.ndarray:
    """Every t in (0, 1) where two of the lines a + b t meet (all families together).

    ``involving`` (bid indices) keeps only crossings with those bids' lines: for
    a single key per bid (MEAT, UfAB simple) the winner can only change where
    another bid's line crosses the winner's.
    """
    a = np.concatenate([line[0] for line in lines])
    b = np.concatenate([line[1] for line in lines])
    rows, cols = np.triu_indices(len(a), k=1)
    if involving is not None:
        n = len(lines[0][0])
        mine = np.isin(rows % n, involving) | np.isin(cols % n, involving)
        rows, cols = rows[mine], cols[mine]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (a[cols] - a[rows]) / (b[rows] - b[cols])
    t = t[np.isfinite(t) & (t > 0) & (t < 1)]
    return np.unique(t)


def _interval(
    decision: Decision,
    weight: str,
    key: str,
    current: float,
    ranks: Callable[[float], np.ndarray],
    lines: list[tuple[np.ndarray, np.ndarray]],
) -> StabilityInterval:
    names = decision.names

    def winners(rank: np.ndarray) -> list[str]:
        return [names[i] for i in np.flatnonzero(rank == 1)]

    now = ranks(current)
    won = winners(now)
    breaks = _crossings(lines)
    first = np.flatnonzero(now == 1) if len(lines) == 1 else None
    winner_breaks = breaks if first is None else _crossings(lines, first)
    w_low, w_high, below, above = _walk(current, winner_breaks, ranks, lambda r: winners(r) == won, winners)
    r_low, r_high, _, _ = _walk(current, breaks, ranks, lambda r: bool(np.array_equal(r, now)), winners)
    return StabilityInterval(
        weight=weight,
        key=key,
        current=current,
        winners=won,
        winner_low=w_low,
        winner_high=w_high,
        ranking_low=r_low,
        ranking_high=r_high,
        winners_below=below,
        winners_above=above,
    )


def _walk(
    current: float,
    breaks: np.ndarray,
    ranks: Callable[[float], np.ndarray],
    same: Callable[[np.ndarray], bool],
    winners: Callable[[np.ndarray], list[str]],
) -> tuple[float, float, list[str], list[str]]:
    """Outward from ``current``: the nearest crossing on each side beyond which ``same`` fails."""
    up = breaks[breaks > current + _SAME]
    down = breaks[breaks < current - _SAME][::-1]
    high, above = 1.0, []
    edges = np.r_[current, up, 1.0]
    for lo, hi in itertools.pairwise(edges):
        rank = ranks((lo + hi) / 2)
        if not same(rank):
            high, above = float(lo), winners(rank)
            break
    low, below = 0.0, []
    edges = np.r_[current, down, 0.0]
    for hi, lo in itertools.pairwise(edges):
        rank = ranks((lo + hi) / 2)
        if not same(rank):
            low, below = float(hi), winners(rank)
            break
    return low, high, below, above


def _fixed(decision: Decision, weight: str, key: str, current: float, note: str) -> StabilityInterval:
    rank = decision.rank(decision.quality(decision.service_share))
    won = [decision.names[i] for i in np.flatnonzero(rank == 1)]
    return StabilityInterval(weight, key, current, won, current, current, current, current, note=note)
