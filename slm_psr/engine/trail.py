"""The evaluation's tables: one row per supplier, per supplier and requirement (the trail), per service and weight."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.contract import exposure_from_inputs
from slm_psr.engine.core import (
    Core,
    Settled,
)
from slm_psr.engine.inputs import (
    _UNIT,
    NO_ANSWER,
    AnswerTable,
    Inputs,
    read_answers,
)
from slm_psr.engine.methods import (
    METHODS,
)
from slm_psr.engine.price import FORMULAS, term_factors
from slm_psr.engine.qualify import (
    DISQUALIFIED,
    NEEDS_REVIEW,
    QUALIFIED,
    failure_reason,
    knock_out_gate,
    label,
    offered_text,
    price_review_reason,
    price_total_reason,
    review_reason,
)
from slm_psr.model import (
    CoverageWindow,
    EvaluationSettings,
    Flag,
    Requirement,
    format_level,
)
from slm_psr.wording import GATE_WORDS, Gate, WarningCode, WarningText


def supplier_frame(
    inputs: Inputs, core: Core, settled: Settled, settings: EvaluationSettings, warnings: list[str]
) -> pd.DataFrame:
    n = len(inputs.suppliers)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i, j in zip(*np.nonzero(core.fail), strict=True):
        req = inputs.requirements[j]
        reasons[i].append(failure_reason(req, inputs.responses[i].answers.get(req.id), inputs.value[i, j]))
    for i, rejections in settled.rejected.items():
        reasons[i].extend(
            f"{label(inputs.psr.requirement(o.requirement_id))}: {o.describe(scope=False)}"  # type: ignore[arg-type]
            for o in rejections
        )
    for i, o in settled.whole_bid.items():
        if o.decision == "reject":
            reasons[i].append(f"bid {o.describe()}")
    for i, j in zip(*np.nonzero(core.review), strict=True):
        req = inputs.requirements[j]
        answer = inputs.responses[i].answers.get(req.id)
        reasons[i].append(review_reason(req, answer, inputs.value[i, j], bool(core.meets_minimum[i, j])))
    for i, j in zip(*np.nonzero(core.price_review), strict=True):
        item = inputs.price_items[j]
        reasons[i].append(price_review_reason(item, inputs.responses[i].answers.get(item.id)))
    for i in np.flatnonzero(core.price_total_bad):
        reasons[i].append(
            price_total_reason(core.price_total[i], inputs.psr.currency, inputs.psr.term_months)
        )
    # what an override settled stays in the trail, marked as such
    for i, j in settled.accepted_cells:
        req = inputs.requirements[j]
        answer = inputs.responses[i].answers.get(req.id)
        if not inputs.levels.knock_out[j]:
            continue
        if inputs.doubtful[i, j]:
            why = review_reason(req, answer, inputs.value[i, j], bool(core.meets_minimum[i, j]))
        elif not core.meets_minimum[i, j]:
            why = failure_reason(req, answer, inputs.value[i, j])
            why += "; admitted by override with 0 points for it, as it is below the minimum"
        else:
            continue
        reasons[i].append(f"{why} (settled by override)")
    for i, j in settled.accepted_prices:
        if inputs.price_doubtful[i, j]:
            item = inputs.price_items[j]
            why = price_review_reason(item, inputs.responses[i].answers.get(item.id))
            reasons[i].append(f"{why} (settled by override)")
    for i, j in zip(*np.nonzero(np.isnan(inputs.amounts) & core.eligible[:, None]), strict=True):
        warnings.append(
            WarningText(
                WarningCode.PRICE_MISSING_AFTER_OVERRIDE,
                f"{inputs.suppliers[i]} {inputs.price_items[j].id}: no amount given; counted as 0 after the override",
            )
        )
    rk = core.ranking
    ufab = not METHODS[settings.method].uses_price_points
    frame = pd.DataFrame(
        {
            "supplier": inputs.suppliers,
            "file": [r.file for r in inputs.responses],
            "status": core.status,
            "reasons": reasons,
            "override": ["; ".join(o.describe() for o in settled.by_supplier.get(i, [])) for i in range(n)],
            "quality_points": core.quality,
            "price_total": core.price_total,
            "price_points": rk.price_points,
            "total": rk.total,
            "rank": pd.array([None if np.isnan(x) else int(x) for x in rk.rank], dtype="Int64"),
            "winner": rk.rank == 1,
            "performance_L": np.where(core.eligible, core.quality, np.nan) if ufab else np.nan,
            "value_Z": rk.value_z,
            "finalist": rk.finalist,
        }
    )
    if inputs.psr.contract_terms is not None:
        # the money at stake each month under the contract terms, beside price and points
        exposure = exposure_from_inputs(inputs)
        frame["at_risk_amount"] = exposure["at_risk_amount"].to_numpy(dtype=float)
        frame["credit_at_minimums"] = exposure["credit_at_minimums"].to_numpy(dtype=float)
    order = {QUALIFIED: 0, NEEDS_REVIEW: 1, DISQUALIFIED: 2}
    frame["_order"] = frame["status"].map(order)
    frame = frame.sort_values(["rank", "_order"], kind="stable", na_position="last")
    return frame.drop(columns="_order").reset_index(drop=True)


def _value_key(value: Any) -> Any:
    """A hashable stand-in for an answer's value (lists and windows are not hashable as given)."""
    kind = type(value)  # not isinstance: pydantic's instance check is slow over 500,000 cells
    if kind is list:
        return ("list", *value)
    if kind is CoverageWindow:
        return ("window", value.text)
    return (kind.__name__, value)


def gate_results(inputs: Inputs, core: Core, settled: Settled) -> np.ndarray:
    """Per supplier and requirement, the knock-out gate's word: pass, fail, review,
    accepted or rejected (settled by an override), or "" where there is no minimum."""
    knock_out = inputs.levels.knock_out
    fail0, review0 = knock_out_gate(core.meets_minimum, inputs.doubtful, knock_out)
    gate = np.where(np.broadcast_to(knock_out, fail0.shape), Gate.PASS, "").astype(object)
    gate[fail0 | review0] = Gate.ACCEPTED  # unless still open below
    gate[core.fail] = Gate.FAIL
    gate[core.review] = Gate.REVIEW
    for i, o in settled.whole_bid.items():
        if o.decision == "accept":
            gate[i, core.fail[i] | core.review[i]] = Gate.ACCEPTED
    column = {q.id: j for j, q in enumerate(inputs.requirements)}
    for i, rejections in settled.rejected.items():
        for o in rejections:
            if o.requirement_id in column:
                gate[i, column[o.requirement_id]] = Gate.REJECTED
    return gate


def _offered_column(req: Requirement, table: AnswerTable, value: np.ndarray) -> tuple[list[str], np.ndarray]:
    """What each supplier offered for ``req``: the distinct wordings, and per supplier which one."""
    if req.kind.spec.evaluated_by_people:  # the evaluators' mean, not the answer
        levels, where = np.unique(value, return_inverse=True)
        return [offered_text(req, None, level) for level in levels.tolist()], where
    answers = table.column(table.answers, req.id)
    values = table.column(table.values, req.id)
    distinct = table.types_in(req.id)
    # Equal keys get equal words. Plain values are their own key (no tuple per cell);
    # the type keeps True apart from 1.0 where both occur.
    keys: list[Any]
    if distinct <= {list, type(None)}:
        keys = [None if v is None else tuple(v) for v in values]
    elif distinct <= {CoverageWindow, type(None)}:
        keys = [None if v is None else v.text for v in values]
    elif list in distinct or CoverageWindow in distinct:
        keys = list(map(_value_key, values))
    elif len(distinct - {type(None)}) > 1:
        keys = list(zip(map(type, values), values, strict=True))
    else:
        keys = values  # type: ignore[assignment]  # plain values are their own keys
    # an answer read in a unit of its own (a time in hours against minutes) is worded in it
    units = list(map(_UNIT, answers))
    if len(set(units) - {""}) > 1:  # "" is no answer (or a kind without units): worded alike
        keys = list(zip(keys, units, strict=True))
    last = dict(zip(keys, range(len(keys)), strict=True))  # a cell per distinct key
    code = dict(zip(last, range(len(last)), strict=True))
    words = [
        offered_text(req, None if answers[i] is NO_ANSWER else answers[i], float(value[i]))  # type: ignore[arg-type]
        for i in last.values()
    ]
    return words, np.fromiter(map(code.__getitem__, keys), np.intp, len(keys))


def _strings(words: list[str] | np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A string column from its distinct words and a code per row (converting each word once)."""
    return pd.array(np.asarray(words, dtype=object), dtype="str").take(codes)


def score_frame(
    inputs: Inputs, core: Core, settled: Settled, settings: EvaluationSettings, warnings: list[str]
) -> pd.DataFrame:
    reqs, items = inputs.requirements, inputs.price_items
    n, r, p = len(inputs.suppliers), len(reqs), len(items)
    # the requirement's share of the total (MEAT: times the quality weight; UfAB: of L)
    overall = core.effective * METHODS[settings.method].quality_share(settings)
    contribution = settings.max_points * np.nan_to_num(core.points) / 10.0 * overall
    wide = inputs.spread > settings.evaluator_spread
    knock_out = inputs.levels.knock_out
    factors = term_factors(items, inputs.psr.term_months)
    table = inputs.table or read_answers(inputs.responses, inputs.psr.requirements)
    # Rows run supplier by supplier, each supplier's in PSR order (the answer table's
    # layout); columns are built per requirement, text worded once per distinct answer.
    position = {q.id: k for k, q in enumerate(inputs.psr.requirements)}
    order = np.argsort([position[q.id] for q in (*reqs, *items)], kind="stable")

    def cells(service: np.ndarray, price: np.ndarray) -> np.ndarray:
        """(n, r) and (n, p) matrices as one column, supplier by supplier, in PSR order."""
        both = np.concatenate([np.broadcast_to(service, (n, r)), np.broadcast_to(price, (n, p))], axis=1)
        return both[:, order].reshape(-1)

    def per_column(service: list[Any], price: list[Any]) -> pd.api.extensions.ExtensionArray:
        """One word per requirement and price item, repeated for every supplier."""
        return _strings(np.array([*service, *price], dtype=object)[order], np.tile(np.arange(r + p), n))

    vocabulary: list[str] = []
    codes = np.empty((r + p, n), np.intp)
    for j, q in enumerate(reqs):
        words, codes[j] = _offered_column(q, table, inputs.value[:, j])
        codes[j] += len(vocabulary)
        vocabulary.extend(words)
    for j, item in enumerate(items):  # amounts differ from bid to bid
        answers = table.column(table.answers, item.id)
        codes[r + j] = len(vocabulary) + np.arange(n)
        vocabulary.extend(
            offered_text(item, None if a is NO_ANSWER else a, x)
            for a, x in zip(answers, inputs.amounts[:, j].tolist(), strict=True)
        )
    gate = cells(
        gate_results(inputs, core, settled), np.where(core.price_review, Gate.REVIEW.value, "").astype(object)
    )
    gate_code = {word: k for k, word in enumerate((*GATE_WORDS, ""))}
    no_price = np.array([[a is NO_ANSWER for a in table.column(table.answers, q.id)] for q in items], bool)
    # flags: a fresh list per cell, as few cells carry any
    flags: list[tuple[str, ...]] = [()] * (n * (r + p))
    for k in np.flatnonzero(table.flagged).tolist():
        flags[k] = tuple(f.value for f in table.flags[k])
    for k in np.flatnonzero(cells(wide, np.zeros((n, p), bool))).tolist():
        flags[k] = (*flags[k], "evaluator_spread")
    for k in np.flatnonzero(cells(np.zeros((n, r), bool), no_price.reshape(p, n).T)).tolist():
        flags[k] = (*flags[k], Flag.MISSING.value)
    nan_prices = np.full((n, p), np.nan)
    met = pd.arrays.BooleanArray(
        cells(core.meets_minimum, np.zeros((n, p), bool)).copy(),
        cells(~knock_out, np.ones((n, p), bool)).copy(),
    )
    frame = pd.DataFrame(
        {
            "supplier": _strings(inputs.suppliers, np.repeat(np.arange(n), r + p)),
            "requirement": per_column([q.id for q in reqs], [q.id for q in items]),
            "service": per_column([q.service for q in reqs], [q.service for q in items]),
            "kind": per_column([q.kind.value for q in reqs], [q.kind.value for q in items]),
            "rule": per_column([q.rule.value for q in reqs], ["none"] * p),  # type: ignore[union-attr]
            "offered": _strings(vocabulary, codes[order].T.reshape(-1)),
            "raw": table.raws,
            "value": cells(inputs.value, inputs.amounts),
            "flags": flags,
            "minimum": per_column([format_level(q, q.minimum) for q in reqs], ["-"] * p),
            "target": per_column([format_level(q, q.target) for q in reqs], ["-"] * p),
            "met_minimum": met,
            "gate": _strings(
                [*GATE_WORDS, ""], np.fromiter(map(gate_code.__getitem__, gate), np.intp, len(gate))
            ),
            "points": cells(core.points, nan_prices),
            "requirement_weight": cells(core.share_in_service, nan_prices),
            "share_of_quality": cells(core.effective, nan_prices),
            "effective_weight": cells(overall, nan_prices),
            "contribution": cells(contribution, nan_prices),
            "term_cost": cells(np.full((n, r), np.nan), inputs.amounts * factors),
        }
    )

    # spreads and doubtful values on scored, non-knock-out requirements: warn, do not block
    # (not for bids already out: nothing there changes the award)
    still_in = (core.status != DISQUALIFIED)[:, None]
    doubtful_scored: dict[str, list[str]] = {}
    for i, j in zip(*np.nonzero(inputs.flagged & ~knock_out & still_in), strict=True):
        doubtful_scored.setdefault(inputs.suppliers[i], []).append(reqs[j].id)
    for name, ids in doubtful_scored.items():
        warnings.append(
            WarningText(
                WarningCode.FLAGGED_SCORED,
                f"{name}: answers flagged for review were scored as read: {', '.join(ids)}",
            )
        )
    for i, j in zip(*np.nonzero(wide & still_in), strict=True):
        warnings.append(
            WarningText(
                WarningCode.EVALUATOR_SPREAD,
                f"{inputs.suppliers[i]} {reqs[j].id}: evaluators' scores differ by "
                f"{inputs.spread[i, j]:g} points (more than {settings.evaluator_spread:g}); "
                "discuss and agree before the award",
            )
        )
    return frame


def service_frame(inputs: Inputs, core: Core, settings: EvaluationSettings) -> pd.DataFrame:
    services = inputs.psr.services
    m, n = len(services), len(inputs.suppliers)
    onehot = np.zeros((len(inputs.requirements), m))
    onehot[np.arange(len(inputs.requirements)), core.service_index] = 1.0
    within = settings.max_points * ((np.nan_to_num(core.points) / 10.0 * core.share_in_service) @ onehot)
    quality_share = METHODS[settings.method].quality_share(settings)
    price_onehot = np.zeros((len(inputs.price_items), m))
    ids = [s.id for s in services]
    for j, item in enumerate(inputs.price_items):
        price_onehot[j, ids.index(item.service)] = 1.0
    factors = term_factors(inputs.price_items, inputs.psr.term_months)
    service_price = (np.nan_to_num(inputs.amounts) * factors) @ price_onehot
    return pd.DataFrame(
        {
            "supplier": np.repeat(inputs.suppliers, m),
            "service": np.tile(ids, n),
            "name": np.tile([s.name for s in services], n),
            "service_weight": np.tile(core.service_share, n),
            "quality_points": within.reshape(-1),
            "contribution": (quality_share * within * core.service_share).reshape(-1),
            "price_total": service_price.reshape(-1),
        }
    )


def weight_frame(
    inputs: Inputs, core: Core, settings: EvaluationSettings, typed_services: dict[str, float]
) -> pd.DataFrame:
    method = METHODS[settings.method]
    quality_share, price_share = method.shares(settings)
    rows: list[dict[str, Any]] = []
    if method.uses_price_points:
        rows.append(
            {"level": "quality", "id": "quality", "service": "", "name": "quality points",
             "weight": settings.quality_weight, "normalised": quality_share, "effective": quality_share}
        )  # fmt: skip
        rows.append(
            {"level": "price", "id": "price", "service": "", "name": f"price points ({FORMULAS[settings.price_formula].label.lower()})",
             "weight": settings.price_weight, "normalised": price_share, "effective": price_share}
        )  # fmt: skip
    for k, s in enumerate(inputs.psr.services):
        rows.append(
            {"level": "service", "id": s.id, "service": s.id, "name": s.name, "weight": typed_services[s.id],
             "normalised": core.service_share[k], "effective": quality_share * core.service_share[k]}
        )  # fmt: skip
    for j, q in enumerate(inputs.requirements):
        rows.append(
            {"level": "requirement", "id": q.id, "service": q.service, "name": q.text,
             "weight": q.weight if q.is_scored else 0.0, "normalised": core.share_in_service[j],
             "effective": quality_share * core.effective[j]}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["level", "id", "service", "name", "weight", "normalised", "effective"])
