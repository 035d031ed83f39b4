"""Kind 'acceptance': the supplier accepts a contract term (the credit regime, a termination right), yes or no.

Read like yes/no ("ja", "x", "oui"); conditions go in the comment, which the contract
schedule repeats beside the answer. A minimum of yes makes acceptance a knock-out.
"""

from __future__ import annotations

from slm_psr.kinds.yes_no import YesNo
from slm_psr.model import FormHints, Requirement, register_kind


class Acceptance(YesNo):
    name = "acceptance"
    label = "acceptance"
    aliases = ("accept", "accepted", "agree")
    answer_hint = "yes or no (conditions in the comment)"
    form = FormHints("You accept the service credit regime of the contract terms", minimum="yes (required)")

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "yes or no; write any condition or reservation in the comment"


SPEC = register_kind(Acceptance())
