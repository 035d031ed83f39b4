"""SMAA-2: how likely each bid is to win, and at which rank, when the weights are only known roughly.

Stochastic multicriteria acceptability analysis (Lahdelma and Salminen, "SMAA-2:
Stochastic multicriteria acceptability analysis for group decision making",
Operations Research 49(3), 2001). Weight vectors are drawn either uniformly from
the simplex (nothing known) or, for a buyer who says "each weight +-20 %", each
weight uniformly within that range and the vector rescaled to sum to 1.
Optionally the evaluators' scores are uncertain too: each bid's score on an
evaluator-scored requirement is drawn uniformly between the lowest and the
highest evaluator's score. Outputs per bid:

- rank acceptability index ``b[i, r]``: the share of draws in which bid i has rank r;
- central weight vector: the mean weights of the draws in which bid i wins;
- confidence factor: the share of score draws in which bid i wins at its
  central weights (1 or 0 when the scores are certain).

Seeded and vectorised; the Monte-Carlo error of every index is at most
``1.96 * sqrt(0.25 / draws)`` (95 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.evaluate import Evaluation
from slm_psr.engine.methods import METHODS
from slm_psr.engine.robustness.decision import Decision

_TIE = 1e-9


@dataclass(frozen=True)
class Acceptability:
    """SMAA-2 results over the ranked bids (see the module docstring)."""

    names: list[str]
    criteria: list[str]
    rank_acceptability: np.ndarray  # (n, n): [bid, rank - 1]
    central_weights: np.ndarray  # (n, k); NaN for a bid that never wins
    confidence: np.ndarray  # (n,); NaN for a bid that never wins
    draws: int
    seed: int
    spread: float | None
    score_uncertainty: bool

    @property
    def error(self) -> float:
        """Largest 95 % Monte-Carlo half-width of an acceptability index: 1.96 x sqrt(0.25 / draws)."""
        return 1.96 * float(np.sqrt(0.25 / self.draws))

    def first(self) -> dict[str, float]:
        """Each bid's acceptability for first place."""
        return dict(zip(self.names, self.rank_acceptability[:, 0].tolist(), strict=True))

    def describe(self) -> str:
        """The draws in words: how the weights (and scores) were varied."""
        weights = (
            "weights drawn uniformly from all possible weightings"
            if self.spread is None
            else f"each weight varied by up to ±{100 * self.spread:.0f} % of its value"
        )
        scores = (
            "; evaluators' scores drawn between the lowest and highest evaluator"
            if self.score_uncertainty
            else ""
        )
        return (
            f"{self.draws:,} draws ({weights}{scores}, seed {self.seed}); each share is "
            f"within ±{100 * self.error:.1f} percentage points (95 %)."
        )

    def sentences(self) -> list[str]:
        """Per bid that can win: how often it wins, its central weights and confidence, in words."""
        out = [self.describe()]
        order = np.argsort(-self.rank_acceptability[:, 0], kind="stable")
        for i in order:
            share = self.rank_acceptability[i, 0]
            if share <= 0:
                continue
            weights = ", ".join(
                f"{c} {100 * w:.0f} %" for c, w in zip(self.criteria, self.central_weights[i], strict=True)
            )
            out.append(
                f"{self.names[i]} wins in {100 * share:.1f} % of the draws; typical weights when it wins: "
                f"{weights}; confidence {100 * self.confidence[i]:.0f} %."
            )
        never = [self.names[i] for i in range(len(self.names)) if self.rank_acceptability[i, 0] <= 0]
        if never:
            out.append(f"Never first under these weights: {', '.join(never)}.")
        return out

    def frame(self) -> pd.DataFrame:
        """Long table: supplier, rank, acceptability (for the chart and the workbook)."""
        n = len(self.names)
        return pd.DataFrame(
            {
                "supplier": np.repeat(self.names, n),
                "rank": np.tile(np.arange(1, n + 1), n),
                "acceptability": self.rank_acceptability.reshape(-1),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        def plain(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return {
            "draws": self.draws,
            "seed": self.seed,
            "spread": self.spread,
            "score_uncertainty": self.score_uncertainty,
            "error": self.error,
            "criteria": self.criteria,
            "suppliers": [
                {
                    "supplier": name,
                    "rank_acceptability": [float(x) for x in self.rank_acceptability[i]],
                    "central_weights": {
                        c: plain(w) for c, w in zip(self.criteria, self.central_weights[i], strict=True)
                    },
                    "confidence": plain(self.confidence[i]),
                }
                for i, name in enumerate(self.names)
            ],
            "text": self.sentences(),
        }


def acceptability(
    evaluation: Evaluation,
    *,
    draws: int = 10_000,
    seed: int = 0,
    spread: float | None = None,
    evaluator_scores: pd.DataFrame | None = None,
) -> Acceptability:
    """SMAA-2 over an evaluation's ranked bids (see :func:`smaa`)."""
    decision = Decision.of(evaluation, requirements=evaluator_scores is not None)
    ranges = score_ranges(decision, evaluator_scores) if evaluator_scores is not None else None
    return smaa(decision, draws=draws, seed=seed, spread=spread, score_ranges=ranges)


def score_ranges(decision: Decision, evaluator_scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per bid and weighted requirement, the lowest and highest evaluator's score (NaN where none)."""
    shape = (len(decision.names), len(decision.requirement_ids))
    low, high = np.full(shape, np.nan), np.full(shape, np.nan)
    if evaluator_scores.empty:
        return low, high
    grouped = evaluator_scores.groupby(["supplier", "requirement"])["score"].agg(["min", "max"])
    for (supplier, requirement), row in grouped.iterrows():
        if supplier in decision.names and requirement in decision.requirement_ids:
            i, j = decision.names.index(supplier), decision.requirement_ids.index(requirement)
            low[i, j], high[i, j] = row["min"], row["max"]
    return low, high


def smaa(
    decision: Decision,
    *,
    draws: int = 10_000,
    seed: int = 0,
    spread: float | None = None,
    score_ranges: tuple[np.ndarray, np.ndarray] | None = None,
) -> Acceptability:
    """Rank acceptability, central weights and confidence factors (Lahdelma and Salminen 2001)."""
    if draws < 1:
        raise ValueError(f"draws: {draws}; at least 1 draw is needed")
    if spread is not None and not 0 <= spread < 1:
        raise ValueError(f"spread: {spread}; give a share between 0 and 1 (0.2 for +-20 %)")
    rng = np.random.default_rng(seed)
    criteria, values, w0 = decision.criteria()
    n, k = values.shape
    weights = _draw_weights(rng, w0, draws, spread)
    uncertain = score_ranges is not None and bool(np.isfinite(score_ranges[0]).any())
    sampled = _draw_values(rng, decision, values, draws, score_ranges) if uncertain else None
    ranks = _ranks(decision, weights, sampled)
    # acc[i, r - 1] = share of draws with bid i at rank r, counted in one pass
    acc = np.bincount((np.arange(n) * n + (ranks - 1)).reshape(-1), minlength=n * n).reshape(n, n) / draws
    wins = ranks == 1
    count = wins.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (wins.T.astype(float) @ weights) / count[:, None]
    confidence = np.full(n, np.nan)
    for i in np.flatnonzero(count):
        at_central = np.broadcast_to(central[i], (draws if uncertain else 1, k))
        confidence[i] = float((_ranks(decision, at_central, sampled)[:, i] == 1).mean())
    return Acceptability(
        names=list(decision.names),
        criteria=criteria,
        rank_acceptability=acc,
        central_weights=central,
        confidence=confidence,
        draws=draws,
        seed=seed,
        spread=spread,
        score_uncertainty=uncertain,
    )


def _draw_weights(rng: np.random.Generator, w0: np.ndarray, draws: int, spread: float | None) -> np.ndarray:
    """(draws, k) weight vectors summing to 1: uniform on the simplex, or each within +-spread of w0."""
    if spread is None:
        return rng.dirichlet(np.ones(len(w0)), size=draws)
    scaled = w0 * rng.uniform(1.0 - spread, 1.0 + spread, size=(draws, len(w0)))
    return scaled / scaled.sum(axis=1, keepdims=True)


def _draw_values(
    rng: np.random.Generator,
    decision: Decision,
    values: np.ndarray,
    draws: int,
    ranges: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """(draws, n, k) criteria values with each evaluator-scored point drawn within its evaluators' range."""
    assert ranges is not None
    low, high = ranges
    known = np.isfinite(low)
    i_idx, j_idx = np.nonzero(known)
    mean = decision.requirement_points[i_idx, j_idx]
    drawn = rng.uniform(low[i_idx, j_idx], high[i_idx, j_idx], size=(draws, i_idx.size))
    effect = decision.settings.max_points / 10.0 * decision.requirement_share[j_idx] * (drawn - mean)
    out = np.broadcast_to(values, (draws, *values.shape)).copy()
    service = decision.requirement_service[j_idx]
    np.add.at(out, (slice(None), i_idx, service), effect)  # type: ignore[arg-type]
    return out


def _ranks(decision: Decision, weights: np.ndarray, values: np.ndarray | None) -> np.ndarray:
    """(draws, n) competition ranks (ties share the best rank) of the bids under each weight vector."""
    if METHODS[decision.settings.method].band:
        base = decision.criteria()[1]
        quality = weights @ base.T if values is None else np.einsum("dk,dnk->dn", weights, values)
        return np.stack([decision.rank(q) for q in quality]).astype(int)
    key = decision.totals(weights, values)
    if values is None and key.shape[0] != weights.shape[0]:
        key = np.broadcast_to(key, (weights.shape[0], key.shape[1]))
    return _competition_ranks(key)


def _competition_ranks(key: np.ndarray) -> np.ndarray:
    """Row-wise competition ranking (1, 1, 3), descending; values equal to 9 digits tie."""
    draws, n = key.shape
    order = np.argsort(-key, axis=1)
    ordered = np.take_along_axis(key, order, axis=1)
    tie = (ordered[:, :-1] - ordered[:, 1:]) <= _TIE * max(1.0, float(np.abs(ordered).max(initial=0.0)))
    place = np.broadcast_to(np.arange(n), (draws, n))
    if tie.any():  # identical bids: a tie shares the best place of its group
        new_group = np.c_[np.ones((draws, 1), bool), ~tie]
        place = np.maximum.accumulate(np.where(new_group, place, 0), axis=1)
    ranks = np.empty((draws, n), dtype=np.int64)
    ranks[np.arange(draws)[:, None], order] = place + 1
    return ranks
