"""Evaluation: from a PSR and the suppliers' responses to a ranking with its full trail.

Three steps, so that the arithmetic can be timed and reused on its own:

1. :func:`collect_inputs` reads the model once into numeric matrices
   (suppliers x requirements): the offered level as a number in the requirement's
   unit, whether it was answered, whether it is doubtful, set comparisons for
   coverage and languages, price amounts, evaluators' means and spreads.
2. :func:`compute` is pure numpy: knock-outs, SLA points, weights, price totals,
   the method and the ranking.
3. :func:`evaluate` wraps both, writes reasons for the failing cells only, and
   returns an :class:`Evaluation` with DataFrames a buyer (or the workbook
   writer) reads.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.methods import (
    TIE_BREAK,
    TIE_NOTE,
    VALUE_PER,
    Ranking,
    effective_weights,
    is_relative,
    leave_one_out,
    quality_price_shares,
    rank_bids,
)
from slm_psr.engine.price import FORMULA_TEXT, FORMULAS, RELATIVE_FORMULAS, price_totals, term_factors
from slm_psr.engine.qualify import (
    DISQUALIFIED,
    NEEDS_REVIEW,
    QUALIFIED,
    failure_reason,
    knock_out_gate,
    label,
    meets_levels,
    offered_text,
    price_review_reason,
    price_total_reason,
    review_reason,
    status_of,
)
from slm_psr.engine.rules import Levels, requirement_levels, sla_points, unscorable
from slm_psr.model import (
    PSR,
    CoverageWindow,
    DecisionCriterion,
    EvaluationSettings,
    Flag,
    Kind,
    Method,
    Override,
    PriceFormula,
    Requirement,
    Response,
    TimeUnit,
    format_level,
)

EVALUATOR_COLUMNS = ("supplier", "requirement", "evaluator", "score")
MAX_LOO_WARNINGS = 10  # the full list is in Evaluation.leave_one_out
_MINUTES = {TimeUnit.MINUTES.value: 1.0, TimeUnit.HOURS.value: 60.0}


# --- 1. the model as matrices -----------------------------------------------------


@dataclass
class Inputs:
    """Numeric matrices (suppliers x requirements) read once from the model."""

    psr: PSR
    responses: list[Response]
    suppliers: list[str]
    requirements: list[Requirement]  # every non-price requirement, PSR order
    price_items: list[Requirement]
    levels: Levels
    value: np.ndarray  # offered level as a number (see rules.sla_points)
    answered: np.ndarray
    doubtful: np.ndarray  # flagged, unreadable, or a qualitative criterion not yet scored
    flagged: np.ndarray  # flagged for review by the reader
    set_meets_minimum: np.ndarray  # coverage and languages
    set_meets_target: np.ndarray
    spread: np.ndarray  # qualitative: max - min of the evaluators' scores
    amounts: np.ndarray  # price items: amount per basis, NaN when missing
    price_doubtful: np.ndarray  # missing or flagged amounts
    notes: list[str] = field(default_factory=list)  # problems found while reading
    table: AnswerTable | None = None  # the answers as read, for the score table's text columns


def _minutes_per(unit: str, hours_per_business_day: float) -> float | None:
    try:
        unit = TimeUnit(unit).value
    except ValueError:
        return None
    if unit == TimeUnit.BUSINESS_DAYS.value:
        return hours_per_business_day * 60.0
    return _MINUTES[unit]


class _NoAnswer:
    """Stands in for a missing answer, so that every cell reads alike (no ``None`` check per cell)."""

    __slots__ = ()
    value = None
    raw = ""
    unit = ""
    flags: tuple[Flag, ...] = ()
    needs_review = False


NO_ANSWER = _NoAnswer()
_VALUE, _UNIT, _RAW, _FLAGS = (attrgetter(a) for a in ("value", "unit", "raw", "flags"))


@dataclass
class AnswerTable:
    """Every supplier's answer to every requirement and price item, in PSR order, supplier by
    supplier (the score table's row order): each Answer is read once, in the order the
    responses were built, because reading half a million of them scattered is what costs."""

    n_suppliers: int
    ids: list[str]  # requirement and price item IDs, PSR order
    answers: np.ndarray  # Answer, or NO_ANSWER where there is none (object arrays, one per cell)
    values: np.ndarray
    raws: np.ndarray
    flags: np.ndarray

    def __post_init__(self) -> None:
        self._position = {rid: k for k, rid in enumerate(self.ids)}
        shape = (self.n_suppliers, len(self.ids))
        self.objects = self.values.reshape(shape)
        types = list(map(type, self.values))
        self._types = list(dict.fromkeys(types))  # each value type met, judged once below
        code = {kind: k for k, kind in enumerate(self._types)}
        self._type_code = np.fromiter(map(code.__getitem__, types), np.intp, len(types)).reshape(shape)
        self.flagged = np.fromiter(map(bool, self.flags), bool, len(self.flags)).reshape(shape)

    def of_type(self, test: Any) -> np.ndarray:
        """(suppliers x ids) mask of the values whose type passes ``test``."""
        return np.array([bool(test(kind)) for kind in self._types], dtype=bool)[self._type_code]

    def types_in(self, requirement_id: str) -> set[type]:
        """The types of one requirement's values."""
        codes = np.unique(self._type_code[:, self._position[requirement_id]])
        return {self._types[code] for code in codes.tolist()}

    def position(self, requirement_id: str) -> int:
        return self._position[requirement_id]

    def column(self, cells: np.ndarray, requirement_id: str) -> np.ndarray:
        """One requirement's entries of ``cells`` (laid out like ``answers``), supplier by supplier."""
        return cells[self._position[requirement_id] :: len(self.ids)]


def read_answers(responses: list[Response], requirements: list[Requirement]) -> AnswerTable:
    """The :class:`AnswerTable` of ``responses`` over ``requirements`` (PSR order)."""
    ids = [q.id for q in requirements]
    count = len(responses) * len(ids)
    # object arrays, not lists: the garbage collector does not walk numpy arrays, and
    # walking half a million references on each young collection costs more than reading
    answers = np.fromiter(
        chain.from_iterable(map(resp.answers.get, ids, repeat(NO_ANSWER)) for resp in responses),
        object,
        count,
    )
    return AnswerTable(
        n_suppliers=len(responses),
        ids=ids,
        answers=answers,
        values=np.fromiter(map(_VALUE, answers), object, count),
        raws=np.fromiter(map(_RAW, answers), object, count),
        flags=np.fromiter(map(_FLAGS, answers), object, count),
    )


def _is_number_type(kind: type) -> bool:
    return kind in (int, float) or (
        issubclass(kind, (int, float, np.number)) and not issubclass(kind, (bool, np.bool_))
    )


def _read_columns(
    requirements: list[Requirement], table: AnswerTable, hours_per_business_day: float
) -> tuple[np.ndarray, ...]:
    """The answers to ``requirements`` as (value, unreadable, flagged, meets_min, meets_target)
    matrices (suppliers x requirements); qualitative criteria are left to the evaluators' table."""
    columns = [table.position(q.id) for q in requirements]
    objects = table.objects[:, columns]
    n, r = objects.shape
    value = np.full((n, r), np.nan)
    flagged = np.zeros((n, r), bool)
    meets_min = np.zeros((n, r), bool)
    meets_target = np.zeros((n, r), bool)
    given = table.of_type(lambda kind: kind is not type(None))[:, columns]
    number = table.of_type(_is_number_type)[:, columns]
    ok = given.copy()  # readable as the kind asks (other kinds: nothing to read)
    unreadable = np.zeros((n, r), bool)
    for i, j in zip(*np.nonzero(table.flagged[:, columns]), strict=True):  # few answers carry flags
        answer = table.answers[i * len(table.ids) + columns[j]]
        flagged[i, j] = answer.needs_review
        unreadable[i, j] = answer.value is None and Flag.UNREADABLE in answer.flags
    kinds = [q.kind for q in requirements]
    plain = np.flatnonzero([k in (Kind.AVAILABILITY, Kind.NUMBER) for k in kinds])
    ok[:, plain] = number[:, plain]
    value[:, plain] = np.where(number[:, plain], objects[:, plain], np.nan).astype(float)
    yes_no = np.flatnonzero([k is Kind.YES_NO for k in kinds])
    boolean = table.of_type(lambda kind: kind is bool)[:, columns][:, yes_no]
    window = table.of_type(lambda kind: kind is CoverageWindow)[:, columns]
    codes = table.of_type(lambda kind: kind is list)[:, columns]
    ok[:, yes_no] = boolean
    value[:, yes_no] = np.where(boolean, objects[:, yes_no], np.nan).astype(float)
    for j, req in enumerate(requirements):
        if req.kind not in (Kind.TIME_LIMIT, Kind.COVERAGE, Kind.LANGUAGES):
            continue
        cells = objects[:, j]
        if req.kind is Kind.TIME_LIMIT:
            target_unit = _minutes_per(req.unit, hours_per_business_day)
            units = list(map(_UNIT, table.column(table.answers, req.id)))
            per_unit = {u: _minutes_per(u, hours_per_business_day) if u else target_unit for u in set(units)}
            factor = {u: np.nan if f is None or target_unit is None else f for u, f in per_unit.items()}
            minutes = np.fromiter(map(factor.__getitem__, units), float, n)
            ok[:, j] = read = number[:, j] & ~np.isnan(minutes)
            if target_unit is not None:
                value[read, j] = cells[read].astype(float) * minutes[read] / target_unit
            continue
        if req.kind is Kind.COVERAGE:
            ok[:, j] = read = window[:, j]
            keys = list(map(attrgetter("intervals"), cells[read]))
            found = dict(zip(keys, cells[read].tolist(), strict=True))
            levels = {
                key: (
                    w.hours_per_week,
                    req.minimum is None or w.covers(req.minimum),  # type: ignore[arg-type]
                    req.target is not None and w.covers(req.target),  # type: ignore[arg-type]
                )
                for key, w in found.items()
            }
        else:
            ok[:, j] = read = codes[:, j]
            keys = list(map(tuple, cells[read]))
            extras = req.target or []
            levels = {}
            for key in dict.fromkeys(keys):
                offered = {str(c).lower() for c in key}
                share = sum(c in offered for c in extras) / len(extras) if extras else 1.0  # type: ignore[union-attr]
                levels[key] = (
                    share,
                    set(req.minimum or []) <= offered,  # type: ignore[arg-type]
                    bool(extras) and set(extras) <= offered,  # type: ignore[arg-type]
                )
        if keys:
            value[read, j], meets_min[read, j], meets_target[read, j] = np.array(
                list(map(levels.__getitem__, keys))
            ).T
    unreadable |= given & ~ok
    return value, unreadable, flagged, meets_min, meets_target


def _evaluator_table(
    scores: pd.DataFrame | None, psr: PSR, suppliers: list[str]
) -> tuple[dict[tuple[str, str], tuple[float, float, float]], list[str]]:
    """(supplier, requirement) -> (mean, lowest, highest) from the evaluators' table; plus notes."""
    if scores is None or len(scores) == 0:
        return {}, []
    missing = [c for c in EVALUATOR_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(
            f"evaluator scores: missing column(s) {', '.join(missing)}; "
            f"expected columns {', '.join(EVALUATOR_COLUMNS)}"
        )
    table = scores.loc[:, list(EVALUATOR_COLUMNS)].copy()
    table["score"] = pd.to_numeric(table["score"], errors="coerce")
    bad = table[table["score"].isna() | (table["score"] < 0) | (table["score"] > 10)]
    if len(bad):
        row = bad.iloc[0]
        raise ValueError(
            f"evaluator scores: {row['evaluator']} gave {row['supplier']} on {row['requirement']} "
            f"the score {scores.loc[bad.index[0], 'score']!r}; scores run from 0 to 10"
        )
    kinds = {r.id: r.kind for r in psr.requirements}
    for rid in table["requirement"].unique():
        if rid not in kinds:
            raise ValueError(f"evaluator scores: requirement {rid} is not in the PSR")
        if kinds[rid] is not Kind.QUALITATIVE:
            raise ValueError(
                f"evaluator scores: requirement {rid} is not a qualitative criterion; "
                "only qualitative criteria are scored by evaluators"
            )
    notes = []
    unknown = sorted(map(str, set(table["supplier"]) - set(suppliers)))
    if unknown:
        notes.append(f"evaluator scores name supplier(s) without a response: {', '.join(unknown)}")
    stats = table.groupby(["supplier", "requirement"])["score"].agg(["mean", "min", "max"])
    table_by_cell = dict(
        zip(stats.index, zip(stats["mean"], stats["min"], stats["max"], strict=True), strict=True)
    )
    return table_by_cell, notes  # type: ignore[return-value]


def collect_inputs(
    psr: PSR,
    responses: list[Response],
    *,
    evaluator_scores: pd.DataFrame | None = None,
    settings: EvaluationSettings | None = None,
) -> Inputs:
    """Read the responses into matrices; raises ``ValueError`` for duplicate suppliers or bad scores."""
    settings = settings or psr.evaluation
    suppliers = [r.supplier for r in responses]
    dupes = sorted(name for name, count in Counter(suppliers).items() if count > 1)
    if dupes:
        raise ValueError(f"two responses carry the same supplier name: {', '.join(dupes)}; keep one each")
    requirements = psr.service_requirements
    price_items = psr.price_items
    spread = np.full((len(responses), len(requirements)), np.nan)
    evaluated, notes = _evaluator_table(evaluator_scores, psr, suppliers)
    for resp in responses:
        other_psr = resp.psr_id and resp.psr_id != psr.id
        other_version = resp.psr_version is not None and resp.psr_version != psr.version
        if other_psr or other_version:
            version = "?" if resp.psr_version is None else resp.psr_version
            notes.append(
                f"{resp.supplier} answered {resp.psr_id or psr.id} version {version}; "
                f"this evaluation uses {psr.id} version {psr.version}: check the answers still fit"
            )
    table = read_answers(responses, psr.requirements)
    value, unreadable, flagged, set_min, set_target = _read_columns(
        requirements, table, settings.hours_per_business_day
    )
    # qualitative criteria: the evaluators' mean, not the answers
    qualitative = np.array([q.kind is Kind.QUALITATIVE for q in requirements], dtype=bool)
    value[:, qualitative] = np.nan
    flagged[:, qualitative] = set_min[:, qualitative] = set_target[:, qualitative] = False
    row_of = {name: i for i, name in enumerate(suppliers)}
    column_of = {q.id: j for j, q in enumerate(requirements)}
    for (name, rid), (mean, low, high) in evaluated.items():
        if name in row_of:  # suppliers without a response are named in the notes
            value[row_of[name], column_of[rid]] = mean
            spread[row_of[name], column_of[rid]] = high - low
    answered = ~np.isnan(value)
    unreadable[:, qualitative] = ~answered[:, qualitative]  # not yet scored: a person must act
    columns = [table.position(item.id) for item in price_items]
    number = table.of_type(_is_number_type)[:, columns]
    # C order: the price totals' matrix product must sum in the same order every time
    amounts = np.where(number, table.objects[:, columns], np.nan).astype(float, order="C")
    price_doubtful = np.ascontiguousarray(~number)
    for i, j in zip(*np.nonzero(number & table.flagged[:, columns]), strict=True):
        price_doubtful[i, j] = table.answers[i * len(table.ids) + columns[j]].needs_review
    return Inputs(
        psr=psr,
        responses=responses,
        suppliers=suppliers,
        requirements=requirements,
        price_items=price_items,
        levels=requirement_levels(requirements),
        value=value,
        answered=answered,
        doubtful=flagged | unreadable,
        flagged=flagged,
        set_meets_minimum=set_min,
        set_meets_target=set_target,
        spread=spread,
        amounts=amounts,
        price_doubtful=price_doubtful,
        notes=notes,
        table=table,
    )


# --- 2. the arithmetic ------------------------------------------------------------


@dataclass
class Settled:
    """The overrides that count, resolved to cells: last one per (supplier, requirement)."""

    accepted_cells: list[tuple[int, int]] = field(default_factory=list)  # requirement cells
    accepted_prices: list[tuple[int, int]] = field(default_factory=list)
    rejected: dict[int, list[Override]] = field(default_factory=dict)  # cell-level rejections
    whole_bid: dict[int, Override] = field(default_factory=dict)
    by_supplier: dict[int, list[Override]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def settle_overrides(inputs: Inputs, overrides: list[Override] | tuple[Override, ...]) -> Settled:
    """Map overrides to supplier and requirement positions; unknown names become notes."""
    settled = Settled()
    sup = {name: i for i, name in enumerate(inputs.suppliers)}
    req = {r.id: j for j, r in enumerate(inputs.requirements)}
    price = {r.id: j for j, r in enumerate(inputs.price_items)}
    last: dict[tuple[str, str | None], Override] = {}
    for o in overrides:
        if o.supplier not in sup:
            settled.notes.append(f"override for {o.supplier} ignored: no response from that supplier")
        elif o.requirement_id is not None and o.requirement_id not in req | price:
            settled.notes.append(
                f"override for {o.supplier} ignored: requirement {o.requirement_id} is not in the PSR"
            )
        else:
            last.pop((o.supplier, o.requirement_id), None)  # keep insertion order = last decision
            last[(o.supplier, o.requirement_id)] = o
    for (name, rid), o in last.items():
        i = sup[name]
        settled.by_supplier.setdefault(i, []).append(o)
        if rid is None:
            settled.whole_bid[i] = o
        elif o.decision == "reject":
            settled.rejected.setdefault(i, []).append(o)
        elif rid in req:
            settled.accepted_cells.append((i, req[rid]))
        else:
            settled.accepted_prices.append((i, price[rid]))
    return settled


@dataclass
class Core:
    """Every number of the evaluation, as arrays over suppliers (and requirements)."""

    meets_minimum: np.ndarray
    meets_target: np.ndarray
    fail: np.ndarray
    review: np.ndarray
    price_review: np.ndarray
    price_total_bad: np.ndarray
    status: np.ndarray
    points: np.ndarray  # 0..10, NaN for knock-out-only requirements
    share_in_service: np.ndarray
    service_share: np.ndarray
    service_index: np.ndarray
    effective: np.ndarray  # requirement's share of the quality points
    quality: np.ndarray  # 0..max_points
    price_total: np.ndarray
    eligible: np.ndarray
    ranking: Ranking


def compute(
    inputs: Inputs, settings: EvaluationSettings, service_weight: np.ndarray, settled: Settled
) -> Core:
    """Knock-outs, points, weights, price, method and ranking; numpy only (no reasons, no frames)."""
    lv = inputs.levels
    meets_min = meets_levels(inputs.value, lv.minimum, lv, inputs.set_meets_minimum)
    meets_target = meets_levels(inputs.value, lv.target, lv, inputs.set_meets_target)
    fail, review = knock_out_gate(meets_min, inputs.doubtful, lv.knock_out)
    price_review = inputs.price_doubtful.copy()
    if settled.accepted_cells:
        rows, cols = np.array(settled.accepted_cells).T
        fail[rows, cols] = review[rows, cols] = False
    if settled.accepted_prices:
        rows, cols = np.array(settled.accepted_prices).T
        price_review[rows, cols] = False

    points = sla_points(inputs.value, inputs.answered, meets_min, meets_target, lv)
    # An override admits a bid, never a level it does not offer: an answer below the
    # minimum earns no points (the extras rule would otherwise score missing French 10/10).
    below = lv.knock_out[None, :] & ~meets_min & inputs.answered
    points = np.where(below & ~np.isnan(points), 0.0, points)
    service_ids = [s.id for s in inputs.psr.services]
    service_index = np.array([service_ids.index(r.service) for r in inputs.requirements], dtype=int)
    typed = np.array([r.weight if r.is_scored else 0.0 for r in inputs.requirements], dtype=float)
    share_in_service, service_share, effective = effective_weights(typed, service_index, service_weight)
    quality = settings.max_points * (np.nan_to_num(points) @ effective) / 10.0

    price_total = price_totals(inputs.amounts, term_factors(inputs.price_items, inputs.psr.term_months))
    price_total_bad = price_total <= 0

    status = status_of(fail, review)
    status = np.where(
        status == QUALIFIED,
        np.where(price_review.any(axis=1) | price_total_bad, NEEDS_REVIEW, QUALIFIED),
        status,
    ).astype(object)
    for i in settled.rejected:
        status[i] = DISQUALIFIED
    for i, o in settled.whole_bid.items():
        status[i] = QUALIFIED if o.decision == "accept" else DISQUALIFIED
    # no override makes a bid without a positive price rankable
    status[(status == QUALIFIED) & price_total_bad] = NEEDS_REVIEW
    eligible = (status == QUALIFIED) & ~price_total_bad
    ranking = rank_bids(quality, price_total, eligible, settings)
    return Core(
        meets_minimum=meets_min,
        meets_target=meets_target,
        fail=fail,
        review=review,
        price_review=price_review,
        price_total_bad=price_total_bad,
        status=status,
        points=points,
        share_in_service=share_in_service,
        service_share=service_share,
        service_index=service_index,
        effective=effective,
        quality=quality,
        price_total=price_total,
        eligible=eligible,
        ranking=ranking,
    )


# --- 3. the result ----------------------------------------------------------------


def _json(value: Any) -> Any:
    """Plain JSON values: NaN and NA become None, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json(v) for v in value]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


@dataclass
class Evaluation:
    """The comparison of the bids: who is in, their points, totals and ranks, and the trail.

    ``suppliers`` has one row per supplier (ranked first, by rank), ``scores`` one
    row per supplier and requirement (price items included; its ``gate`` column
    holds the knock-out result per cell: pass, fail, review, accepted or rejected by
    an override, "" without a minimum; its ``flags`` column a tuple of flag words per
    cell, ``()`` for most: a tuple, not a list, because half a million fresh lists cost
    the garbage collector more than the rest of the evaluation), ``services`` the
    subtotals per supplier and service, ``weights`` the typed and normalised
    weights, ``leave_one_out`` the ranking with each qualified bid left out.
    """

    psr: PSR
    settings: EvaluationSettings
    suppliers: pd.DataFrame
    scores: pd.DataFrame
    services: pd.DataFrame
    weights: pd.DataFrame
    warnings: list[str]
    leave_one_out: pd.DataFrame
    overrides: list[Override]
    service_weights: dict[str, float]
    relative: bool
    tie_break: str = TIE_BREAK

    @property
    def winners(self) -> list[str]:
        """Supplier(s) ranked first (more than one on a tie)."""
        return self.suppliers.loc[self.suppliers["winner"], "supplier"].tolist()

    def ranking(self) -> pd.DataFrame:
        """The ranked bids only, best first."""
        ranked = self.suppliers[self.suppliers["rank"].notna()]
        return ranked.sort_values("rank", kind="stable").reset_index(drop=True)

    def explain(self, supplier: str) -> pd.DataFrame:
        """One supplier's trail, requirement by requirement: offered, points, weight, contribution."""
        if supplier not in set(self.suppliers["supplier"]):
            raise ValueError(f"no supplier {supplier!r}; known: {', '.join(self.suppliers['supplier'])}")
        return self.scores[self.scores["supplier"] == supplier].reset_index(drop=True)

    def method_description(self) -> str:
        """The method and its formulas in words, with this evaluation's parameters."""
        return method_description(self.psr, self.settings, self.service_weights)

    def to_dict(self, *, include_scores: bool = False) -> dict[str, Any]:
        """JSON-ready: the PSR reference, the method and parameters, per supplier status/reasons/total/rank."""
        columns = [
            "supplier",
            "file",
            "status",
            "reasons",
            "override",
            "total",
            "rank",
            "winner",
            "price_total",
            "price_points",
            "quality_points",
            "performance_L",
            "value_Z",
            "finalist",
        ]
        suppliers = [{c: _json(row[c]) for c in columns} for row in self.suppliers.to_dict(orient="records")]
        for row in suppliers:
            row["rank"] = None if row["rank"] is None else int(row["rank"])
        out: dict[str, Any] = {
            "psr": {
                "id": self.psr.id,
                "version": self.psr.version,
                "title": self.psr.title,
                "buyer": self.psr.buyer,
                "currency": self.psr.currency,
                "term_months": self.psr.term_months,
            },
            "method": {
                "name": self.settings.method.value,
                "parameters": self.settings.model_dump(mode="json"),
                "service_weights": self.service_weights,
                "relative": self.relative,
                "description": self.method_description(),
            },
            "tie_break": self.tie_break,
            "suppliers": suppliers,
            "warnings": list(self.warnings),
            "leave_one_out": _json(self.leave_one_out.to_dict(orient="records")),
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
            "weights": _json(self.weights.to_dict(orient="records")),
        }
        if include_scores:
            out["scores"] = _json(self.scores.to_dict(orient="records"))
        json.dumps(out)  # fail here, not in the caller, if anything is not plain JSON
        return out


def method_description(psr: PSR, settings: EvaluationSettings, service_weights: dict[str, float]) -> str:
    """The evaluation rules in words (see :meth:`Evaluation.method_description`)."""
    mp = f"{settings.max_points:g}"
    cur = psr.currency
    shares = ", ".join(f"{sid} {w:g}" for sid, w in service_weights.items())
    lines = [
        "Knock-outs first: a bid that misses any published minimum is disqualified; a doubtful answer "
        "to a knock-out, or an incomplete price, needs review before the bid can be ranked. "
        "Only qualified bids are ranked and enter any relative formula.",
        "SLA points 0-10 per requirement by its published rule (linear between minimum and target, "
        "availability on downtime minutes per month, step table, pass/fail, share of desirable extra "
        "languages, evaluators' mean); no answer earns 0.",
        f"Quality points L = {mp} x sum of (points / 10 x the requirement's weight share within its "
        f"service x the service's share); service weights {shares}.",
        f"Price P = total cost over the {psr.term_months}-month term: monthly items x quantity x "
        f"{psr.term_months} plus one-time items x quantity, in {cur}.",
    ]
    if settings.method is Method.MEAT:
        wq, wp = quality_price_shares(settings)
        lines.append(
            f"Method: most economically advantageous tender (MEAT, a weighted sum): total = {wq:.0%} x quality points + {wp:.0%} x price points, "
            f"both on 0-{mp}; highest total wins."
        )
        formula = FORMULA_TEXT[settings.price_formula]
        params = {
            PriceFormula.PRO_RATA_CEILING: f" with Pq = {settings.price_ceiling or 0:,.2f} {cur}",
            PriceFormula.ABSOLUTE: f" with Pmax = {settings.price_max or 0:,.2f} {cur}, "
            f"Popt = {settings.price_optimum or 0:,.2f} {cur}",
        }.get(settings.price_formula, "")
        lines.append(
            f"Price points, {FORMULAS[settings.price_formula].label.lower()}: {formula}{params}, max = {mp}."
        )
    else:
        lines.append(
            f"Method UfAB value for money (Richtwertmethode): Z = L / P, stated as points per "
            f"{VALUE_PER:,.0f} {cur}; the price weight and price formula are not used, the ratio is the trade-off."
        )
        if settings.method is Method.UFAB_SIMPLE:
            lines.append("Highest Z wins.")
        else:
            crit = (
                "the highest performance points L"
                if settings.decision_criterion is DecisionCriterion.HIGHEST_PERFORMANCE
                else "the lowest price P"
            )
            lines.append(
                f"UfAB extended method: bids with Z >= Zmax x (1 - {settings.tolerance:.0%}) are finalists; "
                f"among them {crit} wins (declared in advance); the others follow by Z."
            )
    if is_relative(settings):
        lines.append(
            "This method is relative: a bid's result depends on the other qualified bids, so adding or "
            "removing a bid can reverse the ranking of the others (see 'ranking with each bid left out')."
        )
    lines.append(TIE_BREAK)
    return "\n".join(lines)


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
    suppliers = _supplier_frame(inputs, core, settled, settings, warnings)
    scores = _score_frame(inputs, core, settled, settings, warnings)
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
        scores=scores,
        services=_service_frame(inputs, core, settings),
        weights=_weight_frame(inputs, core, settings, weights_by_service),
        warnings=warnings,
        leave_one_out=loo,
        overrides=list(overrides),
        service_weights=weights_by_service,
        relative=is_relative(settings),
    )


def _supplier_frame(
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
            f"{inputs.suppliers[i]} {inputs.price_items[j].id}: no amount given; counted as 0 after the override"
        )
    rk = core.ranking
    ufab = settings.method is not Method.MEAT
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


GATE_WORDS = ("pass", "fail", "review", "accepted", "rejected")


def gate_results(inputs: Inputs, core: Core, settled: Settled) -> np.ndarray:
    """Per supplier and requirement, the knock-out gate's word: pass, fail, review,
    accepted or rejected (settled by an override), or "" where there is no minimum."""
    knock_out = inputs.levels.knock_out
    fail0, review0 = knock_out_gate(core.meets_minimum, inputs.doubtful, knock_out)
    gate = np.where(np.broadcast_to(knock_out, fail0.shape), "pass", "").astype(object)
    gate[fail0 | review0] = "accepted"  # unless still open below
    gate[core.fail] = "fail"
    gate[core.review] = "review"
    for i, o in settled.whole_bid.items():
        if o.decision == "accept":
            gate[i, core.fail[i] | core.review[i]] = "accepted"
    column = {q.id: j for j, q in enumerate(inputs.requirements)}
    for i, rejections in settled.rejected.items():
        for o in rejections:
            if o.requirement_id in column:
                gate[i, column[o.requirement_id]] = "rejected"
    return gate


def _offered_column(req: Requirement, table: AnswerTable, value: np.ndarray) -> tuple[list[str], np.ndarray]:
    """What each supplier offered for ``req``: the distinct wordings, and per supplier which one."""
    if req.kind is Kind.QUALITATIVE:  # the evaluators' mean, not the answer
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
        keys = values
    if req.kind is Kind.TIME_LIMIT:  # the only words that name the answer's unit
        units = list(map(_UNIT, answers))
        if len(set(units)) > 1:
            keys = list(zip(keys, units, strict=True))
    last = dict(zip(keys, range(len(keys)), strict=True))  # a cell per distinct key
    code = dict(zip(last, range(len(last)), strict=True))
    words = [
        offered_text(req, None if answers[i] is NO_ANSWER else answers[i], float(value[i]))
        for i in last.values()
    ]
    return words, np.fromiter(map(code.__getitem__, keys), np.intp, len(keys))


def _strings(words: list[str] | np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A string column from its distinct words and a code per row (converting each word once)."""
    return pd.array(np.asarray(words, dtype=object), dtype="str").take(codes)


def _score_frame(
    inputs: Inputs, core: Core, settled: Settled, settings: EvaluationSettings, warnings: list[str]
) -> pd.DataFrame:
    reqs, items = inputs.requirements, inputs.price_items
    n, r, p = len(inputs.suppliers), len(reqs), len(items)
    # the requirement's share of the total (MEAT: times the quality weight; UfAB: of L)
    overall = core.effective * (quality_price_shares(settings)[0] if settings.method is Method.MEAT else 1.0)
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
        gate_results(inputs, core, settled), np.where(core.price_review, "review", "").astype(object)
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
            "kind": per_column([q.kind.value for q in reqs], [Kind.PRICE.value] * p),
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
        warnings.append(f"{name}: answers flagged for review were scored as read: {', '.join(ids)}")
    for i, j in zip(*np.nonzero(wide & still_in), strict=True):
        warnings.append(
            f"{inputs.suppliers[i]} {reqs[j].id}: evaluators' scores differ by "
            f"{inputs.spread[i, j]:g} points (more than {settings.evaluator_spread:g}); "
            "discuss and agree before the award"
        )
    return frame


def _service_frame(inputs: Inputs, core: Core, settings: EvaluationSettings) -> pd.DataFrame:
    services = inputs.psr.services
    m, n = len(services), len(inputs.suppliers)
    onehot = np.zeros((len(inputs.requirements), m))
    onehot[np.arange(len(inputs.requirements)), core.service_index] = 1.0
    within = settings.max_points * ((np.nan_to_num(core.points) / 10.0 * core.share_in_service) @ onehot)
    quality_share = quality_price_shares(settings)[0] if settings.method is Method.MEAT else 1.0
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


def _weight_frame(
    inputs: Inputs, core: Core, settings: EvaluationSettings, typed_services: dict[str, float]
) -> pd.DataFrame:
    quality_share, price_share = (
        quality_price_shares(settings) if settings.method is Method.MEAT else (1.0, 0.0)
    )
    rows: list[dict[str, Any]] = []
    if settings.method is Method.MEAT:
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


def _method_warnings(
    inputs: Inputs, core: Core, settings: EvaluationSettings, loo: pd.DataFrame
) -> list[str]:
    out: list[str] = []
    names = inputs.suppliers
    for j in np.flatnonzero(unscorable(inputs.levels)):
        q = inputs.requirements[j]
        if q.is_scored and q.weight > 0:
            out.append(f"{label(q)}: rule {q.rule.value} needs a minimum or a target; it earns no points")  # type: ignore[union-attr]
    qualitative = [j for j, q in enumerate(inputs.requirements) if q.kind is Kind.QUALITATIVE and q.is_scored]
    for j in qualitative:
        unscored = [names[i] for i in np.flatnonzero(~inputs.answered[:, j] & (core.status != DISQUALIFIED))]
        if unscored and not inputs.levels.knock_out[j]:
            out.append(
                f"{inputs.requirements[j].id}: no evaluator scores yet for {', '.join(unscored)}; "
                "counted as 0 points until scored"
            )
    pending = [names[i] for i in np.flatnonzero(core.status == NEEDS_REVIEW)]
    if pending:
        out.append(
            f"{', '.join(pending)} need{'s' if len(pending) == 1 else ''} review and "
            f"{'is' if len(pending) == 1 else 'are'} not ranked; the ranking is provisional until "
            "the answers are confirmed or an override decides"
        )
    if settings.method is Method.MEAT and settings.price_formula is PriceFormula.PRO_RATA_CEILING:
        above = [
            names[i] for i in np.flatnonzero(core.eligible & (core.price_total > settings.price_ceiling))
        ]  # type: ignore[operator]
        if above:
            out.append(
                f"{', '.join(above)}: total price above the ceiling Pq {settings.price_ceiling:,.2f} "
                f"{inputs.psr.currency}; 0 price points"
            )
    rank = core.ranking.rank
    first = [names[i] for i in np.flatnonzero(rank == 1)]
    if len(first) > 1:
        out.append(f"{' and '.join(first)} tie for first place; {TIE_NOTE}")
    places, counts = np.unique(rank[~np.isnan(rank) & (rank > 1)], return_counts=True)
    shared = [f"{int(p)}" for p, c in zip(places, counts, strict=True) if c > 1]
    if shared:
        out.append(f"Bids share rank {', '.join(shared[:10])}{' ...' if len(shared) > 10 else ''}.")
    if is_relative(settings) and core.eligible.sum() > 1:
        what = (
            f"the price formula ({FORMULAS[settings.price_formula].label.lower()}) compares each price with the "
            "lowest qualified price"
            if settings.method is Method.MEAT
            else "the tolerance band is measured from the best Z among the qualified bids"
        )
        out.append(
            f"Relative method: {what}, so adding or removing a bid can reverse the ranking of the others."
        )
        notes = [note[0].upper() + note[1:] for note in loo["note"] if note]
        out.extend(notes[:MAX_LOO_WARNINGS])
        if len(notes) > MAX_LOO_WARNINGS:
            out.append(f"... and {len(notes) - MAX_LOO_WARNINGS} more bids whose removal changes the ranking")
    if (
        settings.method is Method.MEAT
        and settings.price_formula in RELATIVE_FORMULAS
        and settings.price_weight == 0
    ):
        out.append("The price weight is 0: price does not affect the ranking.")
    return out
