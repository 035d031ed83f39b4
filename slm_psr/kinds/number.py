"""Kind 'number': any number in the requirement's unit, better in its direction (a share in '%' too)."""

from __future__ import annotations

from slm_psr.kinds.base import BaseKind, example
from slm_psr.model import Direction, Flag, FormHints, Parsed, Requirement, Rule, register_kind
from slm_psr.values.numbers import _times_100, parse_number, parse_percent, read_percent_cell
from slm_psr.values.text import _fmt


class NumberKind(BaseKind):
    """A number with a direction; the base for number-like kinds (a ticket backlog, a score)."""

    name = "number"
    label = "number"
    rules = frozenset({Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.LINEAR
    direction = Direction.HIGHER_IS_BETTER
    answer_hint = "a number"
    form = FormHints(
        "Incidents resolved at first contact (%)", minimum="60", target="80", free_unit=True, direction=True
    )
    cell_format = "number"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        shown = example(req.target if req.target is not None else req.minimum, 10)
        if req.unit == "%":
            return f"A number in percent, e.g. {shown}"
        return f"A number in {req.unit}, e.g. {shown}" if req.unit else f"A number, e.g. {shown}"

    def percent_answer(self, req: Requirement) -> bool:
        return req.unit == "%"

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        found = parse_number(text)
        if (
            "%" in unit
            and found.value is None
            and len(found.readings) == 2
            and found.flags == [Flag.AMBIGUOUS]
        ):
            percent = parse_percent(text)
            if percent.value is not None:
                return percent
        return found

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        if "%" in unit and "%" in number_format:
            return read_percent_cell(x, number_format)
        out = Parsed(value=x)
        if "%" in unit and 0 < x <= 1:
            # A share typed as a fraction (0.92) in a plain cell: 0.92 % or 92 %?
            out.flag(
                Flag.AMBIGUOUS,
                f"'{_fmt(x)}' could be {_fmt(x)} % or {_fmt(_times_100(x))} %; please confirm",
            )
        return out


SPEC = register_kind(NumberKind())
