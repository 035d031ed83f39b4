"""Kind 'availability': a percentage such as 99.5, scored on allowed downtime per measurement period by default."""

from __future__ import annotations

from typing import Any

import numpy as np

from slm_psr.kinds.base import BaseKind, num, refuse
from slm_psr.model import (
    Direction,
    FormHints,
    MeasurementPeriod,
    Parsed,
    Requirement,
    Rule,
    register_kind,
)
from slm_psr.values.numbers import parse_percent, read_percent_cell


class Availability(BaseKind):
    name = "availability"
    label = "availability"
    aliases = ("availability_percent", "percent", "%")
    rules = frozenset({Rule.DOWNTIME, Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.DOWNTIME
    direction = Direction.HIGHER_IS_BETTER
    uptime = True
    answer_hint = "a percentage; write e.g. '99.5 %'"
    form = FormHints("Availability of the platform per month", minimum="99.5", target="99.9")
    cell_format = "percent"

    def level(self, value: Any, where: str) -> Any:
        number = super().level(value, where)
        if not 0 < number <= 100:
            raise refuse(
                "level", f"{where} {value} is not a percentage between 0 and 100 (write 99.5 for 99.5 %)"
            )
        return number

    def check(self, req: Requirement, where: str) -> None:
        req.unit = "%"

    def format_level(self, req: Requirement, level: Any) -> str:
        return f"{num(level)} %"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "A percentage, e.g. 99.9 (shown as 99.9%)"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1,
            "error_type": "warning",
            "error_title": label,
            "error_message": "Type a percentage between 0 and 100, e.g. 99.9 (the cell shows 99.9%).",
            "input_title": label,
            "input_message": "A percentage, e.g. 99.9",
        }

    def answer_unit(self, req: Requirement) -> str:
        return "%"

    def percent_answer(self, req: Requirement) -> bool:
        return True

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        return parse_percent(text)

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        return read_percent_cell(x, number_format)

    def period_detail(self, req: Requirement, value: float, period: MeasurementPeriod) -> str:
        # Scored on downtime: the offer in minutes over the contract's own period (its days,
        # time zone and daylight-saving changes), not over an average month.
        if req.rule is Rule.DOWNTIME and not np.isnan(value):
            return f" ({period.downtime_words(value)})"
        return ""


SPEC = register_kind(Availability())
