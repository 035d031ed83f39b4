"""One wording for what a buyer reads everywhere: statuses, gate results, flags, offered values, warnings.

The import report, the pages, the command line, the engine's trail and the
comparison workbook all word a status, a flag or an offered value through this
module, so a price typed "1.234,5" reads "1,234.50 EUR/month" in each of them and a
bid the workbook calls "disqualified" is never "out" on a page.

Statuses, gate results and warning codes are ``StrEnum``s: they compare equal to
their values (the engine's tables hold the plain strings), and a page picks
warnings by their code, never by their text.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from slm_psr.model import Answer, Requirement


class Status(StrEnum):
    """Where a bid stands after the knock-out gate."""

    QUALIFIED = "qualified"
    NEEDS_REVIEW = "needs_review"
    DISQUALIFIED = "disqualified"

    @property
    def word(self) -> str:
        """The word a buyer reads: 'qualified', 'needs review', 'disqualified'."""
        return STATUS_WORDS[self]


STATUS_WORDS: dict[str, str] = {
    Status.QUALIFIED: "qualified",
    Status.NEEDS_REVIEW: "needs review",
    Status.DISQUALIFIED: "disqualified",
}


def status_word(status: str) -> str:
    """The buyer's word for a status value ('needs_review' -> 'needs review')."""
    return STATUS_WORDS.get(status, str(status).replace("_", " "))


class Gate(StrEnum):
    """The knock-out gate's result for one bid and one requirement with a minimum."""

    PASS = "pass"  # met
    FAIL = "fail"  # missed: the bid is disqualified
    REVIEW = "review"  # doubtful: a person confirms before the bid can be ranked
    ACCEPTED = "accepted"  # missed or doubtful, settled by an override
    REJECTED = "rejected"  # rejected by an override


GATE_WORDS: tuple[str, ...] = tuple(g.value for g in Gate)


class WarningCode(StrEnum):
    """What an evaluation warning is about; a page picks warnings by code, not by text."""

    OTHER_PSR_VERSION = "other_psr_version"  # a response answered another PSR or version
    EVALUATOR_UNKNOWN_SUPPLIER = "evaluator_unknown_supplier"
    OVERRIDE_IGNORED = "override_ignored"
    PRICE_MISSING_AFTER_OVERRIDE = "price_missing_after_override"
    FLAGGED_SCORED = "flagged_scored"  # answers flagged for review were scored as read
    EVALUATOR_SPREAD = "evaluator_spread"
    RULE_WITHOUT_LEVELS = "rule_without_levels"  # a rule that needs a minimum or target has none
    UNSCORED = "unscored"  # qualitative criteria without evaluator scores yet
    PROVISIONAL = "provisional"  # bids need review: the ranking is provisional
    ABOVE_CEILING = "above_ceiling"
    TIE_FIRST = "tie_first"
    SHARED_RANK = "shared_rank"
    RELATIVE_METHOD = "relative_method"
    LEAVE_ONE_OUT = "leave_one_out"  # leaving out a bid changes the ranking
    PRICE_WEIGHT_ZERO = "price_weight_zero"
    NO_QUALITY_WEIGHT = "no_quality_weight"  # no requirement carries weight


class WarningText(str):
    """A warning's text (it is a ``str``: printed, joined and compared as before) with its code."""

    __slots__ = ("code",)
    code: WarningCode

    def __new__(cls, code: WarningCode, text: str) -> WarningText:
        self = super().__new__(cls, text)
        self.code = WarningCode(code)
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickled (the app caches evaluations) with its code
        return (WarningText, (self.code, str(self)))

    @property
    def text(self) -> str:
        return str(self)


def codes(warnings: Iterable[str]) -> list[str]:
    """The code of each warning ('' for a plain string)."""
    return [getattr(w, "code", "") for w in warnings]


def flag_words(flags: Iterable[Any]) -> str:
    """Flags as words: [Flag.NEEDS_REVIEW, 'ambiguous'] -> 'needs review, ambiguous'."""
    return ", ".join(str(getattr(f, "value", f)).replace("_", " ") for f in flags)


def amount(value: float, unit: str = "") -> str:
    """A money amount as everywhere: '1,234.50 EUR/month' (two decimals, never '-0.00')."""
    return f"{float(value) + 0.0:,.2f} {unit}".strip()


def offered_value(req: Requirement, answer: Answer | None) -> str:
    """What an answer says, as read, in the requirement's words: '1,234.50 EUR/month', '2 hours',
    '99.5 %'; a time limit in the unit the supplier gave; '-' when nothing could be read."""
    if answer is None or answer.value is None:
        return "-"
    value = answer.value
    spec = req.kind.spec
    try:
        if answer.unit and answer.unit != spec.answer_unit(req):  # read in a unit of its own (hours)
            req = req.model_copy(update={"unit": answer.unit})
        return spec.format_level(req, value)
    except (TypeError, ValueError, KeyError):
        return str(value)
