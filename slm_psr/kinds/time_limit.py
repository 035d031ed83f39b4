"""Kind 'time_limit': a response or resolution time in minutes, hours or business days; lower is better."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from slm_psr.kinds.base import BaseKind, example, num, refuse
from slm_psr.model import (
    Answer,
    AnswerColumn,
    ColumnReading,
    Direction,
    FormHints,
    Parsed,
    Requirement,
    Rule,
    TimeUnit,
    register_kind,
)
from slm_psr.values.durations import (
    _MIN,
    _TIME_HINT,
    TIME_FORMAT,
    excel_time_minutes,
    in_unit,
    parse_duration,
    read_clock_cell,
)
from slm_psr.values.text import _clean, _fmt

_UNIT_WORDS = {"minutes": "minutes", "hours": "hours", "business_days": "business days"}
_MINUTES = {TimeUnit.MINUTES.value: 1.0, TimeUnit.HOURS.value: 60.0}


def minutes_per(unit: str, hours_per_business_day: float) -> float | None:
    """Minutes in one ``unit`` (a business day lasts the PSR's setting); None for no time unit."""
    try:
        unit = TimeUnit(unit).value
    except ValueError:
        return None
    if unit == TimeUnit.BUSINESS_DAYS.value:
        return hours_per_business_day * 60.0
    return _MINUTES[unit]


class TimeLimit(BaseKind):
    name = "time_limit"
    label = "time limit"
    aliases = ("time", "duration", "response_time", "resolution_time")
    rules = frozenset({Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.LINEAR
    direction = Direction.LOWER_IS_BETTER
    answer_hint = f"a time; {_TIME_HINT}"
    form = FormHints(
        "Time to resolve a priority 1 incident",
        minimum="8",
        target="4",
        units=tuple(unit.value for unit in TimeUnit),
    )
    cell_format = "number"

    def level(self, value: Any, where: str) -> Any:
        number = super().level(value, where)
        if number <= 0:
            raise refuse("level", f"{where} must be a positive time, got {value}")
        return number

    def check(self, req: Requirement, where: str) -> None:
        if not req.unit:
            req.unit = TimeUnit.HOURS.value
        try:
            req.unit = TimeUnit(req.unit).value
        except ValueError:
            raise refuse(
                "unit", f"{where}: unit '{req.unit}' is not a time unit; use minutes, hours or business_days"
            ) from None

    def format_level(self, req: Requirement, level: Any) -> str:
        unit = _UNIT_WORDS[TimeUnit(req.unit).value]
        if level == 1:
            unit = unit.replace("minutes", "minute").replace("hours", "hour").replace("days", "day")
        return f"{num(level)} {unit}"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        shown = example(req.target if req.target is not None else req.minimum, 4)
        return f"A number of {_UNIT_WORDS[req.unit]}, e.g. {shown}"

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        found = parse_duration(text)
        if found.value is None:
            return found
        amount, written = float(found.value), found.unit  # type: ignore[arg-type]
        result = Parsed(flags=list(found.flags), notes=list(found.notes))
        return in_unit(result, amount, written, unit, hours_per_day, shown=_clean(text))

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        if TIME_FORMAT.search(number_format):  # Excel stores times as fractions of a day
            minutes = excel_time_minutes(x)
            out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
            return in_unit(out, minutes, _MIN, unit, hours_per_day)
        return in_unit(Parsed(), x, "", unit, hours_per_day, shown=_fmt(x))

    def read_other(self, unit: str, value: object, shown: str, hours_per_day: float) -> Parsed:
        if isinstance(value, (dt.timedelta, dt.time, dt.datetime)):
            return read_clock_cell(value, unit, hours_per_day)
        return super().read_other(unit, value, shown, hours_per_day)

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        # Each answer carries the unit it was read in: convert it into the requirement's.
        n = len(column.values)
        target_unit = minutes_per(req.unit, hours_per_day)
        units = column.units()
        per_unit = {u: minutes_per(u, hours_per_day) if u else target_unit for u in set(units)}
        factor = {u: np.nan if f is None or target_unit is None else f for u, f in per_unit.items()}
        if len(factor) == 1:  # the common case: every answer in one unit
            minutes = np.full(n, next(iter(factor.values())), dtype=float)
        else:
            minutes = np.fromiter(map(factor.__getitem__, units), float, n)
        read = column.number & ~np.isnan(minutes)
        value = np.full(n, np.nan)
        if target_unit is not None:
            value[read] = column.floats()[read] * minutes[read] / target_unit
        return ColumnReading(value=value, readable=read)

    def offered_text(self, req: Requirement, answer: Answer | None, value: float, *, detail: bool) -> str:
        if answer is None or answer.value is None:
            return "no answer"
        shown = answer.value
        try:
            unit = TimeUnit(answer.unit).value if answer.unit else req.unit
        except ValueError:
            return f"{shown} {answer.unit}"
        if unit != req.unit and not np.isnan(value):
            as_given = self.format_level(req.model_copy(update={"unit": unit}), shown)
            return f"{as_given} ({self.format_level(req, round(float(value), 6))})"
        return self.format_level(req, shown)


SPEC = register_kind(TimeLimit())
