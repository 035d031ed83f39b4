"""Award methods, weights, ranking with ties and leave-one-out (slm_psr.engine.methods).

Sources for the methods: MEAT (most economically advantageous tender, Directive
2014/24/EU art. 67) as a weighted sum of quality and price points; the simple and
the extended value-for-money method ("einfache / erweiterte Richtwertmethode") of
the UfAB 2018 (Unterlage für Ausschreibung und Bewertung von IT-Leistungen):
``Z = L / P``; extended: offers within a tolerance band of at most 10 % below the
best ``Z`` are finalists, and a criterion declared in advance (highest L or lowest
P) decides among them. The UfAB's own example tables are not reproduced here:
every expected number below is an independent hand calculation, written out in
the test's docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.methods import (
    competition_rank,
    effective_weights,
    extended_ranks,
    is_relative,
    leave_one_out,
    meat,
    rank_bids,
    value_for_money,
)
from slm_psr.model import DecisionCriterion, EvaluationSettings

ALL = np.ones(3, bool)


def settings(**fields) -> EvaluationSettings:
    return EvaluationSettings.model_validate(fields)


def test_meat_weighted_sum_with_lowest_ratio():
    """Hand calculation, quality 60 / price 40, lowest-price ratio, max 100:
    A: quality 90, price 120,000 -> price points 100 x 100,000 / 120,000 = 83.333;
       total 0.6 x 90 + 0.4 x 83.333 = 54 + 33.333 = 87.333.
    B: quality 70, price 100,000 -> price points 100; total 42 + 40 = 82. A ranks first."""
    quality = np.array([90.0, 70.0])
    price = np.array([120_000.0, 100_000.0])
    got = rank_bids(quality, price, np.ones(2, bool), settings(quality_weight=60, price_weight=40))
    assert got.price_points.tolist() == pytest.approx([83.333333, 100])
    assert got.total.tolist() == pytest.approx([87.333333, 82])
    assert got.rank.tolist() == [1, 2]
    assert meat(np.array([50.0]), np.array([100.0]), 0.5, 0.5).tolist() == [75.0]


def test_meat_weights_need_not_add_up_to_100():
    """Typed weights 3 and 2 normalise to 60 % and 40 %: same totals as above."""
    quality, price = np.array([90.0, 70.0]), np.array([120_000.0, 100_000.0])
    got = rank_bids(quality, price, np.ones(2, bool), settings(quality_weight=3, price_weight=2))
    assert got.total.tolist() == pytest.approx([87.333333, 82])


def test_ufab_simple_value_for_money():
    """UfAB simple method, hand calculation; Z in points per 1,000 currency units:
    A: L 80, P 400,000 -> Z = 80 / 400 = 0.2; B: L 70, P 300,000 -> 0.2333; C: L 90, P 500,000 -> 0.18.
    Ranking by Z: B, A, C. Price weight and formula play no part."""
    L = np.array([80.0, 70.0, 90.0])
    P = np.array([400_000.0, 300_000.0, 500_000.0])
    assert value_for_money(L, P).tolist() == pytest.approx([0.2, 7 / 30, 0.18])
    got = rank_bids(L, P, ALL, settings(method="ufab_simple", price_weight=99))
    assert got.rank.tolist() == [2, 1, 3]
    assert np.isnan(got.price_points).all()


def test_ufab_extended_highest_performance_among_finalists():
    """UfAB extended method, s = 10 %, criterion highest L, hand calculation:
    A: L 80, P 360,000 -> Z = 0.2222; B: L 70, P 300,000 -> Z = 0.2333 (Zmax); C: L 90, P 500,000 -> 0.18.
    Band: Z >= 0.2333 x 0.9 = 0.21 -> finalists A and B; highest L among them: A (80) wins although
    B has the best ratio; B second; C (outside the band) third."""
    L = np.array([80.0, 70.0, 90.0])
    P = np.array([360_000.0, 300_000.0, 500_000.0])
    got = rank_bids(L, P, ALL, settings(method="ufab_extended", tolerance=0.10))
    assert got.z_max == pytest.approx(0.233333, rel=1e-5)
    assert got.finalist.tolist() == [True, True, False]
    assert got.rank.tolist() == [1, 2, 3]


def test_ufab_extended_lowest_price_and_narrow_band():
    """Same bids, criterion lowest P: B (300,000) wins among the finalists, A second.
    With s = 4 % the band is Z >= 0.224 and only B is a finalist; A follows by Z."""
    L = np.array([80.0, 70.0, 90.0])
    P = np.array([360_000.0, 300_000.0, 500_000.0])
    z = value_for_money(L, P)
    rank, finalist, _ = extended_ranks(L, P, z, ALL, 0.10, DecisionCriterion.LOWEST_PRICE)
    assert rank.tolist() == [2, 1, 3] and finalist.tolist() == [True, True, False]
    rank, finalist, _ = extended_ranks(L, P, z, ALL, 0.04, DecisionCriterion.HIGHEST_PERFORMANCE)
    assert finalist.tolist() == [False, True, False] and rank.tolist() == [2, 1, 3]


def test_ties_share_a_rank():
    """Competition ranking: 95, 95, 90, 80 -> 1, 1, 3, 4; excluded bids get no rank; values
    equal to 9 significant digits tie (0.1 + 0.2 vs 0.3)."""
    key = np.array([90.0, 95.0, 95.0, 80.0, 99.0])
    eligible = np.array([True, True, True, True, False])
    got = competition_rank(key, eligible)
    assert got[:4].tolist() == [3, 1, 1, 4] and np.isnan(got[4])
    assert competition_rank(np.array([0.1 + 0.2, 0.3]), np.ones(2, bool)).tolist() == [1, 1]


def test_effective_weights_normalise_within_and_across_services():
    """Requirement weights 3 and 1 in service S (share 0.75 / 0.25), 2 in T (1.0); service weights
    40 and 60 -> effective 0.3, 0.1, 0.6. A service without weighted requirements drops out."""
    share, service_share, effective = effective_weights(
        np.array([3.0, 1.0, 2.0]), np.array([0, 0, 1]), np.array([40.0, 60.0, 100.0])
    )
    assert share.tolist() == [0.75, 0.25, 1.0]
    assert service_share.tolist() == [0.4, 0.6, 0.0]
    assert effective.tolist() == pytest.approx([0.3, 0.1, 0.6])


def test_relative_methods():
    assert is_relative(settings(price_formula="lowest_ratio"))
    assert not is_relative(settings(price_formula="absolute", price_max=10, price_optimum=5))
    assert not is_relative(settings(method="ufab_simple"))
    assert is_relative(settings(method="ufab_extended"))
    assert not is_relative(settings(price_weight=0))


def test_leave_one_out_finds_a_winner_change_and_a_reversal():
    """Constructed rank reversal, MEAT 50/50 with the lowest-price ratio (hand calculation):
    A: quality 100, P 200; C: quality 80, P 150; D: quality 20, P 100 (cheapest).
    With D: price points A 50, C 66.67, D 100 -> totals A 75, C 73.33, D 60: A wins.
    Without D: Pmin = 150 -> A 75 price points, total 87.5; C 100, total 90: C overtakes A.
    D cannot win, yet its presence decides between A and C."""
    names = ["A", "C", "D"]
    quality = np.array([100.0, 80.0, 20.0])
    price = np.array([200.0, 150.0, 100.0])
    s = settings(quality_weight=50, price_weight=50)
    ranking = rank_bids(quality, price, ALL, s)
    assert ranking.total.tolist() == pytest.approx([75, 73.333333, 60])
    rows = {row["left_out"]: row for row in leave_one_out(quality, price, ALL, s, names, ranking)}
    assert rows["D"]["winner_changes"] is True
    assert rows["D"]["winner_without"] == "C"
    assert rows["D"]["note"] == "without D, the winner would be C instead of A"
    assert rows["D"]["reversals"] == ["C ahead of A"]
    # leaving out the winner changes the winner trivially: not reported as a change
    assert rows["A"]["winner_changes"] is False and rows["A"]["reversals"] == []
    assert rows["C"]["note"] == ""


def test_leave_one_out_reports_reversals_among_the_rest_when_the_winner_leaves():
    """Hand calculation, MEAT 50/50, lowest ratio: A quality 100, P 200; B quality 60, P 100;
    C quality 80, P 150. With all: price points A 50, B 100, C 66.67; totals A 75, B 80, C 73.33
    (B, A, C). Without the winner B: Pmin 150 -> A 87.5, C 90: C now ahead of A."""
    names = ["A", "B", "C"]
    quality, price = np.array([100.0, 60.0, 80.0]), np.array([200.0, 100.0, 150.0])
    s = settings(quality_weight=50, price_weight=50)
    ranking = rank_bids(quality, price, ALL, s)
    assert ranking.rank.tolist() == [2, 1, 3]
    rows = {row["left_out"]: row for row in leave_one_out(quality, price, ALL, s, names, ranking)}
    assert rows["B"]["winner_changes"] is False
    assert rows["B"]["note"] == "without B, C would rank ahead of A"


def test_ufab_extended_band_moves_when_the_best_ratio_leaves():
    """UfAB extended, s = 10 %, highest L; hand calculation (Z per 1,000):
    A: L 80, P 360,000 -> 0.2222; B: L 70, P 300,000 -> 0.2333 (Zmax); C: L 95, P 460,000 -> 0.2065.
    Band Z >= 0.21: finalists A and B; A wins on L. Without B, Zmax = 0.2222 and the band is
    Z >= 0.2: C joins the finalists and wins on L (95). B cannot win, yet it decides the award."""
    names = ["A", "B", "C"]
    L = np.array([80.0, 70.0, 95.0])
    P = np.array([360_000.0, 300_000.0, 460_000.0])
    s = settings(method="ufab_extended", tolerance=0.10)
    ranking = rank_bids(L, P, ALL, s)
    assert ranking.rank.tolist() == [1, 2, 3]
    rows = {row["left_out"]: row for row in leave_one_out(L, P, ALL, s, names, ranking)}
    assert rows["B"]["note"] == "without B, the winner would be C instead of A"


@pytest.mark.parametrize(
    "fields",
    [
        {"quality_weight": 60, "price_weight": 40},
        {"quality_weight": 50, "price_weight": 50, "price_formula": "linear_from_lowest"},
        {"quality_weight": 70, "price_weight": 30, "price_formula": "pro_rata_ceiling", "price_ceiling": 900.0},
        {"quality_weight": 70, "price_weight": 30, "price_formula": "absolute", "price_max": 900.0,
         "price_optimum": 100.0},
        {"method": "ufab_simple"},
        {"method": "ufab_extended", "tolerance": 0.05},
    ],
)  # fmt: skip
@pytest.mark.parametrize("tied", [False, True])
def test_leave_one_out_skips_only_bids_that_cannot_move_the_others(monkeypatch, fields, tied):
    """The leave-one-out check re-ranks only for the bids the method calls pivotal (MEAT with a
    relative formula: the lowest price, through Pmin); its rows must be exactly those of
    re-ranking without every bid in turn, for each method and formula, with and without ties."""
    from dataclasses import replace

    from slm_psr.engine import methods

    rng = np.random.default_rng(3)
    n = 60
    quality = np.round(rng.uniform(20, 100, n), 1)
    price = np.round(rng.uniform(150, 800, n), 0)
    if tied:  # two bids with the same total, and a second bid at the lowest price
        quality[7], price[7] = quality[3], price[3]
        price[11] = price.min()
    eligible = rng.random(n) > 0.1
    names = [f"B{i:02d}" for i in range(n)]
    s = settings(**fields)
    ranking = rank_bids(quality, price, eligible, s)
    fast = leave_one_out(quality, price, eligible, s, names, ranking)
    method = methods.METHODS[s.method]
    monkeypatch.setitem(methods.METHODS, s.method, replace(method, pivotal=lambda p, e, settings: None))
    slow = leave_one_out(quality, price, eligible, s, names, ranking)
    assert fast == slow
    assert len(fast) == int(eligible.sum())


# --- the registry -------------------------------------------------------------------


def test_every_method_has_one_complete_entry():
    from slm_psr.engine.methods import METHODS
    from slm_psr.model import Method

    assert set(METHODS) == set(Method)
    meat_def = METHODS[Method.MEAT]
    assert meat_def.words(settings()) == (
        "Most economically advantageous tender (MEAT), price points = max x Pmin / P"
    )
    assert meat_def.shares(settings(quality_weight=3, price_weight=1)) == (0.75, 0.25)
    assert METHODS[Method.UFAB_SIMPLE].quality_share(settings(quality_weight=3, price_weight=1)) == 1.0


def test_a_missing_or_half_defined_method_is_refused():
    from dataclasses import replace

    from slm_psr.engine.methods import METHODS, check_registry
    from slm_psr.model import Method

    with pytest.raises(ImportError, match=r"award method.*without a definition.*ufab_simple"):
        check_registry({k: v for k, v in METHODS.items() if k is not Method.UFAB_SIMPLE})
    with pytest.raises(ImportError, match="ufab_simple: rank is not a function"):
        check_registry({**METHODS, Method.UFAB_SIMPLE: replace(METHODS[Method.UFAB_SIMPLE], rank=None)})
    with pytest.raises(ImportError, match="meat: no short"):
        check_registry({**METHODS, Method.MEAT: replace(METHODS[Method.MEAT], short="")})
