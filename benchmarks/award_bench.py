"""Award benchmark: 50 suppliers x 20 lots with bundle bids, solved to proven optimality by HiGHS.

Against the floor of the same work without the integer decisions: the LP relaxation
of the same problem (what any solver does first).

    .venv/bin/python -m benchmarks.award_bench [n_suppliers] [n_lots] [repeats]
"""

from __future__ import annotations

import random
import sys
from typing import Any

from benchmarks.timing import medians_side_by_side


def make_problem(n_suppliers: int = 50, n_lots: int = 20, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    lots = [
        {"id": f"L{k:02d}", "weight": rng.randint(1, 10), "volume": rng.randint(100, 900)}
        for k in range(n_lots)
    ]
    bids, bundles = [], []
    for s in range(n_suppliers):
        mine = [lot["id"] for lot in lots if rng.random() < 0.6]
        for lot in mine:
            bids.append(
                {"supplier": f"S{s:02d}", "lot": lot, "quality": round(rng.uniform(40, 100), 1),
                 "price": round(rng.uniform(50_000, 150_000), 2), "availability": rng.choice([99.5, 99.9, 99.95]),
                 "qualified": rng.random() > 0.05}
            )  # fmt: skip
        for _ in range(2):
            if len(mine) >= 3:
                bundles.append(
                    {"supplier": f"S{s:02d}", "lots": rng.sample(mine, min(len(mine), rng.randint(2, 4))),
                     "discount": rng.choice([0.03, 0.05, 0.08])}
                )  # fmt: skip
    return {"lots": lots, "bids": bids, "bundles": bundles, "rules": {"min_suppliers": 3, "max_share": 0.3}}


def run(n_suppliers: int = 50, n_lots: int = 20, repeats: int = 5) -> dict[str, Any]:
    import numpy as np
    from scipy.optimize import linprog

    from slm_psr.engine.award import load_problem, option_values, options_of, solve

    problem = load_problem(make_problem(n_suppliers, n_lots))
    options = options_of(problem)
    values = option_values(problem, options)
    lots = sorted({lot for o in options for lot in o.lots})
    a_eq = np.array([[1.0 if lot in o.lots else 0.0 for o in options] for lot in lots])

    def relaxation() -> object:
        return linprog(-values, A_eq=a_eq, b_eq=np.ones(len(lots)), bounds=(0, 1), method="highs")

    result = solve(problem, rule_prices=False, runner_up=False)
    medians = medians_side_by_side(
        {"award": lambda: solve(problem, rule_prices=False, runner_up=False), "lp": relaxation}, repeats
    )
    return {
        "options": len(options),
        "bundles": len(problem.bundles),
        "optimal": result.best.feasible,
        "ours_s": medians["award"],
        "lp_s": medians["lp"],
        "ratio": medians["award"] / medians["lp"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    r = run(*args)
    print(
        f"award: {r['options']} options ({r['bundles']} bundles), optimal {r['optimal']}: "
        f"{r['ours_s'] * 1000:.0f} ms (LP relaxation {r['lp_s'] * 1000:.0f} ms, {r['ratio']:.1f}x)"
    )
