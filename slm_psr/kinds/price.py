"""Kind 'price': a price item (a monthly or one-time fee), summed into the bid's price, never scored."""

from __future__ import annotations

import math
import re
from typing import Any

from slm_psr.kinds.base import BaseKind, refuse
from slm_psr.model import Answer, Direction, Flag, FormHints, Parsed, Requirement, Rule, register_kind
from slm_psr.values.numbers import parse_number
from slm_psr.values.text import _fmt
from slm_psr.wording import amount

# Words next to a price that do not change it.
_HARMLESS_PRICE_WORDS = re.compile(
    r"(?:(?:netto|net|zzgl\.? mwst\.?|zzgl\.? ust\.?|excl\.? vat|exkl\.? mwst\.?|plus vat|pro monat|"
    r"per month|monatlich|monthly|/ ?monat|/ ?month|p\.? ?m\.?|mtl\.?|pauschal|flat|fix|einmalig|"
    r"one-time|once|\.-|,-)\s*)+"
)


class Price(BaseKind):
    name = "price"
    label = "price"
    aliases = ("price_item",)
    rules = frozenset({Rule.NONE})
    default_rule = Rule.NONE
    direction = Direction.LOWER_IS_BETTER
    priced = True
    answer_hint = "an amount; write e.g. '1234.50'"
    form = FormHints("Monthly fee for the service desk")
    cell_format = "price"

    def level(self, value: Any, where: str) -> Any:
        raise refuse("level", f"{where}: price items have no minimum or target")

    def parse_level_cell(self, text: str, where: str) -> Any:
        raise ValueError(f"{where}: price items have no minimum or target; leave it empty")

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return f"Amount in {currency}, excl. VAT"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        return None

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        """Context the number reader lacks: a price '1.000' is 1000, a price in CHF for a EUR item."""
        found = parse_number(text)
        if Flag.MISSING in found.flags or Flag.UNREADABLE in found.flags:
            return found
        if found.value is None and len(found.readings) == 2:
            # Prices carry two decimals, never three: '12.500' is twelve thousand five hundred.
            found.value = found.readings[0]
            found.notes.append(f"read as {_fmt(found.value)}: a price has at most two decimals, not three")
        if found.value is None:
            return found
        wanted = unit[:3].upper()
        if found.unit and wanted.isalpha() and len(wanted) == 3 and found.unit != wanted:
            found.flag(Flag.NEEDS_REVIEW, f"the amount is in {found.unit}; the price item asks for {unit}")
        if found.rest and not _HARMLESS_PRICE_WORDS.fullmatch(found.rest.lower()):
            found.flag(
                Flag.NEEDS_REVIEW, f"the price comes with '{found.rest}'; please check what it includes"
            )
        if isinstance(found.value, float) and found.value < 0:
            found.flag(Flag.OUT_OF_RANGE, "a price cannot be negative")
        return found

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        out = Parsed(value=x)
        if x < 0:
            out.flag(Flag.OUT_OF_RANGE, f"'{_fmt(x)}': a price cannot be negative")
        return out

    def format_level(self, req: Requirement, level: Any) -> str:
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not math.isfinite(level):
            return str(level)
        return amount(level, req.unit)

    def offered_text(self, req: Requirement, answer: Answer | None, value: float, *, detail: bool) -> str:
        if answer is None or answer.value is None:
            return "no answer"
        shown = answer.value
        if isinstance(shown, bool) or not isinstance(shown, (int, float)):
            return f"'{answer.raw}' (not an amount)"
        return amount(shown, req.unit)


SPEC = register_kind(Price())
