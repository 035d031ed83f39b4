"""Price: the total cost over the contract term and the four price formulas of DESIGN.md.

``P`` is the total cost over the term: the sum over the price items of
``amount * quantity * (term_months if monthly else 1)``. The formula kernels take
the totals of the qualified bids only (a relative formula must never see an
excluded bid) and return points on ``0..max_points``; they do no validation.
:func:`price_points` checks the inputs and names what is wrong.
"""

from __future__ import annotations

import numpy as np

from slm_psr.model import PriceBasis, PriceFormula, Requirement

# Formulas whose points depend on the other bids (through Pmin).
RELATIVE_FORMULAS = frozenset(
    {PriceFormula.LOWEST_RATIO, PriceFormula.LINEAR_FROM_LOWEST, PriceFormula.PRO_RATA_CEILING}
)


def term_factors(price_items: list[Requirement], term_months: int) -> np.ndarray:
    """What one unit of each price item's amount costs over the term: quantity x months (or x 1)."""
    return np.array(
        [
            item.quantity * (term_months if item.price_basis is PriceBasis.MONTHLY else 1)
            for item in price_items
        ],
        dtype=float,
    )


def price_totals(amounts: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Total cost over the term per supplier; missing amounts (NaN) count as 0."""
    return np.nan_to_num(amounts) @ factors


def lowest_ratio(p: np.ndarray, max_points: float) -> np.ndarray:
    """``max * Pmin / P``: the lowest bid gets full points, twice its price half."""
    return max_points * p.min() / p


def linear_from_lowest(p: np.ndarray, max_points: float) -> np.ndarray:
    """``max * (1 - (P - Pmin) / Pmin)``, floored at 0: each percent above the lowest costs a percent."""
    p_min = p.min()
    return np.maximum(0.0, max_points * (1.0 - (p - p_min) / p_min))


def pro_rata_ceiling(p: np.ndarray, max_points: float, ceiling: float) -> np.ndarray:
    """``max * (Pq - P) / (Pq - Pmin)``, clamped to 0..max: the lowest bid full, the ceiling Pq zero."""
    p_min = p.min()
    if ceiling <= p_min:  # every bid at or above the ceiling: nobody earns price points
        return np.zeros_like(p)
    return np.clip(max_points * (ceiling - p) / (ceiling - p_min), 0.0, max_points)


def absolute(p: np.ndarray, max_points: float, p_max: float, p_opt: float) -> np.ndarray:
    """``max * (Pmax - P) / (Pmax - Popt)``, clamped: full points at Popt or below, none at Pmax or above."""
    return np.clip(max_points * (p_max - p) / (p_max - p_opt), 0.0, max_points)


def price_points(
    p: np.ndarray,
    formula: PriceFormula,
    max_points: float,
    *,
    ceiling: float | None = None,
    p_max: float | None = None,
    p_opt: float | None = None,
) -> np.ndarray:
    """Price points for the qualified bids' totals ``p`` (all must be positive)."""
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p.copy()
    if not np.all(np.isfinite(p)) or np.any(p <= 0):
        raise ValueError(f"price points need positive total prices, got {p.tolist()}")
    if formula is PriceFormula.LOWEST_RATIO:
        return lowest_ratio(p, max_points)
    if formula is PriceFormula.LINEAR_FROM_LOWEST:
        return linear_from_lowest(p, max_points)
    if formula is PriceFormula.PRO_RATA_CEILING:
        if ceiling is None:
            raise ValueError("price formula pro_rata_ceiling needs the buyer's ceiling Pq (price_ceiling)")
        return pro_rata_ceiling(p, max_points, ceiling)
    if formula is PriceFormula.ABSOLUTE:
        if p_max is None or p_opt is None or p_opt >= p_max:
            raise ValueError(
                "price formula absolute needs price_max (Pmax) above price_optimum (Popt); "
                f"got Pmax {p_max}, Popt {p_opt}"
            )
        return absolute(p, max_points, p_max, p_opt)
    raise ValueError(f"unknown price formula {formula!r}")


FORMULA_TEXT: dict[PriceFormula, str] = {
    PriceFormula.LOWEST_RATIO: "price points = max x Pmin / P (lowest qualified total gets full points)",
    PriceFormula.LINEAR_FROM_LOWEST: (
        "price points = max x (1 - (P - Pmin) / Pmin), at least 0 "
        "(each percent above the lowest qualified total costs one percent of the points)"
    ),
    PriceFormula.PRO_RATA_CEILING: (
        "price points = max x (Pq - P) / (Pq - Pmin), clamped to 0..max "
        "(the lowest qualified total gets full points, the ceiling Pq none)"
    ),
    PriceFormula.ABSOLUTE: (
        "price points = max x (Pmax - P) / (Pmax - Popt), clamped to 0..max "
        "(full points at Popt or below, none at Pmax or above; independent of other bids)"
    ),
}
