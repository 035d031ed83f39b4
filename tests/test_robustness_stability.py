"""Weight stability intervals: hand-calculated crossings, and the demo checked by re-evaluating."""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.robustness import stability
from slm_psr.engine.robustness.stability import price_interval, requirement_interval, service_interval
from tests.robustness_fixtures import decision, demo_evaluation


def test_price_weight_interval_by_hand():
    """Hand calculation. One service; lowest-price ratio, so prices 200, 125, 100 give price points
    50, 80, 100. Quality L = 90, 70, 40. With price share t the MEAT totals are
    A: 90 - 40 t, B: 70 + 10 t, C: 40 + 60 t. A = B at t = 0.4, A = C at t = 0.5, B = C at t = 0.6.
    At t = 0.3 A leads (78 > 73 > 58), and stays first up to 0.4; just above, B leads
    (t = 0.45: A 72, B 74.5, C 67). The whole ranking A > B > C also changes first at 0.4."""
    d = decision(
        ["A", "B", "C"], [[90], [70], [40]], price_total=[200, 125, 100], quality_weight=70, price_weight=30
    )
    s = price_interval(d)
    assert s.winners == ["A"]
    assert s.current == pytest.approx(0.3)
    assert (s.winner_low, s.winner_high) == (0.0, pytest.approx(0.4))
    assert (s.ranking_low, s.ranking_high) == (0.0, pytest.approx(0.4))
    assert s.winners_above == ["B"] and s.winners_below == []
    assert s.sentence() == (
        "A wins while the price weight is between 0 % and 40 % (now 30 %); above 40 % B wins."
    )


def test_service_interval_by_hand_under_ufab():
    """Hand calculation. UfAB simple, equal prices, so Z orders like L. Two services at 50/50:
    A = (100, 0), B = (40, 50). With S1's share t: L_A = 100 t, L_B = 40 t + 50 (1 - t) = 50 - 10 t;
    they meet at t = 50 / 110 = 0.4545. A wins from there to 100 %, B below."""
    d = decision(["A", "B"], [[100, 0], [40, 50]], method="ufab_simple")
    s = service_interval(d, 0)
    assert s.winners == ["A"]
    assert s.winner_low == pytest.approx(50 / 110) and s.winner_high == 1.0
    assert s.winners_below == ["B"]
    other = service_interval(d, 1)  # S2's share u = 1 - t: A wins while u <= 60/110
    assert other.winner_high == pytest.approx(60 / 110) and other.winner_low == 0.0


def test_extended_method_band_is_found():
    """Hand calculation. UfAB extended, 10 % band, lowest price decides among finalists. Prices
    100 (A) and 95 (B); Z per 1,000 = 1,000 L / P. Two services at 50/50, A = (100, 60),
    B = (60, 100), so at t = 0.5 both have L = 80: Z_A = 800, Z_B = 842.1; both are finalists
    (800 >= 0.9 x 842.1 = 757.9) and B wins on price. With S1's share t:
    Z_A = 10 (60 + 40 t), Z_B = 1000 (100 - 40 t) / 95. Below t = 0.5 B only gains, so B wins
    down to 0. Above, B stays a finalist while Z_B >= 0.9 Z_A:
    (100 - 40 t) / 9.5 = 0.9 (60 + 40 t) / 10  ->  t = (100/9.5 - 5.4) / (40/9.5 + 3.6) = 0.6592...;
    beyond it A alone is a finalist and wins."""
    d = decision(
        ["A", "B"], [[100, 60], [60, 100]], price_total=[100, 95], method="ufab_extended", tolerance=0.1
    )
    d = type(d)(
        **{**d.__dict__, "settings": d.settings.model_copy(update={"decision_criterion": "lowest_price"})}
    )
    s = service_interval(d, 0)
    assert s.winners == ["B"]
    high = (100 / 9.5 - 5.4) / (40 / 9.5 + 3.6)
    assert s.winner_high == pytest.approx(high) and s.winners_above == ["A"]
    assert s.winner_low == 0.0


def test_one_service_is_said_in_words():
    d = decision(["A", "B"], [[90], [70]])
    s = service_interval(d, 0)
    assert "only service" in s.sentence()


def _winner(evaluation) -> list[str]:
    return evaluation.winners


def test_demo_price_weight_boundary_agrees_with_reevaluation():
    """Independent check through the whole engine: the demo re-evaluated just inside and just
    outside the interval. The boundary itself is the crossing of Nordwind's and Quatre Saisons'
    totals, t = (L_N - L_Q) / ((L_N - p_N) - (L_Q - p_Q)) from the demo's own points."""
    result, _ = demo_evaluation()
    s = next(i for i in stability(result) if i.key == "price")
    rows = result.suppliers.set_index("supplier")
    n, q = rows.loc["Nordwind IT Services AG"], rows.loc["Quatre Saisons Informatique SA"]
    t = (n.quality_points - q.quality_points) / (
        (n.quality_points - n.price_points) - (q.quality_points - q.price_points)
    )
    assert s.winner_high == pytest.approx(t) and 0.46 < t < 0.47
    assert s.winners == ["Nordwind IT Services AG"] and s.winners_above == ["Quatre Saisons Informatique SA"]
    for share, expected in ((t - 0.002, s.winners), (t + 0.002, s.winners_above)):
        again, _ = demo_evaluation(
            settings=result.settings.model_copy(update={"quality_weight": 1 - share, "price_weight": share})
        )
        assert _winner(again) == expected
    assert "Nordwind IT Services AG wins while the price weight is between 0 % and 46.9 %" in s.sentence()


def test_demo_requirement_weight_boundary_agrees_with_reevaluation():
    """SD-09 (the evaluators' service desk concept) within the service desk: re-evaluate the demo
    with SD-09's weight set so that its share is just below / above the interval's end."""
    result, _ = demo_evaluation()
    s = next(iter(stability(result, requirements=["SD-09"])[-1:]))
    assert s.key == "requirement:SD-09" and 0 < s.winner_high < 1
    psr = result.psr
    others = sum(r.weight for r in psr.requirements if r.service == "SD" and r.is_scored and r.id != "SD-09")
    for share, expected in ((s.winner_high - 0.003, s.winners), (s.winner_high + 0.003, s.winners_above)):
        weight = share / (1 - share) * others
        changed = psr.model_copy(
            update={
                "requirements": [
                    r.model_copy(update={"weight": weight}) if r.id == "SD-09" else r
                    for r in psr.requirements
                ]
            }
        )
        again = demo_evaluation_with(changed)
        assert again.winners == expected


def demo_evaluation_with(psr):
    import pandas as pd

    from slm_psr.engine import evaluate
    from slm_psr.excel.responses import read_responses
    from tests.conftest import DEMO

    files = sorted((DEMO / "responses").glob("*.xlsx"))
    report = read_responses(psr, [(p.name, p.read_bytes()) for p in files])
    responses = [r.response for r in report.results if r.response is not None]
    return evaluate(psr, responses, evaluator_scores=pd.read_csv(DEMO / "evaluator_scores.csv"))


def test_unknown_requirement_is_named():
    result, _ = demo_evaluation()
    with pytest.raises(ValueError, match="XX-01: not a weighted requirement"):
        stability(result, requirements=["XX-01"])


def test_no_ranked_bid_gives_no_interval():
    result, _ = demo_evaluation()
    empty = type(result)(**{**result.__dict__, "suppliers": result.suppliers.assign(rank=np.nan)})
    assert stability(empty) == []


def test_requirement_interval_by_hand():
    """Hand calculation. One service with two requirements at 50/50; A scores (10, 0), B (4, 5)
    points; equal prices, UfAB simple. With R1's share t: L_A = 100 t, L_B = 40 t + 50 (1 - t);
    they meet at t = 5/11 (as for services)."""
    d = decision(["A", "B"], [[50], [45]], method="ufab_simple", requirement_points=[[10, 0], [4, 5]])
    d = type(d)(
        **{**d.__dict__, "requirement_service": np.array([0, 0]), "requirement_share": np.array([0.5, 0.5])}
    )
    s = requirement_interval(d, "R1")
    assert s.winner_low == pytest.approx(5 / 11) and s.winner_high == 1.0 and s.winners_below == ["B"]
