"""Shared inputs for the robustness tests: the demo evaluation and hand-made decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slm_psr.engine import evaluate
from slm_psr.engine.robustness import Decision
from slm_psr.excel.responses import read_responses
from slm_psr.model import EvaluationSettings
from slm_psr.psr_file import load_psr
from tests.conftest import DEMO


def demo_evaluation(**changes):
    """The demo tender as the app shows it: its six workbooks and the two evaluators' scores."""
    psr = load_psr(DEMO / "psr.json")
    files = sorted((DEMO / "responses").glob("*.xlsx"))
    report = read_responses(psr, [(p.name, p.read_bytes()) for p in files])
    responses = [r.response for r in report.results if r.response is not None]
    scores = pd.read_csv(DEMO / "evaluator_scores.csv")
    return evaluate(psr, responses, evaluator_scores=scores, **changes), scores


def decision(
    names: list[str],
    service_points: list[list[float]],
    *,
    price_total: list[float] | None = None,
    method: str = "meat",
    quality_weight: float = 60,
    price_weight: float = 40,
    tolerance: float = 0.05,
    requirement_points: list[list[float]] | None = None,
) -> Decision:
    """A hand-made decision: one requirement per service (points = service points / 10), equal shares."""
    points = np.array(service_points, dtype=float)
    n, m = points.shape
    prices = np.array(price_total or [100.0] * n, dtype=float)
    settings = EvaluationSettings(
        method=method, quality_weight=quality_weight, price_weight=price_weight, tolerance=tolerance
    )
    req = np.array(requirement_points, dtype=float) if requirement_points is not None else points / 10.0
    return Decision(
        names=names,
        service_ids=[f"S{k + 1}" for k in range(m)],
        service_names=[f"Service {k + 1}" for k in range(m)],
        service_points=points,
        service_share=np.full(m, 1.0 / m),
        price_total=prices,
        price_points=100.0 * prices.min() / prices,
        settings=settings,
        requirement_ids=[f"R{k + 1}" for k in range(req.shape[1])],
        requirement_service=np.arange(req.shape[1]) % m,
        requirement_share=np.ones(req.shape[1]),
        requirement_points=req,
    )
