"""Kind 'reporting_day': the business day of the following month by which the monthly report is delivered.

A whole business day (1-23), lower is better; its minimum is the latest day allowed
("reporting day: offered business day 7, latest allowed business day 5").
"""

from __future__ import annotations

from typing import Any

from slm_psr.kinds.base import example, num, refuse
from slm_psr.kinds.number import NumberKind
from slm_psr.model import Direction, FormHints, Requirement, register_kind


class ReportingDay(NumberKind):
    name = "reporting_day"
    label = "reporting day"
    aliases = ("report_day", "reporting_business_day")
    direction = Direction.LOWER_IS_BETTER
    answer_hint = "a business day of the following month; write e.g. '3'"
    form = FormHints("Monthly service report delivered by business day", minimum="5", target="3")

    def level(self, value: Any, where: str) -> Any:
        level = super().level(value, where)
        if level != int(level) or not 1 <= level <= 23:
            raise refuse(
                "level", f"{where} {level:g} is not a business day of a month (a whole number, 1 to 23)"
            )
        return level

    def check(self, req: Requirement, where: str) -> None:
        req.unit = "business day"
        if req.direction is not Direction.LOWER_IS_BETTER:
            raise refuse("direction", f"{where}: an earlier report is better for the buyer (lower_is_better)")

    def format_level(self, req: Requirement, level: Any) -> str:
        return f"business day {num(level)}"

    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        return (
            f"by {self.format_level(req, level)} at the latest"
            if minimum
            else f"by {self.format_level(req, level)}"
        )

    def requirement_words(self, req: Requirement) -> str:
        return f"latest allowed {self.format_level(req, req.minimum)}"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        shown = example(req.target if req.target is not None else req.minimum, 5)
        return f"The business day of the following month by which your monthly service report is delivered, e.g. {shown}"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        how = self.how_to_answer(req, "")
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": 23,
            "error_type": "warning",
            "error_title": label,
            "error_message": f"Type a business day: {how}.",
            "input_title": label,
            "input_message": how,
        }


SPEC = register_kind(ReportingDay())
