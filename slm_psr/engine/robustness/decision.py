"""The numbers a weight acts on, taken from an evaluation: per ranked bid, points per service and price.

Every robustness question (stability intervals, SMAA) re-ranks the same ranked
bids under other weights. Knock-outs and price points do not depend on the
weights, so the bids, their per-service quality points and their price points
are read once from the :class:`~slm_psr.engine.evaluate.Evaluation` and re-ranked
with the method's own :func:`~slm_psr.engine.methods.rank_bids`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slm_psr.engine.evaluate import Evaluation
from slm_psr.engine.methods import METHODS, VALUE_PER, quality_price_shares, rank_bids
from slm_psr.model import EvaluationSettings


@dataclass(frozen=True)
class Decision:
    """The ranked bids of an evaluation as arrays (n bids, m services, r scored requirements)."""

    names: list[str]
    service_ids: list[str]
    service_names: list[str]
    service_points: np.ndarray  # (n, m) quality points per service on 0..max_points
    service_share: np.ndarray  # (m,) normalised service weights
    price_total: np.ndarray  # (n,)
    price_points: np.ndarray  # (n,) MEAT price points (NaN for the UfAB methods)
    settings: EvaluationSettings
    requirement_ids: list[str]
    requirement_service: np.ndarray  # (r,) index into the services
    requirement_share: np.ndarray  # (r,) normalised weight within its service
    requirement_points: np.ndarray  # (n, r) points 0..10 (0 where not scored)

    @classmethod
    def of(cls, evaluation: Evaluation, *, requirements: bool = False) -> Decision:
        """The evaluation's ranked bids (qualified, with a rank) in ranking order.

        ``requirements`` also reads the points per requirement (for requirement
        weights and evaluator-score uncertainty); the score table is the largest
        table of an evaluation, so it is read only when asked for.
        """
        ranked = evaluation.ranking()
        names = ranked["supplier"].tolist()
        services = evaluation.psr.services
        ids = [s.id for s in services]
        frame = evaluation.services
        points = (
            frame.pivot(index="supplier", columns="service", values="quality_points")
            .reindex(index=names, columns=ids)
            .to_numpy(dtype=float)
        )
        share = (
            frame.drop_duplicates("service")
            .set_index("service")["service_weight"]
            .reindex(ids)
            .to_numpy(float)
        )
        weights = evaluation.weights
        req = weights[(weights["level"] == "requirement") & (weights["weight"] > 0)]
        req_ids = req["id"].tolist()
        req_points = np.zeros((len(names), len(req_ids)))
        if requirements and req_ids and names:
            scores = evaluation.scores
            scored = scores[scores["requirement"].isin(req_ids) & scores["supplier"].isin(names)]
            req_points = (
                scored.pivot(index="supplier", columns="requirement", values="points")
                .reindex(index=names, columns=req_ids)
                .to_numpy(dtype=float)
            )
        return cls(
            names=names,
            service_ids=ids,
            service_names=[s.name for s in services],
            service_points=np.nan_to_num(points),
            service_share=np.nan_to_num(share),
            price_total=ranked["price_total"].to_numpy(dtype=float),
            price_points=pd.to_numeric(ranked["price_points"], errors="coerce").to_numpy(dtype=float),
            settings=evaluation.settings,
            requirement_ids=req_ids,
            requirement_service=np.array([ids.index(s) for s in req["service"]], dtype=int),
            requirement_share=req["normalised"].to_numpy(dtype=float),
            requirement_points=np.nan_to_num(req_points),
        )

    @property
    def meat(self) -> bool:
        return METHODS[self.settings.method].uses_price_points

    def quality(self, service_share: np.ndarray, service_points: np.ndarray | None = None) -> np.ndarray:
        """Quality points L of every bid under other service shares (and optionally other service points)."""
        points = self.service_points if service_points is None else service_points
        return points @ service_share

    def rank(self, quality: np.ndarray, settings: EvaluationSettings | None = None) -> np.ndarray:
        """Ranks of the bids under the method (ties share a rank), as the evaluation ranks them."""
        eligible = np.ones(len(self.names), dtype=bool)
        return rank_bids(quality, self.price_total, eligible, settings or self.settings).rank

    def criteria(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The weighted criteria of the method: names, values (n, k) and the effective weights (k,).

        MEAT: the services' quality points and the price points, weighted by
        quality share x service share and by the price share. UfAB: the services
        only (the value Z = L / P carries the price).
        """
        names = list(self.service_names)
        if self.meat:
            wq, wp = quality_price_shares(self.settings)
            values = np.column_stack([self.service_points, self.price_points])
            return [*names, "price"], values, np.r_[wq * self.service_share, wp]
        return names, self.service_points, self.service_share.copy()

    def totals(self, weights: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """The method's key for many weight vectors at once: (draws, n) MEAT totals or UfAB values Z.

        ``weights`` is (draws, k) over :meth:`criteria`; ``values`` (draws, n, k)
        or (n, k) replaces the criteria values (score uncertainty).
        """
        base = self.criteria()[1] if values is None else values
        key = weights @ base.T if base.ndim == 2 else np.einsum("dk,dnk->dn", weights, base)
        if self.meat:
            return key
        return key / (self.price_total / VALUE_PER)
