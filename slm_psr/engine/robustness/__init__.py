"""How robust the decision is: weight stability intervals, SMAA-2 acceptability, AHP weights.

from slm_psr.engine.robustness import stability, acceptability, ahp
for interval in stability(result):
    print(interval.sentence())
print(acceptability(result, draws=10_000, seed=0).first())
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slm_psr.engine.evaluate import Evaluation
from slm_psr.engine.robustness.ahp import AHPResult, ahp, judgement_words, matrix_from_pairs
from slm_psr.engine.robustness.decision import Decision
from slm_psr.engine.robustness.smaa import Acceptability, acceptability, smaa
from slm_psr.engine.robustness.stability import StabilityInterval, stability


def robustness(
    evaluation: Evaluation,
    evaluator_scores: pd.DataFrame | None = None,
    *,
    draws: int = 10_000,
    seed: int = 0,
) -> dict[str, Any]:
    """JSON-ready ``stability`` (every interval) and ``acceptability`` (SMAA-2) of an evaluation."""
    if evaluation.ranking().empty:
        return {"stability": [], "acceptability": None}
    return {
        "stability": [s.to_dict() for s in stability(evaluation)],
        "acceptability": acceptability(
            evaluation, draws=draws, seed=seed, evaluator_scores=evaluator_scores
        ).to_dict(),
    }


__all__ = [
    "AHPResult",
    "Acceptability",
    "Decision",
    "StabilityInterval",
    "acceptability",
    "ahp",
    "judgement_words",
    "matrix_from_pairs",
    "robustness",
    "smaa",
    "stability",
]
