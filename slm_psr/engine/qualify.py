"""The knock-out gate: who is in, who is out and why, in words for a rejection letter.

Every requirement with a minimum is a knock-out. The gate itself is two boolean
masks over suppliers x requirements (``fail`` and ``review``), like
scikit-criteria's filters; reasons are written only for the cells that fail or
need review.

- A value below the minimum, or no answer at all, fails the knock-out.
- A value flagged for review (ambiguous, needs review, out of range), an answer
  that could not be read, or a qualitative knock-out not yet scored makes the
  bidder "needs review", never a silent pass.
- Price items: a missing or flagged amount, or a total that is not positive,
  makes the bidder "needs review": a bid without a price cannot be ranked, and the
  buyer must either clarify the amount or reject the bid (an :class:`Override`).
- A fail outweighs a review: a bidder with both is disqualified (both reasons listed).
- An :class:`Override` settles the gate for one requirement or the whole bid; it
  needs a justification and is shown in the result.
"""

from __future__ import annotations

import numpy as np

from slm_psr.engine.rules import Levels, reaches
from slm_psr.model import (
    Answer,
    Flag,
    MeasurementPeriod,
    Requirement,
)
from slm_psr.wording import Status

QUALIFIED, DISQUALIFIED, NEEDS_REVIEW = Status.QUALIFIED, Status.DISQUALIFIED, Status.NEEDS_REVIEW


# --- the gate (kernels) -----------------------------------------------------------


def meets_levels(value: np.ndarray, level: np.ndarray, levels: Levels, set_meets: np.ndarray) -> np.ndarray:
    """Whether each cell reaches ``level`` (the minimum or the target): numbers compared by direction,
    coverage and languages by the set comparison done when the answers were read."""
    return np.where(levels.set_based, set_meets, reaches(value, level, levels.sign))


def knock_out_gate(
    meets_minimum: np.ndarray, doubtful: np.ndarray, knock_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(fail, review) masks: a knock-out fails when not met, and needs review when the answer is doubtful."""
    review = knock_out & doubtful
    fail = knock_out & ~doubtful & ~meets_minimum
    return fail, review


def status_of(fail: np.ndarray, review: np.ndarray) -> np.ndarray:
    """Per supplier: disqualified if any knock-out fails, else needs review if any is doubtful."""
    return np.where(
        fail.any(axis=1), DISQUALIFIED, np.where(review.any(axis=1), NEEDS_REVIEW, QUALIFIED)
    ).astype(object)


# --- words ------------------------------------------------------------------------


def label(req: Requirement) -> str:
    """'SD-04 time limit'."""
    return f"{req.id} {req.kind.label}"


def offered_text(
    req: Requirement,
    answer: Answer | None,
    value: float,
    *,
    detail: bool = True,
    period: MeasurementPeriod | None = None,
) -> str:
    """What the supplier offered, as a buyer reads it ('12 hours', '1 business day (10 hours)').

    With ``detail``, what the offer means over the contract's measurement ``period`` (default:
    a calendar month in UTC) follows: availability scored on downtime shows the downtime it allows.
    """
    text = req.kind.spec.offered_text(req, answer, value, detail=detail)
    if detail and answer is not None and answer.value is not None:
        text += req.kind.spec.period_detail(req, value, period or _MONTH_IN_UTC)
    return text


_MONTH_IN_UTC = MeasurementPeriod()  # the words' default period, made once (read, never changed)


def _required(req: Requirement) -> str:
    return req.kind.spec.requirement_words(req)


def failure_reason(req: Requirement, answer: Answer | None, value: float) -> str:
    """Why a knock-out fails, naming requirement, offered value and minimum."""
    return f"{label(req)}: {req.kind.spec.failure_detail(req, answer, value)}"


def _flag_words(answer: Answer) -> str:
    return ", ".join(f.value.replace("_", " ") for f in answer.flags if f is not Flag.MISSING)


def review_reason(req: Requirement, answer: Answer | None, value: float, passes: bool) -> str:
    """Why a knock-out needs a person to look before the bid can be qualified."""
    if req.kind.spec.evaluated_by_people:
        return f"{label(req)}: not yet scored by the evaluators; {_required(req)}; needs review"
    if answer is None or answer.value is None or np.isnan(value):
        unit = (
            f" in '{answer.unit}'" if answer is not None and answer.value is not None and answer.unit else ""
        )
        return (
            f"{label(req)}: the answer '{answer.raw if answer else ''}'{unit} could not be read; "
            f"{_required(req)}; needs review"
        )
    verdict = "meets the minimum as read" if passes else "misses the minimum as read"
    flags = _flag_words(answer)
    return (
        f"{label(req)}: '{answer.raw}' read as {offered_text(req, answer, value, detail=False)}"
        f"{f' ({flags})' if flags else ''}; {_required(req)}; {verdict}; needs review"
    )


def price_review_reason(item: Requirement, answer: Answer | None) -> str:
    """Why a price item keeps a bid from being ranked."""
    if answer is None or answer.value is None:
        return (
            f"{item.id} price: no answer; every price item needs an amount (0 if included) "
            "before the bid can be ranked; needs review"
        )
    if isinstance(answer.value, bool) or not isinstance(answer.value, (int, float)):
        return f"{item.id} price: '{answer.raw}' is not an amount; it needs a number (0 if included); needs review"
    flags = _flag_words(answer)
    return (
        f"{item.id} price: '{answer.raw}' read as {offered_text(item, answer, float('nan'))}"
        f"{f' ({flags})' if flags else ''}; confirm the amount; needs review"
    )


def price_total_reason(total: float, currency: str, term_months: int) -> str:
    return (
        f"price: total {total:,.2f} {currency} over {term_months} months; "
        "a bid needs a positive total price to be ranked; needs review"
    )
