"""Requirements of every kind and a reader shortcut, shared by the values tests."""

from __future__ import annotations

from slm_psr.model import Answer, Flag, Requirement
from slm_psr.values import (
    parse_answer,
)

AMBIGUOUS, NEEDS_REVIEW, OUT_OF_RANGE = Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE
MISSING, UNREADABLE = Flag.MISSING, Flag.UNREADABLE


def req(kind: str, unit: str = "") -> Requirement:
    data = {"id": "R-1", "service": "SD", "text": "what the buyer asks", "kind": kind, "unit": unit}
    if kind == "price":
        data["price_basis"] = "monthly"
    return Requirement.model_validate(data)


AVAILABILITY = req("availability")
HOURS = req("time_limit", "hours")
MINUTES = req("time_limit", "minutes")
BUSINESS_DAYS = req("time_limit", "business_days")
COVERAGE = req("coverage")
LANGUAGES = req("languages")
YES_NO = req("yes_no")
NUMBER = req("number")
SHARE = req("number", "%")
PRICE = req("price", "EUR/month")
QUALITATIVE = req("qualitative")


def answer(r: Requirement, value: object, number_format: str | None = None, **kw: object) -> Answer:
    return parse_answer(r, value, number_format, **kw)  # type: ignore[arg-type]
