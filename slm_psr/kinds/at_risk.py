"""Kind 'at_risk': the share of the monthly invoice a supplier puts at risk for service credits.

A number in percent of the monthly charges, higher is better; its minimum is a knock-out
("at-risk amount: offered 5 % of the monthly charges, minimum 10 % of the monthly charges").
The contract terms' pool names the requirement of this kind (``contract_terms.pool``).
"""

from __future__ import annotations

from typing import Any

from slm_psr.kinds.base import example, refuse
from slm_psr.kinds.number import NumberKind
from slm_psr.model import Direction, FormHints, Requirement, register_kind

UNIT = "% of the monthly charges"


class AtRisk(NumberKind):
    name = "at_risk"
    label = "at-risk amount"
    aliases = ("at_risk_amount", "amount_at_risk", "at_risk_percent")
    direction = Direction.HIGHER_IS_BETTER
    answer_hint = "a percentage of the monthly charges; write e.g. '12 %'"
    form = FormHints(  # the unit and direction are fixed: a share of the invoice, more is better
        "At-risk amount you offer (% of the monthly charges)", minimum="10", target="15"
    )

    def level(self, value: Any, where: str) -> Any:
        level = super().level(value, where)
        if not 0 <= level <= 100:
            raise refuse(
                "level", f"{where} {level:g} is not a share of the monthly charges between 0 and 100"
            )
        return level

    def check(self, req: Requirement, where: str) -> None:
        req.unit = UNIT  # the amount at risk is always a share of the monthly invoice
        if req.direction is not Direction.HIGHER_IS_BETTER:
            raise refuse(
                "direction", f"{where}: a larger at-risk amount is better for the buyer (higher_is_better)"
            )

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        shown = example(req.target if req.target is not None else req.minimum, 10)
        return (
            f"The share of the monthly invoice you put at risk for service credits, in percent, e.g. {shown}"
        )

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        how = self.how_to_answer(req, "")
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "error_type": "warning",
            "error_title": label,
            "error_message": f"Type a percentage: {how}.",
            "input_title": label,
            "input_message": how,
        }


SPEC = register_kind(AtRisk())
