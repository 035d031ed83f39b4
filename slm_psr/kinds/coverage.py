"""Kind 'coverage': a weekly service window (24/7, Mon-Fri 08:00-18:00), compared by the hours it covers."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from slm_psr.kinds.base import BaseKind, distinct_reading, refuse
from slm_psr.model import (
    Answer,
    AnswerColumn,
    ColumnReading,
    CoverageWindow,
    Direction,
    FormHints,
    Parsed,
    Requirement,
    Rule,
    register_kind,
)
from slm_psr.values.coverage import _COVERAGE_HINT, parse_coverage

# Offered in the questionnaire's pick list; any other window may be typed.
COMMON_WINDOWS = ("24/7", "Mon-Fri 08:00-18:00", "Mon-Fri 07:00-20:00", "Mon-Sat 08:00-18:00")


class Coverage(BaseKind):
    name = "coverage"
    label = "coverage"
    aliases = ("coverage_window", "service_window", "window")
    rules = frozenset({Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.LINEAR
    direction = Direction.HIGHER_IS_BETTER
    set_based = True
    answer_hint = f"a service window; {_COVERAGE_HINT}"
    form = FormHints("Service desk hours", minimum="Mon-Fri 08:00-18:00", target="24/7")
    cell_format = "text"
    no_answer_word = "required"

    def level(self, value: Any, where: str) -> Any:
        if isinstance(value, CoverageWindow):
            return value
        if not isinstance(value, str):
            raise refuse("level", f"{where} must be a service window like 'Mon-Fri 08:00-18:00' or '24/7'")
        try:
            return CoverageWindow.parse(value)
        except ValueError as exc:
            raise refuse("level", f"{where}: {exc}") from None

    def check_order(self, req: Requirement, where: str) -> None:
        if not req.target.covers(req.minimum):  # type: ignore[union-attr,arg-type]
            raise refuse(
                "order",
                f"{where}: minimum {req.minimum} is stricter than the target {req.target} "
                "(the target window must include the minimum window)",
            )

    def format_level(self, req: Requirement, level: Any) -> str:
        return str(level)

    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        return f"covers at least {self.format_level(req, level)}"

    def requirement_words(self, req: Requirement) -> str:
        return f"required {self.format_level(req, req.minimum)}"

    def parse_level_cell(self, text: str, where: str) -> Any:
        return text

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "A service window: pick one or type e.g. Mon-Fri 08:00-18:00 or 24/7"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        options = list(COMMON_WINDOWS)
        for level in (req.minimum, req.target):
            if isinstance(level, CoverageWindow) and "," not in level.text and level.text not in options:
                options.append(level.text)
        return {
            "validate": "list",
            "source": options,
            "show_error": False,  # a suggestion list: any other window may be typed
            "input_title": label,
            "input_message": "Pick a window or type your own, e.g. Mon-Fri 07:00-19:00, Sat 09:00-13:00",
        }

    def answer_unit(self, req: Requirement) -> str:
        return ""

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        return parse_coverage(text)

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        return self.not_this_kind(x)

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        # Windows repeat from bid to bid: judge each distinct one once.
        read = column.of_type(CoverageWindow)
        windows = column.values[read].tolist()

        def judge(w: CoverageWindow) -> tuple[float, bool, bool]:
            return (
                w.hours_per_week,
                req.minimum is None or w.covers(req.minimum),  # type: ignore[arg-type]
                req.target is not None and w.covers(req.target),  # type: ignore[arg-type]
            )

        return distinct_reading(
            len(column.values), read, map(attrgetter("intervals"), windows), windows, judge
        )

    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        if answer is None or not isinstance(answer.value, CoverageWindow):
            return super().failure_detail(req, answer, value)
        gaps = CoverageWindow.from_intervals(req.minimum.missing_from(answer.value))  # type: ignore[union-attr]
        return f"offered {answer.value}; {self.requirement_words(req)}; not covered: {gaps}"


SPEC = register_kind(Coverage())
