"""SMAA-2 acceptability: closed-form cases derived in each docstring, ties, and the demo."""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.robustness import acceptability, smaa
from tests.robustness_fixtures import decision, demo_evaluation

DRAWS = 100_000


def _within(estimate: float, exact: float, draws: int = DRAWS) -> bool:
    """Inside 4.5 standard errors of a share estimated from ``draws`` draws."""
    return abs(estimate - exact) <= 4.5 * np.sqrt(max(exact * (1 - exact), 1e-12) / draws) + 1e-12


def test_three_bids_each_best_on_one_criterion():
    """Closed form. MEAT with criteria (S1, S2, price) and bids A = (100, 0, 0), B = (0, 100, 0),
    C = (0, 0, 100) (price points 100 for C only is impossible with real prices, so the
    decision is built by hand: C's price points are its third criterion). Weights uniform on
    the simplex (Dirichlet(1, 1, 1)): a bid wins exactly when its criterion's weight is the
    largest, so each rank has acceptability 1/3 for every bid. Central weights: the largest of
    three uniform spacings has mean (1/3)(1 + 1/2 + 1/3) = 11/18, the middle (1/3)(1/2 + 1/3)
    = 5/18 and the smallest 1/9, so A's central weights are (11/18, 7/36, 7/36)."""
    d = decision(["A", "B", "C"], [[100, 0], [0, 100], [0, 0]])
    d = type(d)(**{**d.__dict__, "price_points": np.array([0.0, 0.0, 100.0])})
    result = smaa(d, draws=DRAWS, seed=7)
    assert all(_within(x, 1 / 3) for x in result.rank_acceptability.reshape(-1))
    assert result.central_weights[0] == pytest.approx([11 / 18, 7 / 36, 7 / 36], abs=0.004)
    assert result.central_weights[2] == pytest.approx([7 / 36, 7 / 36, 11 / 18], abs=0.004)
    assert result.confidence.tolist() == [1.0, 1.0, 1.0]
    assert result.error == pytest.approx(1.96 * np.sqrt(0.25 / DRAWS))


def test_weights_within_twenty_percent():
    """Closed form. Two services, MEAT with price weight 0, so the criteria weights are
    w = (0.55, 0.45, 0) after normalising 55:45; A = (100, 0), B = (0, 100). Each weight is drawn
    as w_k u_k with u_k uniform on [0.8, 1.2]. B wins when 0.45 u2 > 0.55 u1, i.e.
    u2 > (11/9) u1. The area of that triangle in the square [0.8, 1.2]^2 is
    integral from 0.8 to 1.2 x 9/11 of (1.2 - 11/9 u) du = 0.0202020..., divided by the square's
    0.16: P(B wins) = 0.126263. A wins with 0.873737."""
    d = decision(["A", "B"], [[100, 0], [0, 100]], quality_weight=100, price_weight=0)
    d = type(d)(**{**d.__dict__, "service_share": np.array([0.55, 0.45])})
    result = smaa(d, draws=DRAWS, seed=3, spread=0.2)
    b_wins = 0.0202020202 / 0.16
    assert _within(result.rank_acceptability[1, 0], b_wins)
    assert _within(result.rank_acceptability[0, 0], 1 - b_wins)
    assert "±20 %" in result.describe()


def test_identical_bids_share_first_place_in_every_draw():
    d = decision(["A", "B", "C"], [[80, 60], [80, 60], [10, 10]])
    result = smaa(d, draws=2_000, seed=1)
    assert result.rank_acceptability[:2, 0].tolist() == [1.0, 1.0]
    assert result.rank_acceptability[2, 2] == 1.0


def test_evaluator_score_uncertainty_and_confidence():
    """Closed form. UfAB simple, equal prices, one service with one evaluator-scored
    requirement: A's evaluators gave 4 and 8 (mean 6), B's no spread at 5. There is one
    criterion, so the weights never vary; A wins exactly when its drawn score exceeds 5:
    P = (8 - 5) / (8 - 4) = 0.75. A's confidence factor at its central weights is the same 0.75,
    B's 0.25."""
    d = decision(["A", "B"], [[60], [50]], method="ufab_simple")
    low = np.array([[4.0], [np.nan]])
    high = np.array([[8.0], [np.nan]])
    result = smaa(d, draws=DRAWS, seed=11, score_ranges=(low, high))
    assert result.score_uncertainty
    assert _within(result.rank_acceptability[0, 0], 0.75)
    assert _within(result.confidence[0], 0.75) and _within(result.confidence[1], 0.25)


def test_extended_with_no_band_ranks_as_simple():
    """With tolerance 0 the extended method's only finalist is the best Z, and the others
    follow by Z: the same ranking as the simple method, draw by draw (same seed)."""
    points = [[90, 40], [50, 85], [70, 70], [30, 95]]
    prices = [120, 100, 110, 90]
    simple = smaa(
        decision(list("ABCD"), points, price_total=prices, method="ufab_simple"), draws=3_000, seed=5
    )
    extended = smaa(
        decision(list("ABCD"), points, price_total=prices, method="ufab_extended", tolerance=0.0),
        draws=3_000,
        seed=5,
    )
    np.testing.assert_allclose(simple.rank_acceptability, extended.rank_acceptability)


def test_seeded_draws_repeat_and_arguments_are_checked():
    d = decision(["A", "B"], [[90, 10], [20, 80]])
    np.testing.assert_array_equal(smaa(d, seed=4).rank_acceptability, smaa(d, seed=4).rank_acceptability)
    with pytest.raises(ValueError, match="spread"):
        smaa(d, spread=1.5)
    with pytest.raises(ValueError, match="draws"):
        smaa(d, draws=0)


def test_demo_acceptability_in_words():
    result, scores = demo_evaluation()
    acc = acceptability(result, draws=10_000, seed=0, evaluator_scores=scores)
    first = acc.first()
    assert set(first) == {
        "Nordwind IT Services AG",
        "Quatre Saisons Informatique SA",
        "Brightline Managed Services GmbH",
    }
    assert max(first, key=first.get) == "Nordwind IT Services AG"
    assert sum(first.values()) == pytest.approx(1.0)
    assert acc.rank_acceptability.sum(axis=1) == pytest.approx(np.ones(3))
    text = acc.sentences()
    assert text[0].startswith("10,000 draws") and "within ±1.0 percentage points" in text[0]
    assert text[1].startswith("Nordwind IT Services AG wins in ")
    services = {s.name for s in result.psr.services}
    assert set(acc.to_dict()["suppliers"][0]["central_weights"]) == services | {"price"}
