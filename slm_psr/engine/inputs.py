"""Evaluation, step 1: the PSR and the responses read once into numeric matrices (suppliers x requirements)."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.rules import Levels, requirement_levels
from slm_psr.model import (
    PSR,
    AnswerColumn,
    EvaluationSettings,
    Flag,
    Requirement,
    Response,
)
from slm_psr.model.kind import Codes, ColumnReading
from slm_psr.wording import WarningCode, WarningText

EVALUATOR_COLUMNS = ("supplier", "requirement", "evaluator", "score")


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
    flagged: np.ndarray  # bool per cell: the answer carries a flag (laid out like ``answers``)

    def __post_init__(self) -> None:
        self._position = {rid: k for k, rid in enumerate(self.ids)}
        shape = (self.n_suppliers, len(self.ids))
        self.objects = self.values.reshape(shape)
        code = Codes()  # each value type met gets the next code, in order of first meeting
        count = len(self.values)
        self._type_code = np.fromiter(map(code.__getitem__, map(type, self.values)), np.intp, count).reshape(
            shape
        )
        self._types = list(code)  # each value type met, judged once by of_type
        self.flagged = self.flagged.reshape(shape)
        self._units: np.ndarray | None = None
        self._unit_columns: dict[int, np.ndarray] = {}
        self._raws: np.ndarray | None = None
        self._number: np.ndarray | None = None
        self._numbers: np.ndarray | None = None
        self._types_in: np.ndarray | None = None
        # each requirement's reading by its kind, keyed on the requirement as written and the
        # hours of a business day: a weight move or a what-if reads no column again
        self.readings: dict[tuple[str, float], ColumnReading] = {}
        # the matrices of :func:`_read_columns`, by the requirements' wording and business day
        self.judged: dict[tuple[tuple[str, ...], float], tuple[np.ndarray, ...]] = {}

    @property
    def number(self) -> np.ndarray:
        """(suppliers x ids) which values are plain numbers (not bools)."""
        if self._number is None:
            self._number = self.of_type(_is_number_type)
        return self._number

    @property
    def numbers(self) -> np.ndarray:
        """(suppliers x ids) the plain numbers as floats, NaN elsewhere: converted in one pass."""
        if self._numbers is None:
            self._numbers = np.where(self.number, self.objects, np.nan).astype(float)
        return self._numbers

    def units_of(self, requirement_id: str, together: list[str]) -> np.ndarray:
        """One requirement's units, supplier by supplier ("" for none).

        The first call reads the units of every requirement in ``together`` (those whose
        kind reads units) in one pass in memory order, supplier by supplier, rather
        than all half a million answers or one scattered column at a time.
        """
        if self._units is not None:
            return self.column(self._units, requirement_id)
        position = self._position[requirement_id]
        if position not in self._unit_columns:
            columns = sorted({self._position[rid] for rid in (*together, requirement_id)})
            cells = self.answers.reshape(self.objects.shape)[:, columns].ravel()
            read = np.fromiter(map(_UNIT, cells), object, len(cells)).reshape(-1, len(columns))
            self._unit_columns.update((k, read[:, j]) for j, k in enumerate(columns))
        return self._unit_columns[position]

    @property
    def raws(self) -> np.ndarray:
        """The text as submitted per cell ("" for none): only the trail shows it, so read when asked."""
        if self._raws is None:
            self._raws = np.fromiter(map(_RAW, self.answers), object, len(self.answers))
        return self._raws

    @property
    def units(self) -> np.ndarray:
        """The unit each answer was read in ("" for none), laid out like ``answers``.

        Read on first use, in one pass in memory order: reading it column by column
        (a time limit's suppliers) jumps across half a million objects.
        """
        if self._units is None:
            self._units = np.fromiter(map(_UNIT, self.answers), object, len(self.answers))
        return self._units

    def of_type(self, test: Any) -> np.ndarray:
        """(suppliers x ids) mask of the values whose type passes ``test``."""
        return np.array([bool(test(kind)) for kind in self._types], dtype=bool)[self._type_code]

    @property
    def type_codes(self) -> np.ndarray:
        """(suppliers x ids) the position of each value's type in :attr:`types`."""
        return self._type_code

    @property
    def types(self) -> tuple[type, ...]:
        return tuple(self._types)

    def types_in(self, requirement_id: str) -> set[type]:
        """The types of one requirement's values."""
        if self._types_in is None:  # every column at once: (types x columns) which occur
            codes = self._type_code
            self._types_in = np.zeros((len(self._types), codes.shape[1]), bool)
            for code in range(len(self._types)):
                self._types_in[code] = (codes == code).any(axis=0)
        occurs = self._types_in[:, self._position[requirement_id]]
        return {self._types[code] for code in np.flatnonzero(occurs).tolist()}

    def position(self, requirement_id: str) -> int:
        return self._position[requirement_id]

    def column(self, cells: np.ndarray, requirement_id: str) -> np.ndarray:
        """One requirement's entries of ``cells`` (laid out like ``answers``), supplier by supplier."""
        return cells[self._position[requirement_id] :: len(self.ids)]


def read_answers(responses: list[Response], requirements: list[Requirement]) -> AnswerTable:
    """The :class:`AnswerTable` of ``responses`` over ``requirements`` (PSR order).

    The table of the same Response objects in the same order and layout is read once
    and kept (see :data:`_TABLES`).
    """
    ids = tuple(q.id for q in requirements)
    key = (ids, tuple(map(id, responses)))
    with _TABLES_LOCK:
        kept = _TABLES.get(key)
        if kept is not None and all(map(_same_answers, kept[0], responses)):
            _TABLES.move_to_end(key)
            return kept[1]
    table = _read_table(responses, list(ids))
    with _TABLES_LOCK:
        # the table keeps the responses and their answers dicts alive: no id is reused while kept
        _TABLES[key] = ([(r, r.answers) for r in responses], table)
        while len(_TABLES) > MAX_TABLES:
            _TABLES.popitem(last=False)
    return table


# Answer tables kept per process: (layout, the responses' ids) -> ((response, its answers
# dict) per bid, table). A Response is read, never changed, once built: the store hands the
# same parsed object to every load of its text and the app keeps it per session, so a
# weight move, a what-if or a new session reads the same half-million answers again.
# Reading them (one Python attribute read per answer and field) was most of ``evaluate``;
# kept, a repeated evaluation costs about its arithmetic. A Response given another
# ``answers`` dict since (a copy with other answers) is read afresh.
MAX_TABLES = 8
_TABLES: OrderedDict[
    tuple[tuple[str, ...], tuple[int, ...]], tuple[list[tuple[Response, Any]], AnswerTable]
] = OrderedDict()
_TABLES_LOCK = threading.Lock()


def _same_answers(kept: tuple[Response, Any], response: Response) -> bool:
    return kept[0] is response and kept[1] is response.answers


def forget_tables() -> None:
    """Drop every kept answer table (tests; a process that wants its memory back)."""
    with _TABLES_LOCK:
        _TABLES.clear()


def _read_table(responses: list[Response], ids: list[str]) -> AnswerTable:
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
        flagged=np.fromiter(map(bool, map(_FLAGS, answers)), bool, count),
    )


def _is_number_type(kind: type) -> bool:
    return kind in (int, float) or (
        issubclass(kind, (int, float, np.number)) and not issubclass(kind, (bool, np.bool_))
    )


def _read_columns(
    requirements: list[Requirement], table: AnswerTable, hours_per_business_day: float
) -> tuple[np.ndarray, ...]:
    """The answers to ``requirements`` as (value, unreadable, flagged, meets_min, meets_target)
    matrices (suppliers x requirements); qualitative criteria are left to the evaluators' table.

    Judged once per table for the same requirements as written and the same hours of a
    business day (a weight move, a what-if of the method, a new session): the caller gets
    its own copies.
    """
    # a kind may read any field of its requirement: the key is the requirement as written
    wording = tuple(req.model_dump_json() for req in requirements)
    key = (wording, hours_per_business_day)
    judged = table.judged.get(key)
    if judged is None:
        judged = _judge_columns(requirements, wording, table, hours_per_business_day)
        with _TABLES_LOCK:  # sessions are threads: one evicts while another reads
            while len(table.judged) >= KEPT_PER_TABLE:
                table.judged.pop(next(iter(table.judged)))
            table.judged[key] = judged
    return tuple(matrix.copy() for matrix in judged)


KEPT_PER_TABLE = 4  # requirement wordings and business days judged and kept per answer table


def _judge_columns(
    requirements: list[Requirement],
    wording: tuple[str, ...],
    table: AnswerTable,
    hours_per_business_day: float,
) -> tuple[np.ndarray, ...]:
    columns = [table.position(q.id) for q in requirements]
    n, r = table.n_suppliers, len(columns)
    value = np.full((n, r), np.nan)
    flagged = np.zeros((n, r), bool)
    meets_min = np.zeros((n, r), bool)
    meets_target = np.zeros((n, r), bool)
    given = table.of_type(lambda kind: kind is not type(None))[:, columns]
    number = table.number
    numbers = table.numbers
    # the requirements of each kind: a kind that reads units reads them for all of its columns
    of_kind: dict[Any, list[str]] = {}
    for req in requirements:
        of_kind.setdefault(req.kind, []).append(req.id)
    ok = np.zeros((n, r), bool)  # readable as the kind asks
    unreadable = np.zeros((n, r), bool)
    for i, j in zip(*np.nonzero(table.flagged[:, columns]), strict=True):  # few answers carry flags
        answer = table.answers[i * len(table.ids) + columns[j]]
        flagged[i, j] = answer.needs_review
        unreadable[i, j] = answer.value is None and Flag.UNREADABLE in answer.flags
    types = table.types
    readings = table.readings
    if len(readings) > KEPT_PER_TABLE * len(table.ids):  # many PSR versions met: start again
        with _TABLES_LOCK:
            readings.clear()
    for j, req in enumerate(requirements):
        # each kind reads its own column (one vectorised pass over the suppliers), once per
        # wording of the requirement: a new PSR version reads only the columns it changed
        reading = readings.get((wording[j], hours_per_business_day))
        if reading is None:
            position = columns[j]
            column = AnswerColumn(
                values=table.objects[:, position],
                answers=table.column(table.answers, req.id),
                unit_source=partial(table.units_of, req.id, of_kind[req.kind]),
                number=number[:, position],
                numbers=numbers[:, position],
                type_codes=table.type_codes[:, position],
                types=types,
            )
            reading = req.kind.spec.read_column(req, column, hours_per_business_day)
            readings[(wording[j], hours_per_business_day)] = reading
        value[:, j] = reading.value
        ok[:, j] = reading.readable
        if reading.meets_minimum is not None:
            meets_min[:, j] = reading.meets_minimum
        if reading.meets_target is not None:
            meets_target[:, j] = reading.meets_target
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
        if not kinds[rid].spec.evaluated_by_people:
            raise ValueError(
                f"evaluator scores: requirement {rid} is not a qualitative criterion; "
                "only qualitative criteria are scored by evaluators"
            )
    notes = []
    unknown = sorted(map(str, set(table["supplier"]) - set(suppliers)))
    if unknown:
        notes.append(
            WarningText(
                WarningCode.EVALUATOR_UNKNOWN_SUPPLIER,
                f"evaluator scores name supplier(s) without a response: {', '.join(unknown)}",
            )
        )
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
                WarningText(
                    WarningCode.OTHER_PSR_VERSION,
                    f"{resp.supplier} answered {resp.psr_id or psr.id} version {version}; "
                    f"this evaluation uses {psr.id} version {psr.version}: check the answers still fit",
                )
            )
    table = read_answers(responses, psr.requirements)
    value, unreadable, flagged, set_min, set_target = _read_columns(
        requirements, table, settings.hours_per_business_day
    )
    # qualitative criteria: the evaluators' mean, not the answers
    qualitative = np.array([q.kind.spec.evaluated_by_people for q in requirements], dtype=bool)
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
    number = table.number[:, columns]
    # C order: the price totals' matrix product must sum in the same order every time
    amounts = np.ascontiguousarray(table.numbers[:, columns])
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
