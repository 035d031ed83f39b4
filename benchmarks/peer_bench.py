"""The evaluation against the closest open-source peer, bid-evaluation 0.1.0, on the same matrix.

Both evaluate the same bids with the same maths, and the benchmark checks that
the totals agree (to 1e-9 points) before it times anything:

- every criterion is scored linearly between a published minimum (0 points) and
  target (100 points), clamped: availability in percent, resolution time in
  minutes (lower is better), named engineers; the peer does it with one
  ``custom`` criterion per column (``((v - lo) / (hi - lo)).clip(0, 1) * 100``);
- price is the monthly fee over the term, lowest-price ratio ``100 * Pmin / P``
  (the peer's ``min_ratio``);
- the weighted sum with the same normalised weights (quality 60, price 40; the
  requirement weights 1 to 4).

Answers are continuous (availability to 1/1000 %, minutes to 1/10, engineers to
1/100), so nearly every cell is a value of its own. Contenders, run alternately:
the peer's ``Evaluator.evaluate`` on a DataFrame; slm-psr's ``engine.evaluate`` from
the Responses (knock-outs, points, ranking, reasons, leave-one-out; the score
table of one row per cell is built when first read); the same with the score
table read (``.scores``); ``engine.evaluate`` with the answer table it keeps per
Response object dropped first (``evaluate_first``: what a new set of bids costs; the
others are repeated evaluations, as a weight move or a new session on the same bids);
and ``engine.compute``, the arithmetic alone.

    .venv/bin/python -m benchmarks.peer_bench [n_bids] [n_criteria] [repeats]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks.timing import spread_side_by_side
from slm_psr.model import PSR, Answer, EvaluationSettings, Kind, Requirement, Response, Service

# (kind, unit, minimum, target, decimals): the continuous answers lie between the two levels
_COLUMNS = (
    (Kind.AVAILABILITY, "", 99.5, 99.95, 3),
    (Kind.TIME_LIMIT, "minutes", 60.0, 15.0, 1),
    (Kind.NUMBER, "engineers", 2.0, 6.0, 2),
)
TERM_MONTHS = 48


def make_tender(n_bids: int, n_criteria: int, seed: int = 7) -> tuple[PSR, list[Response]]:
    """A PSR of ``n_criteria - 1`` scored requirements and one monthly fee, and ``n_bids`` answers."""
    requirements = []
    for j in range(n_criteria - 1):
        kind, unit, minimum, target, _ = _COLUMNS[j % len(_COLUMNS)]
        requirements.append(
            Requirement(
                id=f"C{j + 1:03d}",
                service="S1",
                text=f"Criterion {j + 1}",
                kind=kind,
                unit=unit,
                minimum=minimum,
                target=target,
                weight=float(1 + j % 4),
            )
        )
    requirements.append(
        Requirement(id="P1", service="S1", text="Monthly fee", kind=Kind.PRICE, price_basis="monthly")
    )
    psr = PSR(
        id="PEER",
        buyer="Benchmark",
        title="Against bid-evaluation",
        term_months=TERM_MONTHS,
        deadline=dt.date(2027, 3, 31),
        services=[Service(id="S1", name="Managed service", weight=1.0)],
        requirements=requirements,
        evaluation=EvaluationSettings(method="meat", quality_weight=60.0, price_weight=40.0),
    )
    rng = random.Random(seed)
    responses = []
    for i in range(n_bids):
        answers: dict[str, Answer] = {}
        for j, req in enumerate(requirements[:-1]):
            kind, unit, minimum, target, places = _COLUMNS[j % len(_COLUMNS)]
            value = round(minimum + rng.random() * (target - minimum), places)
            answers[req.id] = Answer(
                requirement_id=req.id, value=value, unit=unit, raw=f"{value} {unit}".strip()
            )
        fee = round(rng.uniform(3_000, 6_000), 2)
        answers["P1"] = Answer(requirement_id="P1", value=fee, raw=f"{fee:,.2f} EUR")
        responses.append(
            Response(supplier=f"Bidder {i + 1:04d}", file=f"bid_{i + 1:04d}.xlsx", answers=answers)
        )
    return psr, responses


def peer_config(psr: PSR, responses: list[Response]) -> tuple[Any, Any]:
    """The same tender for bid-evaluation: a DataFrame of the bids and an Evaluator."""
    import pandas as pd
    from bid_evaluation import Evaluator

    reqs = psr.service_requirements
    columns: dict[str, Any] = {"vendor": [r.supplier for r in responses]}
    for req in reqs:
        columns[req.id] = [float(r.answers[req.id].value) for r in responses]  # type: ignore[arg-type]
    columns["price"] = [float(r.answers["P1"].value) * TERM_MONTHS for r in responses]  # type: ignore[arg-type]
    bids = pd.DataFrame(columns)
    settings = psr.evaluation
    quality = settings.quality_weight / (settings.quality_weight + settings.price_weight)
    total_weight = sum(q.weight for q in reqs)
    evaluator = Evaluator(normalize_weights=True)
    for req in reqs:
        lo, hi = float(req.minimum), float(req.target)  # type: ignore[arg-type]

        def linear(values: Any, stats: Any, lo: float = lo, hi: float = hi) -> Any:
            return ((values - lo) / (hi - lo)).clip(0, 1) * 100

        evaluator.custom(req.id, quality * req.weight / total_weight, linear)
    evaluator.min_ratio("price", 1 - quality)
    return bids, evaluator


def _afresh(psr: Any, responses: Any) -> object:
    """``engine.evaluate`` with nothing kept from an earlier evaluation (a new set of bids)."""
    from slm_psr.engine import evaluate
    from slm_psr.engine.inputs import forget_tables

    forget_tables()
    return evaluate(psr, responses)


def run(n_bids: int = 1000, n_criteria: int = 500, repeats: int = 5) -> dict[str, Any]:
    """Medians (and spread) of the peer's evaluate, ours with and without the score table, and compute."""
    from slm_psr.engine import collect_inputs, compute, evaluate, settle_overrides

    psr, responses = make_tender(n_bids, n_criteria)
    bids, evaluator = peer_config(psr, responses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = evaluator.evaluate(bids).set_index("vendor")["final_score"]
    ours = evaluate(psr, responses).suppliers.set_index("supplier")["total"]
    difference = float(np.max(np.abs(ours.to_numpy() - theirs.reindex(ours.index).to_numpy())))
    if not difference <= 1e-9:
        raise AssertionError(f"the peer's totals differ from ours by up to {difference}: not the same maths")
    settings = psr.evaluation
    inputs = collect_inputs(psr, responses, settings=settings)
    settled = settle_overrides(inputs, [])
    weights = np.array([s.weight for s in psr.services], dtype=float)

    def peer() -> object:
        with warnings.catch_warnings():  # it warns that its frame is fragmented, once per column
            warnings.simplefilter("ignore")
            return evaluator.evaluate(bids)

    contenders: dict[str, Callable[[], object]] = {
        "peer": peer,
        "evaluate": lambda: evaluate(psr, responses),
        "evaluate_first": partial(_afresh, psr, responses),
        "evaluate_scores": lambda: evaluate(psr, responses).scores,
        "compute": lambda: compute(inputs, settings, weights, settled),
    }
    timing = spread_side_by_side(contenders, repeats)
    out: dict[str, Any] = {
        "n_bids": n_bids,
        "n_criteria": n_criteria,
        "repeats": repeats,
        "difference": difference,
    }
    for name, (median, low, high) in timing.items():
        out[f"{name}_s"], out[f"{name}_min_s"], out[f"{name}_max_s"] = median, low, high
    out["peer_over_evaluate"] = out["peer_s"] / out["evaluate_s"]
    out["peer_over_scores"] = out["peer_s"] / out["evaluate_scores_s"]
    out["evaluate_over_compute"] = out["evaluate_s"] / out["compute_s"]
    out["peer_over_first"] = out["peer_s"] / out["evaluate_first_s"]
    out["first_over_compute"] = out["evaluate_first_s"] / out["compute_s"]
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    r = run(*args)
    print(
        f"{r['n_bids']} bids x {r['n_criteria']} criteria, median of {r['repeats']} (totals agree to "
        f"{r['difference']:.1e}): peer {r['peer_s'] * 1000:.1f} ms, evaluate {r['evaluate_s'] * 1000:.1f} ms, "
        f"answers read afresh {r['evaluate_first_s'] * 1000:.1f} ms, "
        f"evaluate + score table {r['evaluate_scores_s'] * 1000:.1f} ms, compute {r['compute_s'] * 1000:.2f} ms; "
        f"peer / evaluate {r['peer_over_evaluate']:.2f}x, evaluate / compute {r['evaluate_over_compute']:.1f}x"
    )
