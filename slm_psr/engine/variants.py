"""A bid at other levels: the priced level options it offers as choices, and the bid with chosen ones in place.

Shared by the options evaluation (``engine.options``, every combination) and the
contract (``engine.contract``, the combination taken at the award).
"""

from __future__ import annotations

from dataclasses import dataclass

from slm_psr.model import PSR, Answer, Response, format_level, option_price_item


@dataclass(frozen=True)
class Choice:
    """One level a bid can take for one requirement: the base answer (number 0) or an option."""

    requirement_id: str
    number: int
    answer: Answer
    monthly: float  # price difference per month against the base offer


def choices(psr: PSR, response: Response) -> dict[str, list[Choice]]:
    """Per requirement open to options: the base answer first, then the readable options offered."""
    out: dict[str, list[Choice]] = {}
    for req in psr.requirements:
        if req.options is None:
            continue
        base = response.answer(req.id)
        offered = [
            Choice(req.id, o.number, o.answer, o.monthly)
            for o in sorted(response.options, key=lambda o: o.number)
            if o.requirement_id == req.id and o.answer.value is not None and o.number <= req.options
        ]
        if offered and base is not None:
            out[req.id] = [Choice(req.id, 0, base, 0.0), *offered]
    return out


def variant(psr: PSR, response: Response, combo: tuple[Choice, ...], name: str | None = None) -> Response:
    """The bid with the levels of ``combo`` and their price differences on the monthly fees."""
    answers = dict(response.answers)
    extra: dict[str, float] = {}
    for choice in combo:
        if choice.number == 0:
            continue
        answers[choice.requirement_id] = choice.answer
        item = option_price_item(psr, psr.requirement(choice.requirement_id))
        extra[item.id] = extra.get(item.id, 0.0) + choice.monthly / item.quantity
    for rid, add in extra.items():
        fee = answers.get(rid)
        if fee is not None and isinstance(fee.value, (int, float)) and not isinstance(fee.value, bool):
            answers[rid] = fee.model_copy(update={"value": float(fee.value) + add})
    return response.model_copy(update={"answers": answers, "supplier": name or response.supplier})


def option_words(psr: PSR, choice: Choice) -> str:
    """A taken option as the schedule and the record say it: 'HO-01 99.95 % (option 1, +1,500.00 EUR a month)'."""
    return (
        f"{choice.requirement_id} {level_words(psr, choice)} (option {choice.number}, "
        f"{choice.monthly:+,.2f} {psr.currency} a month)"
    )


def level_words(psr: PSR, choice: Choice) -> str:
    req = psr.requirement(choice.requirement_id)
    return format_level(req, choice.answer.value)
