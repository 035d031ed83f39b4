"""Evaluation: from a PSR and the suppliers' responses to a ranking with its full trail.

Three steps, so that the arithmetic can be timed and reused on its own, one module each:

1. :func:`collect_inputs` (``engine.inputs``) reads the model once into numeric matrices
   (suppliers x requirements): the offered level as a number in the requirement's
   unit, whether it was answered, whether it is doubtful, set comparisons for
   coverage and languages, price amounts, evaluators' means and spreads.
2. :func:`compute` (``engine.core``) is pure numpy: knock-outs, SLA points, weights, price totals,
   the method and the ranking.
3. :func:`evaluate` (here) wraps both, writes reasons for the failing cells only
   (the tables are built in ``engine.trail``), and returns an :class:`Evaluation`
   (``engine.result``) with DataFrames a buyer (or the workbook writer) reads.

The names of the three steps are importable from here, as before the split.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from slm_psr.engine.core import Core, Settled, compute, settle_overrides
from slm_psr.engine.inputs import (
    EVALUATOR_COLUMNS,
    NO_ANSWER,
    AnswerTable,
    Inputs,
    collect_inputs,
    read_answers,
)
from slm_psr.engine.methods import (
    METHODS,
    TIE_NOTE,
    MethodDef,
    is_relative,
    leave_one_out,
)
from slm_psr.engine.price import FORMULAS
from slm_psr.engine.qualify import (
    DISQUALIFIED,
    NEEDS_REVIEW,
    label,
)
from slm_psr.engine.result import Evaluation, method_description
from slm_psr.engine.rules import unscorable
from slm_psr.engine.trail import (
    gate_results,
    score_frame,
    score_warnings,
    service_frame,
    supplier_frame,
    weight_frame,
)
from slm_psr.model import (
    PSR,
    EvaluationSettings,
    Override,
    Response,
)
from slm_psr.wording import GATE_WORDS, WarningCode, WarningText

MAX_LOO_WARNINGS = 10  # the full list is in Evaluation.leave_one_out


def _service_weights(psr: PSR, given: dict[str, float] | None) -> dict[str, float]:
    weights = {s.id: s.weight for s in psr.services}
    for sid, w in (given or {}).items():
        if sid not in weights:
            raise ValueError(f"service weight for {sid}: no such service; known: {', '.join(weights)}")
        if not w >= 0:
            raise ValueError(f"service weight for {sid}: {w}; weights must be 0 or more")
        weights[sid] = float(w)
    if sum(weights.values()) <= 0:
        raise ValueError("service weights are all zero; at least one service must count")
    return weights


def evaluate(
    psr: PSR,
    responses: list[Response],
    *,
    overrides: list[Override] | tuple[Override, ...] = (),
    evaluator_scores: pd.DataFrame | None = None,
    settings: EvaluationSettings | None = None,
    service_weights: dict[str, float] | None = None,
) -> Evaluation:
    """Qualify, score and rank the responses to ``psr``.

    ``settings`` defaults to ``psr.evaluation`` (pass changed weights for a
    what-if); ``service_weights`` overrides the services' weights by ID;
    ``evaluator_scores`` has columns supplier, requirement, evaluator, score (0-10).
    """
    settings = settings or psr.evaluation
    overrides = [o if isinstance(o, Override) else Override.model_validate(o) for o in overrides]
    weights_by_service = _service_weights(psr, service_weights)
    inputs = collect_inputs(psr, responses, evaluator_scores=evaluator_scores, settings=settings)
    settled = settle_overrides(inputs, overrides)
    core = compute(inputs, settings, np.array(list(weights_by_service.values()), dtype=float), settled)
    warnings = [*inputs.notes, *settled.notes]
    suppliers = supplier_frame(inputs, core, settled, settings, warnings)
    warnings.extend(score_warnings(inputs, core, settings))
    loo_rows = leave_one_out(
        core.quality, core.price_total, core.eligible, settings, inputs.suppliers, core.ranking
    )
    loo = pd.DataFrame(
        loo_rows,
        columns=["left_out", "winner", "winner_without", "winner_changes", "reversals", "note"],
    )
    warnings.extend(_method_warnings(inputs, core, settings, loo))
    return Evaluation(
        psr=psr,
        settings=settings,
        suppliers=suppliers,
        scores=partial(score_frame, inputs, core, settled, settings),  # built when first read
        services=service_frame(inputs, core, settings),
        weights=weight_frame(inputs, core, settings, weights_by_service),
        warnings=warnings,
        leave_one_out=loo,
        overrides=list(overrides),
        service_weights=weights_by_service,
        relative=is_relative(settings),
    )


def _method_warnings(
    inputs: Inputs, core: Core, settings: EvaluationSettings, loo: pd.DataFrame
) -> list[str]:
    out: list[str] = []
    names = inputs.suppliers
    method, formula = METHODS[settings.method], FORMULAS[settings.price_formula]
    for j in np.flatnonzero(unscorable(inputs.levels)).tolist():
        q = inputs.requirements[j]
        if q.is_scored and q.weight > 0:
            out.append(
                WarningText(
                    WarningCode.RULE_WITHOUT_LEVELS,
                    f"{label(q)}: rule {q.rule.value} needs a minimum or a target; it earns no points",  # type: ignore[union-attr]
                )
            )
    if not core.effective.any() and method.quality_share(settings) > 0:
        out.append(WarningText(WarningCode.NO_QUALITY_WEIGHT, _no_weight_text(method, settings)))
    qualitative = [
        j for j, q in enumerate(inputs.requirements) if q.kind.spec.evaluated_by_people and q.is_scored
    ]
    for j in qualitative:
        unscored = [names[i] for i in np.flatnonzero(~inputs.answered[:, j] & (core.status != DISQUALIFIED))]
        if unscored and not inputs.levels.knock_out[j]:
            out.append(
                WarningText(
                    WarningCode.UNSCORED,
                    f"{inputs.requirements[j].id}: no evaluator scores yet for {', '.join(unscored)}; "
                    "counted as 0 points until scored",
                )
            )
    pending = [names[i] for i in np.flatnonzero(core.status == NEEDS_REVIEW)]
    if pending:
        out.append(
            WarningText(
                WarningCode.PROVISIONAL,
                f"{', '.join(pending)} need{'s' if len(pending) == 1 else ''} review and "
                f"{'is' if len(pending) == 1 else 'are'} not ranked; the ranking is provisional until "
                "the answers are confirmed or an override decides",
            )
        )
    limit = formula.zero_above
    if method.uses_price_points and limit is not None:
        ceiling = getattr(settings, limit.setting)
        above = [names[i] for i in np.flatnonzero(core.eligible & (core.price_total > ceiling))]
        if above:
            out.append(
                WarningText(
                    WarningCode.ABOVE_CEILING,
                    f"{', '.join(above)}: total price above the {limit.name} {ceiling:,.2f} "
                    f"{inputs.psr.currency}; 0 price points",
                )
            )
    rank = core.ranking.rank
    first = [names[i] for i in np.flatnonzero(rank == 1)]
    if len(first) > 1:
        out.append(
            WarningText(WarningCode.TIE_FIRST, f"{' and '.join(first)} tie for first place; {TIE_NOTE}")
        )
    places, counts = np.unique(rank[~np.isnan(rank) & (rank > 1)], return_counts=True)
    shared = [f"{int(p)}" for p, c in zip(places, counts, strict=True) if c > 1]
    if shared:
        out.append(
            WarningText(
                WarningCode.SHARED_RANK,
                f"Bids share rank {', '.join(shared[:10])}{' ...' if len(shared) > 10 else ''}.",
            )
        )
    why = method.relative_because(settings)
    if why is not None and core.eligible.sum() > 1:
        out.append(
            WarningText(
                WarningCode.RELATIVE_METHOD,
                f"Relative method: {why}, so adding or removing a bid can reverse the ranking of the others.",
            )
        )
        notes = [note[0].upper() + note[1:] for note in loo["note"] if note]
        out.extend(WarningText(WarningCode.LEAVE_ONE_OUT, note) for note in notes[:MAX_LOO_WARNINGS])
        if len(notes) > MAX_LOO_WARNINGS:
            out.append(
                WarningText(
                    WarningCode.LEAVE_ONE_OUT,
                    f"... and {len(notes) - MAX_LOO_WARNINGS} more bids whose removal changes the ranking",
                )
            )
    if method.uses_price_points and formula.relative and settings.price_weight == 0:
        out.append(
            WarningText(
                WarningCode.PRICE_WEIGHT_ZERO, "The price weight is 0: price does not affect the ranking."
            )
        )
    return out


def _no_weight_text(method: MethodDef, settings: EvaluationSettings) -> str:
    """Why quality counts for nothing when no requirement carries weight, in the method's terms."""
    if method.uses_price_points:
        return (
            "No requirement carries weight: every bid gets 0 quality points, so price alone decides "
            f"although the method gives quality {method.quality_share(settings):.0%}; give the "
            "requirements weights, or set the quality weight to 0 to award on price openly."
        )
    return (
        "No requirement carries weight: every bid gets 0 performance points L, so Z = L / P is 0 "
        "for all and cannot rank them; give the requirements weights."
    )


__all__ = [
    "EVALUATOR_COLUMNS",
    "GATE_WORDS",
    "NO_ANSWER",
    "AnswerTable",
    "Core",
    "Evaluation",
    "Inputs",
    "Settled",
    "collect_inputs",
    "compute",
    "evaluate",
    "gate_results",
    "method_description",
    "read_answers",
    "settle_overrides",
]
