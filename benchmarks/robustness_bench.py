"""Robustness benchmark: SMAA-2 (10,000 weight draws) and the stability intervals of a large tender.

The bids are the ranked bids of a synthetic tender; SMAA draws 10,000 weight
vectors and ranks every bid under each (vectorised), against the bare numpy
floor of the same work: one matrix product of the draws with the criteria and an
argsort per draw.

    .venv/bin/python -m benchmarks.robustness_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from benchmarks.synthetic import make_psr, make_responses
from benchmarks.timing import medians_side_by_side

DRAWS = 10_000


def run(
    n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5, draws: int = DRAWS
) -> dict[str, Any]:
    from slm_psr.engine import evaluate
    from slm_psr.engine.robustness import Decision, smaa, stability

    psr = make_psr(n_requirements)
    evaluation = evaluate(psr, make_responses(psr, n_suppliers, seed=1))
    decision = Decision.of(evaluation)
    _, values, w0 = decision.criteria()
    rng = np.random.default_rng(0)

    def bare() -> np.ndarray:
        weights = rng.dirichlet(np.ones(len(w0)), size=draws)
        return np.argsort(-(weights @ values.T), axis=1)

    medians = medians_side_by_side(
        {
            "smaa": lambda: smaa(decision, draws=draws, seed=0),
            "numpy": bare,
            "stability": lambda: stability(evaluation),
        },
        repeats,
    )
    return {
        "ranked": len(decision.names),
        "criteria": values.shape[1],
        "draws": draws,
        "smaa_s": medians["smaa"],
        "numpy_s": medians["numpy"],
        "stability_s": medians["stability"],
        "ratio": medians["smaa"] / medians["numpy"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    r = run(*args)
    print(
        f"robustness, {r['ranked']} ranked bids x {r['criteria']} criteria: SMAA {r['draws']:,} draws "
        f"{r['smaa_s'] * 1000:.0f} ms (bare numpy {r['numpy_s'] * 1000:.0f} ms, {r['ratio']:.1f}x); "
        f"stability intervals {r['stability_s'] * 1000:.0f} ms"
    )
