"""Price totals and the four price formulas (slm_psr.engine.price).

Sources for the formulas: the lowest-price ratio ``max x Pmin / P`` is the formula
commonly prescribed in EU public procurement tender specifications and price
evaluation guidance ("lowest price / price of the tender being evaluated x maximum
points"); the other three are as defined in DESIGN.md (linear from the leading bid,
pro rata to a buyer ceiling, absolute between buyer-set Pmax and Popt). The numbers
below are independent hand calculations written out in each docstring, not
reproductions of a published table.
"""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.price import (
    absolute,
    linear_from_lowest,
    price_points,
    price_totals,
    pro_rata_ceiling,
    term_factors,
)
from slm_psr.model import PriceFormula

BIDS = np.array([80_000.0, 100_000.0, 160_000.0])


def test_lowest_ratio():
    """Hand calculation, max 100: Pmin = 80,000. 80,000 -> 100; 100,000 -> 100 x 0.8 = 80;
    160,000 -> 100 x 0.5 = 50 (twice the lowest price, half the points)."""
    assert price_points(BIDS, PriceFormula.LOWEST_RATIO, 100).tolist() == pytest.approx([100, 80, 50])


def test_linear_from_lowest_is_floored_at_zero():
    """Hand calculation, max 100: 100,000 is 25 % above 80,000 -> 100 x (1 - 0.25) = 75;
    160,000 is 100 % above -> 0; 200,000 would be -50 and is floored at 0."""
    p = np.array([80_000.0, 100_000.0, 160_000.0, 200_000.0])
    assert linear_from_lowest(p, 100).tolist() == pytest.approx([100, 75, 0, 0])
    assert price_points(p, PriceFormula.LINEAR_FROM_LOWEST, 100).tolist() == pytest.approx([100, 75, 0, 0])


def test_pro_rata_ceiling():
    """Hand calculation, ceiling Pq = 200,000, max 100, Pmin = 80,000 (span 120,000):
    100,000 -> 100 x 100,000 / 120,000 = 83.333; 160,000 -> 100 x 40,000 / 120,000 = 33.333;
    a bid above the ceiling (220,000) is clamped to 0 (the evaluation also warns)."""
    p = np.array([80_000.0, 100_000.0, 160_000.0, 220_000.0])
    got = price_points(p, PriceFormula.PRO_RATA_CEILING, 100, ceiling=200_000)
    assert got.tolist() == pytest.approx([100, 83.3333333, 33.3333333, 0])
    assert pro_rata_ceiling(np.array([250_000.0]), 100, 200_000).tolist() == [0.0]


def test_absolute_between_pmax_and_popt():
    """Hand calculation, Pmax = 200,000, Popt = 100,000, max 100: 80,000 and 100,000 -> 100
    (clamped at the optimum); 160,000 -> 100 x 40,000 / 100,000 = 40; 250,000 -> 0. The points of
    one bid do not depend on the others."""
    p = np.array([80_000.0, 100_000.0, 160_000.0, 250_000.0])
    got = price_points(p, PriceFormula.ABSOLUTE, 100, p_max=200_000, p_opt=100_000)
    assert got.tolist() == pytest.approx([100, 100, 40, 0])
    assert absolute(p[2:3], 100, 200_000, 100_000).tolist() == pytest.approx([40])


def test_price_points_name_missing_parameters_and_bad_prices():
    with pytest.raises(ValueError, match="needs the buyer's ceiling Pq"):
        price_points(BIDS, PriceFormula.PRO_RATA_CEILING, 100)
    with pytest.raises(ValueError, match="price_max"):
        price_points(BIDS, PriceFormula.ABSOLUTE, 100, p_max=100, p_opt=100)
    with pytest.raises(ValueError, match="positive total prices"):
        price_points(np.array([0.0, 10.0]), PriceFormula.LOWEST_RATIO, 100)
    assert price_points(np.array([]), PriceFormula.LOWEST_RATIO, 100).size == 0


def test_total_over_the_term(demo_psr):
    """Demo PSR, 36 months. Hand calculation: monthly fees 30,000 + 25,000 + 2,000 = 57,000 x 36 =
    2,052,000, plus one-time fees 20,000 + 15,000 = 35,000 -> 2,087,000. A missing amount counts 0."""
    items = demo_psr.price_items
    factors = term_factors(items, demo_psr.term_months)
    amounts = {"SD-P1": 30_000, "SD-P2": 20_000, "HO-P1": 25_000, "HO-P2": 15_000, "RP-P1": 2_000}
    row = np.array(
        [[amounts[i.id] for i in items], [amounts[i.id] if i.id != "SD-P2" else np.nan for i in items]]
    )
    assert price_totals(row, factors).tolist() == [2_087_000, 2_067_000]


def test_quantity_multiplies(demo_psr_dict):
    from slm_psr.model import PSR

    for item in demo_psr_dict["requirements"]:
        if item["id"] == "SD-P1":
            item["quantity"] = 2
    psr = PSR.model_validate(demo_psr_dict)
    factors = dict(zip([i.id for i in psr.price_items], term_factors(psr.price_items, 36), strict=True))
    assert factors == {"SD-P1": 72, "SD-P2": 1, "HO-P1": 36, "HO-P2": 1, "RP-P1": 36}


# --- the registry -------------------------------------------------------------------


def test_every_formula_has_one_complete_entry():
    """The registry covers the enum; the texts the method description uses come from it."""
    from slm_psr.engine.price import FORMULA_TEXT, FORMULAS, RELATIVE_FORMULAS

    assert set(FORMULAS) == set(PriceFormula)
    assert {
        PriceFormula.LOWEST_RATIO,
        PriceFormula.LINEAR_FROM_LOWEST,
        PriceFormula.PRO_RATA_CEILING,
    } == RELATIVE_FORMULAS
    assert FORMULA_TEXT[PriceFormula.LOWEST_RATIO].startswith("price points = max x Pmin / P (")
    assert FORMULAS[PriceFormula.ABSOLUTE].title == (
        "Absolute between Pmax and Popt: max x (Pmax - P) / (Pmax - Popt), clamped to 0..max"
    )


def test_a_missing_or_half_defined_formula_is_refused():
    from dataclasses import replace

    from slm_psr.engine.price import FORMULAS, FormulaParameter, check_registry

    without = {k: v for k, v in FORMULAS.items() if k is not PriceFormula.ABSOLUTE}
    with pytest.raises(ImportError, match=r"price formula.*without a definition.*absolute"):
        check_registry(without)
    no_label = {**FORMULAS, PriceFormula.ABSOLUTE: replace(FORMULAS[PriceFormula.ABSOLUTE], label=" ")}
    with pytest.raises(ImportError, match="absolute: no label"):
        check_registry(no_label)
    stray = FormulaParameter("price_floor", "Pf", "floor Pf", "Floor", "floor")
    bad_param = {
        **FORMULAS,
        PriceFormula.ABSOLUTE: replace(FORMULAS[PriceFormula.ABSOLUTE], parameters=(stray,)),
    }
    with pytest.raises(ImportError, match="no evaluation setting price_floor"):
        check_registry(bad_param)
    swapped = {**FORMULAS, PriceFormula.ABSOLUTE: FORMULAS[PriceFormula.LOWEST_RATIO]}
    with pytest.raises(ImportError, match="absolute: its entry defines lowest_ratio"):
        check_registry(swapped)


def test_settings_points_reads_the_parameters_from_the_settings():
    """Same hand calculation as test_absolute_between_pmax_and_popt, parameters from the settings."""
    from slm_psr.engine.price import FORMULAS, settings_points
    from slm_psr.model import EvaluationSettings

    settings = EvaluationSettings(price_formula="absolute", price_max=200_000, price_optimum=100_000)
    got = settings_points(np.array([80_000.0, 160_000.0, 250_000.0]), settings)
    assert got.tolist() == pytest.approx([100, 40, 0])
    assert FORMULAS[PriceFormula.ABSOLUTE].with_values(settings, "EUR") == (
        " with Pmax = 200,000.00 EUR, Popt = 100,000.00 EUR"
    )
