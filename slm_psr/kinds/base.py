"""The defaults a kind starts from: a number compared by its direction, like 'number'.

A kind module subclasses :class:`BaseKind` (or a kind close to it), sets the plain-data
parts of :class:`~slm_psr.model.KindSpec` and overrides what differs. ``read_text`` and
``how_to_answer`` have no default: every kind says how its answers are read and asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
from pydantic_core import PydanticCustomError

from slm_psr.model import (
    Answer,
    AnswerColumn,
    ColumnReading,
    CoverageWindow,
    Direction,
    Flag,
    FormHints,
    KindSpec,
    Parsed,
    Requirement,
)
from slm_psr.model.kind import Codes
from slm_psr.values.text import _fmt, _q


def refuse(code: str, message: str) -> PydanticCustomError:
    """An error in a PSR that pydantic reports with ``message`` as it is (raise it)."""
    return PydanticCustomError(code, message)


def num(x: float) -> str:
    """A level in words: 99.5, 1,234.5 (no float noise)."""
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def cell_number(text: str) -> float:
    """A number typed in a table cell: '99,5', '99.5 %', '1 000'; ``ValueError`` otherwise."""
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 99,5 written the German way
    return float(cleaned)


def number_of(level: object) -> float:
    """A minimum or target as the number the scoring kernels compare (NaN when absent)."""
    if level is None or level == []:
        return math.nan
    if isinstance(level, CoverageWindow):
        return level.hours_per_week
    if isinstance(level, bool):
        return 1.0 if level else 0.0
    if isinstance(level, list):  # compared as sets; the number is unused
        return 1.0
    return float(level)  # type: ignore[arg-type]


def example(level: Any, default: float) -> str:
    """A level as the example in an answer hint, or ``default`` when there is none."""
    return f"{level if isinstance(level, float) else default:g}"


class BaseKind(KindSpec):
    """A number in the requirement's unit, better in the requirement's direction."""

    aliases: tuple[str, ...] = ()
    priced = False
    set_based = False
    evaluated_by_people = False
    uptime = False
    no_answer_word = "minimum"  # 'no answer; minimum 99.5 %' (set kinds: 'required')
    # a kind that names no examples is still asked for its minimum and target
    form = FormHints("", minimum="minimum", target="target")

    # the PSR: levels --------------------------------------------------------------

    def level(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise refuse("level", f"{where} must be a number, got {value!r}")
        return float(value)

    def check(self, req: Requirement, where: str) -> None:
        return None

    def check_order(self, req: Requirement, where: str) -> None:
        lo, hi = req.minimum, req.target
        stricter = lo > hi if req.direction is Direction.HIGHER_IS_BETTER else lo < hi  # type: ignore[operator]
        if stricter:
            raise refuse(
                "order",
                f"{where}: minimum {self.format_level(req, lo)} is stricter than the target "
                f"{self.format_level(req, hi)}",
            )

    def format_level(self, req: Requirement, level: Any) -> str:
        return f"{num(level)} {req.unit}".strip()

    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        text = self.format_level(req, level)
        return f"at most {text}" if req.direction is Direction.LOWER_IS_BETTER else f"at least {text}"

    def requirement_words(self, req: Requirement) -> str:
        level = self.format_level(req, req.minimum)
        return (
            f"maximum allowed {level}" if req.direction is Direction.LOWER_IS_BETTER else f"minimum {level}"
        )

    def level_cell(self, level: Any) -> str:
        if isinstance(level, float):
            return f"{level:,.6f}".rstrip("0").rstrip(".").replace(",", "")
        return str(level)

    def parse_level_cell(self, text: str, where: str) -> Any:
        try:
            return cell_number(text)
        except ValueError:
            raise ValueError(f"{where}: '{text}' is not a number") from None

    # the questionnaire ------------------------------------------------------------

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        upper = 100 if req.unit == "%" else None
        rule: dict[str, Any] = (
            {"criteria": "between", "minimum": 0, "maximum": upper}
            if upper
            else {"criteria": ">=", "value": 0}
        )
        how = self.how_to_answer(req, "")
        return {
            "validate": "decimal",
            **rule,
            "error_type": "warning",
            "error_title": label,
            "error_message": f"Type a number: {how}.",
            "input_title": label,
            "input_message": how,
        }

    # reading an answer --------------------------------------------------------------

    def answer_unit(self, req: Requirement) -> str:
        return req.unit

    def percent_answer(self, req: Requirement) -> bool:
        return False

    def read_number(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        if not math.isfinite(x):
            return self.unreadable(f"'{x}' is not a finite number; expected {self.answer_hint}")
        return self.read_finite(unit, x, number_format, hours_per_day)

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        """A finite number cell (``read_number`` has refused the others)."""
        return Parsed(value=x)

    def read_other(self, unit: str, value: object, shown: str, hours_per_day: float) -> Parsed:
        if isinstance(value, bool):
            return self.unreadable(f"{'TRUE' if value else 'FALSE'} is not {self.answer_hint}")
        return self.unreadable(f"{_q(shown)} is not {self.answer_hint}")

    def unreadable(self, note: str) -> Parsed:
        return Parsed().flag(Flag.UNREADABLE, note)

    def not_this_kind(self, x: float) -> Parsed:
        """A number where the kind wants something else (a window, languages)."""
        return self.unreadable(f"'{_fmt(x)}' is not {self.answer_hint}")

    # the engine -------------------------------------------------------------------

    def level_numbers(self, req: Requirement) -> tuple[float, float]:
        return number_of(req.minimum), number_of(req.target)

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        return ColumnReading(value=column.floats(), readable=column.number)

    def offered_text(self, req: Requirement, answer: Answer | None, value: float, *, detail: bool) -> str:
        if answer is None or answer.value is None:
            return "no answer"
        return self.format_level(req, answer.value)

    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        if answer is None or answer.value is None:
            return f"no answer; {self.no_answer_word} {self.format_level(req, req.minimum)}"
        return f"offered {self.offered_text(req, answer, value, detail=False)}, {self.requirement_words(req)}"


def distinct_reading(
    n: int,
    read: np.ndarray,
    keys: Iterable[Hashable],
    items: Iterable[Any],
    judge: Callable[[Any], tuple[float, bool, bool]],
) -> ColumnReading:
    """A set-based kind's column: ``judge`` gives (number, meets minimum, meets target) for one
    item of each distinct key (equal keys must judge alike), once; every answer read (``read``) takes its key's levels.

    Answers repeat from bid to bid (the same window, the same languages): each key is hashed
    once per answer and judged once per column, and the levels are gathered by numpy.
    """
    value = np.full(n, np.nan)
    meets_minimum = np.zeros(n, bool)
    meets_target = np.zeros(n, bool)
    keys = list(keys)
    # in C: equal keys judge alike, so any item of a key stands for it (here the last)
    item_of = dict(zip(keys, items, strict=True))
    position = Codes()
    codes = np.fromiter(map(position.__getitem__, keys), np.intp, len(keys))
    if len(codes):
        levels = np.array([judge(item_of[key]) for key in position], dtype=float)[codes]
        value[read], meets_minimum[read], meets_target[read] = levels.T
    return ColumnReading(value=value, readable=read, meets_minimum=meets_minimum, meets_target=meets_target)
