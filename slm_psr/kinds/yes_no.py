"""Kind 'yes_no': a certification or capability, answered yes or no; a minimum of yes is a knock-out."""

from __future__ import annotations

from typing import Any

import numpy as np

from slm_psr.kinds.base import BaseKind, number_of, refuse
from slm_psr.model import (
    Answer,
    AnswerColumn,
    ColumnReading,
    Direction,
    FormHints,
    Parsed,
    Requirement,
    Rule,
    register_kind,
)
from slm_psr.values.text import _fmt
from slm_psr.values.yes_no import parse_yes_no

_YES = {"yes", "y", "true", "ja", "oui", "1", "x"}
_NO = {"no", "n", "false", "nein", "non", "0"}


class YesNo(BaseKind):
    name = "yes_no"
    label = "yes/no"
    aliases = ("yesno", "bool", "boolean")
    rules = frozenset({Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.PASS_FAIL
    direction = Direction.HIGHER_IS_BETTER
    answer_hint = "yes or no"
    form = FormHints("Certified to ISO/IEC 27001", minimum="yes (required) or leave empty")
    cell_format = "text"
    no_answer_word = "required"

    def level(self, value: Any, where: str) -> Any:
        if not isinstance(value, bool):
            raise refuse("level", f"{where} must be true or false, got {value!r}")
        return value

    def check(self, req: Requirement, where: str) -> None:
        if req.minimum is False:
            req.minimum = None  # "no" as a minimum asks for nothing

    def check_order(self, req: Requirement, where: str) -> None:
        return None  # yes is the only level worth asking for

    def format_level(self, req: Requirement, level: Any) -> str:
        return "yes" if level else "no"

    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        return "yes (required)" if minimum and level else self.format_level(req, level)

    def requirement_words(self, req: Requirement) -> str:
        return f"required {self.format_level(req, req.minimum)}"

    def level_cell(self, level: Any) -> str:
        return "yes" if level else "no"

    def parse_level_cell(self, text: str, where: str) -> Any:
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        raise ValueError(f"{where}: write yes or no, not '{text}'")

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "yes or no"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        return {
            "validate": "list",
            "source": ["yes", "no"],
            "error_type": "warning",
            "error_title": label,
            "error_message": "Pick yes or no.",
        }

    def answer_unit(self, req: Requirement) -> str:
        return ""

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        return parse_yes_no(text)

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        if x in (0, 1):
            return Parsed(value=x == 1, notes=[f"'{_fmt(x)}' read as {'yes' if x == 1 else 'no'}"])
        return self.unreadable(f"'{_fmt(x)}' is not yes or no; write 'yes' or 'no'")

    def read_other(self, unit: str, value: object, shown: str, hours_per_day: float) -> Parsed:
        if isinstance(value, bool):
            return Parsed(value=value)
        return super().read_other(unit, value, shown, hours_per_day)

    def level_numbers(self, req: Requirement) -> tuple[float, float]:
        minimum, target = number_of(req.minimum), number_of(req.target)
        if req.minimum is None and req.target is None:
            target = 1.0  # a yes/no item without levels rewards "yes"
        return minimum, target

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        read = column.of_type(bool)
        value = np.where(read, column.values, np.nan).astype(float)
        return ColumnReading(value=value, readable=read)

    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        if answer is None or answer.value is None:
            return super().failure_detail(req, answer, value)
        return f"answered {self.format_level(req, bool(answer.value))}; required yes"


SPEC = register_kind(YesNo())
