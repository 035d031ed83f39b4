"""The altair chart builders: valid Vega-Lite from plain tables, and lines of equal value that are right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slm_psr import charts
from slm_psr.engine import evaluate
from slm_psr.engine.methods import VALUE_PER
from slm_psr.model import EvaluationSettings, Method, PriceFormula


@pytest.fixture
def bids() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "supplier": ["A", "B", "C"],
            "price_total": [100_000.0, 80_000.0, 130_000.0],
            "quality_points": [90.0, 70.0, 95.0],
            "rank": [1, 2, 3],
            "winner": [True, False, False],
        }
    )


def meat_totals(bids: pd.DataFrame, settings: EvaluationSettings) -> pd.DataFrame:
    wq = settings.quality_weight / (settings.quality_weight + settings.price_weight)
    price_points = settings.max_points * bids.price_total.min() / bids.price_total
    return bids.assign(total=wq * bids.quality_points + (1 - wq) * price_points)


def test_contribution_bars_stack_services_and_price_in_rank_order():
    parts = pd.DataFrame(
        {
            "supplier": ["B", "B", "A", "A"],
            "part": ["Hosting", charts.PRICE_PART, "Hosting", charts.PRICE_PART],
            "points": [30.0, 40.0, 50.0, 20.0],
            "rank": [2, 2, 1, 1],
        }
    )
    spec = charts.contribution_bars(parts).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["sort"] == ["A", "B"]
    assert spec["encoding"]["color"]["sort"] == ["Hosting", "Price"]
    assert spec["height"] == {"step": 22}


def test_a_bid_lies_on_its_own_line_of_equal_total(bids):
    settings = EvaluationSettings(quality_weight=60, price_weight=40, price_formula=PriceFormula.LOWEST_RATIO)
    scored = meat_totals(bids, settings)
    lines = charts.equal_value_lines(scored, settings)
    assert lines.line.nunique() == 3
    for _, bid in scored.iterrows():
        line = lines[lines.line.str.contains(f"as {bid.supplier} ")]
        quality_at_price = np.interp(bid.price_total, line.price_total, line.quality_points)
        assert quality_at_price == pytest.approx(bid.quality_points, abs=0.5)
    # along a line a higher price needs more quality
    first = lines[lines.line == lines.line.iloc[0]]
    assert first.quality_points.is_monotonic_increasing


def test_value_for_money_lines_are_rays_through_the_origin(bids):
    settings = EvaluationSettings(method=Method.UFAB_SIMPLE)
    z = bids.quality_points / (bids.price_total / VALUE_PER)
    lines = charts.equal_value_lines(bids.assign(total=z), settings)
    ratio = lines.quality_points / lines.price_total
    for _, group in ratio.groupby(lines.line):
        assert group.max() == pytest.approx(group.min())


def test_extended_method_draws_the_tolerance_band(bids):
    settings = EvaluationSettings(method=Method.UFAB_EXTENDED, tolerance=0.1)
    z = bids.quality_points / (bids.price_total / VALUE_PER)
    lines = charts.equal_value_lines(bids.assign(total=z), settings)
    assert sorted(lines.line.unique()) == sorted(
        [f"best value Z = {z.max():.2f}", f"tolerance band edge Z = {z.max() * 0.9:.2f}"]
    )


def test_price_quality_layers_the_lines_under_the_bids(bids):
    settings = EvaluationSettings()
    scored = meat_totals(bids, settings)
    chart = charts.price_quality(scored, charts.equal_value_lines(scored, settings), currency="CHF")
    spec = chart.to_dict()
    assert len(spec["layer"]) == 3  # lines, dots, labels
    assert spec["layer"][1]["encoding"]["x"]["title"] == "Total price over the term (CHF)"


def test_heatmap_and_matrix_from_a_real_evaluation():
    from benchmarks.synthetic import make_psr, make_responses

    psr = make_psr(24)
    ev = evaluate(psr, make_responses(psr, 60, seed=3))
    ranked = ev.ranking()
    scores = ev.scores[ev.scores.supplier.isin(ranked.supplier) & (ev.scores.kind != "price")]
    heat = scores[["supplier", "requirement", "points", "offered"]].assign(
        rank=scores.supplier.map(dict(zip(ranked.supplier, ranked["rank"], strict=True)))
    )
    spec = charts.points_heatmap(heat.fillna({"points": 0})).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == [0, 10]
    assert "layer" not in spec  # too many cells to print numbers in

    assert spec["height"] == {"step": 22} and len(heat.supplier.unique()) > 30
    cells = ev.scores[ev.scores.minimum != "-"].assign(result="pass", detail="")
    matrix = charts.qualification_matrix(cells[["supplier", "requirement", "result", "offered", "detail"]])
    assert matrix.to_dict()["encoding"]["color"]["scale"]["range"] == [charts.RESULT_COLOURS["pass"]]


@pytest.mark.parametrize(("value", "expected"), [(40, 50), (100, 100), (120, 200), (0, 1)])
def test_nice_max(value, expected):
    assert charts.nice_max(value) == expected


def test_service_points_average_each_service_per_supplier():
    from benchmarks.synthetic import make_psr, make_responses

    psr = make_psr(30)
    ev = evaluate(psr, make_responses(psr, 8, seed=1))
    scores = ev.scores[(ev.scores.kind != "price") & (ev.scores.rule != "none")].fillna({"points": 0})
    heat = scores[["supplier", "requirement", "service", "points", "offered"]].assign(rank=1)
    names = {s.id: s.name for s in psr.services}
    means = charts.service_points(heat, names)
    assert len(means) == heat.supplier.nunique() * heat.service.nunique()
    first = heat[(heat.supplier == heat.supplier.iloc[0]) & (heat.service == heat.service.iloc[0])]
    row = means[
        (means.supplier == first.supplier.iloc[0]) & (means.requirement == names[first.service.iloc[0]])
    ]
    assert row.points.item() == pytest.approx(first.points.mean())
    assert row.offered.item().startswith(f"mean of {len(first)} requirements")
    spec = charts.points_heatmap(means, column_title="Service").to_dict()
    cells = spec["layer"][0]  # few cells: the numbers are printed on a second layer
    assert cells["encoding"]["tooltip"][1]["title"] == "Service"


def test_split_alike_keeps_the_requirements_that_tell_bids_apart():
    scores = pd.DataFrame(
        {
            "supplier": ["A", "B", "A", "B", "A", "B"],
            "requirement": ["R1", "R1", "R2", "R2", "R3", "R3"],
            "points": [10.0, 10.0, 4.0, 7.0, 0.0, 0.0],
        }
    )
    differ, alike = charts.split_alike(scores)
    assert differ.requirement.tolist() == ["R2", "R2"]
    assert alike.to_dict() == {"R1": 10.0, "R3": 0.0}


def test_remaining_budget_labels_each_level_with_its_figure_and_unit():
    """One month's remaining budget per level; an overspent level is negative, marked missed,
    and every bar carries its figure and unit in words (colour is never the only signal)."""
    results = pd.DataFrame(
        {
            "period": ["2027-12", "2027-12", "2027-11"],
            "level": ["HO-01", "SD-04", "HO-01"],
            "budget": [12.5, -1.0, 3.0],
            "budget_unit": ["minutes", "tickets", "minutes"],
            "met": [True, False, True],
        }
    )
    spec = charts.remaining_budget(results, "2027-12").to_dict()
    values = next(iter(spec["datasets"].values()))
    assert [(v["level"], v["label"], v["result"]) for v in values] == [
        ("HO-01", "12.5 minutes", "met"),
        ("SD-04", "-1.0 tickets", "missed"),
    ]
    assert spec["title"] == "Remaining budget in 2027-12"
