"""Evaluation benchmark: knock-outs, points, method and ranking against a bare numpy weighted sum.

Three contenders, alternating so that all see the same load on a shared machine:

- ``evaluate``: the whole evaluation from the Responses (reasons, leave-one-out
  ranking; the score table of one row per supplier and requirement is built when
  first read), and the same with the score table read. The answer table of the same
  Response objects is kept per process (a weight move, a what-if, a new session on the
  same parsed bids), so these are repeated evaluations; ``first`` drops what is kept
  before each run, which is what a new set of bids costs;
- ``compute``: the numbers alone (knock-outs, points, weights, price, method,
  ranking) from the collected inputs, which is what a changed weight re-runs;
- bare numpy: the weighted sum of the same points matrix and a sort, nothing else.

    .venv/bin/python -m benchmarks.eval_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks.synthetic import make_psr, make_responses
from benchmarks.timing import medians_side_by_side


def bare_weighted_sum(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The floor: one matrix-vector product and a ranking by it."""
    totals = points @ weights
    return np.argsort(-totals, kind="stable")


def _afresh(psr: Any, responses: Any) -> object:
    """``engine.evaluate`` with nothing kept from an earlier evaluation (a new set of bids)."""
    from slm_psr.engine import evaluate
    from slm_psr.engine.inputs import forget_tables

    forget_tables()
    return evaluate(psr, responses)


def run(n_suppliers: int = 1000, n_requirements: int = 500, repeats: int = 5) -> dict[str, Any]:
    """Median seconds for ``evaluate``, for ``compute`` and for the bare weighted sum, and the ratios."""
    from slm_psr.engine import collect_inputs, compute, evaluate, settle_overrides

    psr = make_psr(n_requirements)
    # continuous answers: nearly every offered value is one of its own, as in a real tender
    responses = make_responses(psr, n_suppliers, seed=1, continuous=True)
    settings = psr.evaluation
    service_weights = np.array([service.weight for service in psr.services], dtype=float)
    inputs = collect_inputs(psr, responses, settings=settings)
    settled = settle_overrides(inputs, [])
    core = compute(inputs, settings, service_weights, settled)
    points = np.nan_to_num(core.points)
    weights = np.asarray(core.effective, dtype=float)
    evaluation = evaluate(psr, responses)

    contenders: dict[str, Callable[[], object]] = {
        "evaluate": lambda: evaluate(psr, responses),
        "first": partial(_afresh, psr, responses),
        "scores": lambda: evaluate(psr, responses).scores,
        "compute": lambda: compute(inputs, settings, service_weights, settled),
        "numpy": lambda: bare_weighted_sum(points, weights),
    }
    medians = medians_side_by_side(contenders, repeats)
    return {
        "n_suppliers": n_suppliers,
        "n_requirements": n_requirements,
        "repeats": repeats,
        "qualified": int(np.sum(core.eligible)),
        "score_rows": len(evaluation.scores),
        "evaluate_s": medians["evaluate"],
        "scores_s": medians["scores"],
        "evaluate_over_compute": medians["evaluate"] / medians["compute"],
        "first_s": medians["first"],
        "first_over_compute": medians["first"] / medians["compute"],
        "compute_s": medians["compute"],
        "numpy_s": medians["numpy"],
        "evaluate_ratio": medians["evaluate"] / medians["numpy"],
        "compute_ratio": medians["compute"] / medians["numpy"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    result = run(*args)
    print(
        f"evaluation {result['n_suppliers']} suppliers x {result['n_requirements']} requirements, median of "
        f"{result['repeats']}: evaluate {result['evaluate_s'] * 1000:.1f} ms (answers read afresh "
        f"{result['first_s'] * 1000:.1f} ms), compute "
        f"{result['compute_s'] * 1000:.1f} ms, bare numpy {result['numpy_s'] * 1000:.2f} ms"
    )
