"""The engine: qualification (knock-outs), SLA points, price formulas, award methods, ranking.

Pure functions over the model; no I/O. The entry point is :func:`evaluate`::

    from slm_psr.engine import evaluate, Override
    result = evaluate(psr, responses, evaluator_scores=scores_df)
    result.suppliers          # one row per supplier: status, reasons, total, rank
    result.explain("Acme")    # requirement by requirement: offered, points, contribution
"""

from slm_psr.engine.core import compute, settle_overrides
from slm_psr.engine.evaluate import evaluate
from slm_psr.engine.inputs import collect_inputs
from slm_psr.engine.methods import TIE_BREAK, VALUE_PER, competition_rank, is_relative
from slm_psr.engine.price import price_points
from slm_psr.engine.qualify import DISQUALIFIED, NEEDS_REVIEW, QUALIFIED
from slm_psr.engine.result import Evaluation, method_description
from slm_psr.engine.rules import MINUTES_PER_MONTH, downtime_minutes
from slm_psr.model import Override
from slm_psr.wording import GATE_WORDS

__all__ = [
    "DISQUALIFIED",
    "GATE_WORDS",
    "MINUTES_PER_MONTH",
    "NEEDS_REVIEW",
    "QUALIFIED",
    "TIE_BREAK",
    "VALUE_PER",
    "Evaluation",
    "Override",
    "collect_inputs",
    "competition_rank",
    "compute",
    "downtime_minutes",
    "evaluate",
    "is_relative",
    "method_description",
    "price_points",
    "settle_overrides",
]
