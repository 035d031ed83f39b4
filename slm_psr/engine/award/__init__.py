"""Award across lots and suppliers: options from lot and bundle bids, rules in words, an exact MILP, the chain.

from slm_psr.engine.award import load_problem, solve
result = solve(load_problem(json.loads(Path("award.json").read_text())))
print("\\n".join(result.sentences()))
"""

from slm_psr.engine.award.problem import (
    AwardProblem,
    Bundle,
    Chain,
    Lot,
    LotBid,
    Objective,
    Rules,
    load_problem,
)
from slm_psr.engine.award.solve import (
    Award,
    AwardResult,
    Option,
    end_to_end,
    option_values,
    options_of,
    solve,
)

__all__ = [
    "Award",
    "AwardProblem",
    "AwardResult",
    "Bundle",
    "Chain",
    "Lot",
    "LotBid",
    "Objective",
    "Option",
    "Rules",
    "end_to_end",
    "load_problem",
    "option_values",
    "options_of",
    "solve",
]
