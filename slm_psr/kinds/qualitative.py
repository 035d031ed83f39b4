"""Kind 'qualitative': a criterion the evaluators score 0-10 from the supplier's text."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from slm_psr.kinds.base import BaseKind, num, refuse
from slm_psr.model import (
    Answer,
    AnswerColumn,
    ColumnReading,
    Direction,
    Flag,
    FormHints,
    Parsed,
    Requirement,
    Rule,
    register_kind,
)
from slm_psr.values.text import _clean


class Qualitative(BaseKind):
    name = "qualitative"
    label = "qualitative"
    aliases = ("quality",)
    rules = frozenset({Rule.EVALUATORS, Rule.NONE})
    default_rule = Rule.EVALUATORS
    direction = Direction.HIGHER_IS_BETTER
    evaluated_by_people = True
    answer_hint = "text"
    form = FormHints("Approach to knowledge transfer (scored 0-10 by evaluators)")
    cell_format = "text"

    def check(self, req: Requirement, where: str) -> None:
        for name, level in (("minimum", req.minimum), ("target", req.target)):
            if level is not None and not 0 <= level <= 10:  # type: ignore[operator]
                raise refuse("range", f"{where}: {name} {level} must be a score from 0 to 10")

    def format_level(self, req: Requirement, level: Any) -> str:
        return f"{num(level)} / 10"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "Summary, or the document and section of your offer that describes it (scored by the evaluation team)"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        return None

    def answer_unit(self, req: Requirement) -> str:
        return ""

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        if _clean(text):
            return Parsed()  # free text: evaluators score it later, raw keeps it
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])

    def read_number(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        return Parsed()  # evaluators read the raw text

    def read_other(self, unit: str, value: object, shown: str, hours_per_day: float) -> Parsed:
        return Parsed()

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        # The evaluators' mean replaces the answer (engine); nothing here is a number.
        n = len(column.values)
        return ColumnReading(value=np.full(n, np.nan), readable=np.ones(n, bool))

    def offered_text(self, req: Requirement, answer: Answer | None, value: float, *, detail: bool) -> str:
        if math.isnan(value):
            return "not scored yet"
        return f"{self.format_level(req, round(float(value), 2))} (evaluators' mean)"

    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        return f"evaluators' mean {self.format_level(req, round(float(value), 2))}, {self.requirement_words(req)}"


SPEC = register_kind(Qualitative())
