"""Price: the total cost over the contract term and the registry of price formulas (DESIGN.md).

``P`` is the total cost over the term: the sum over the price items of
``amount * quantity * (term_months if monthly else 1)``. The formula kernels take
the totals of the qualified bids only (a relative formula must never see an
excluded bid) and return points on ``0..max_points``; they do no validation.
:func:`price_points` checks the inputs and names what is wrong.

Each formula is one :class:`FormulaDef` in :data:`FORMULAS` (as pandas keeps its
Excel engines in one dict): kernel, the settings it reads, its label and text, and
whether it is relative. A new formula is a :class:`PriceFormula` value plus one
entry here; a formula without an entry, or an entry missing a part, fails at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from slm_psr.model import EvaluationSettings, PriceBasis, PriceFormula, Requirement


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


@dataclass(frozen=True)
class FormulaParameter:
    """A number a formula reads from the evaluation settings, e.g. the ceiling Pq."""

    setting: str  # the EvaluationSettings field
    symbol: str  # as the formula text names it: "Pq"
    name: str  # in a sentence: "ceiling Pq"
    label: str  # in words, for a form: "Price ceiling Pq"
    argument: str  # the kernel's keyword argument


@dataclass(frozen=True)
class FormulaDef:
    """Everything a price formula means: a kernel ``(p, max_points, **parameters)`` and its words."""

    formula: PriceFormula
    label: str  # plain words: "Lowest price ratio"
    equation: str  # "price points = max x Pmin / P"
    explanation: str  # what the equation means for a bid
    kernel: Callable[..., np.ndarray]
    relative: bool  # the points depend on the other bids (through Pmin)
    parameters: tuple[FormulaParameter, ...] = ()
    # A further check of the parameters (they are all given): the problem in words, or None.
    check: Callable[[Mapping[str, float]], str | None] | None = None
    # The parameter above which a bid earns no price points, named in a warning (e.g. the ceiling Pq).
    zero_above: FormulaParameter | None = None

    @property
    def text(self) -> str:
        """The equation with its explanation, as the method description states it."""
        return f"{self.equation} ({self.explanation})"

    @property
    def title(self) -> str:
        """The label with the equation: 'Lowest price ratio: max x Pmin / P'."""
        return f"{self.label}: {self.equation.removeprefix('price points = ')}"

    def values(self, settings: EvaluationSettings) -> dict[str, float | None]:
        """The formula's parameters as set in ``settings``, by kernel argument."""
        return {p.argument: getattr(settings, p.setting) for p in self.parameters}

    def with_values(self, settings: EvaluationSettings, currency: str) -> str:
        """' with Pq = 2,500,000.00 EUR' (empty for a formula without parameters)."""
        if not self.parameters:
            return ""
        shown = [f"{p.symbol} = {getattr(settings, p.setting) or 0:,.2f} {currency}" for p in self.parameters]
        return " with " + ", ".join(shown)

    def points(self, p: np.ndarray, max_points: float, values: Mapping[str, float | None]) -> np.ndarray:
        """The kernel on ``p`` after checking that every parameter is given and consistent."""
        missing = [prm for prm in self.parameters if values.get(prm.argument) is None]
        if missing:
            raise ValueError(
                f"price formula {self.formula.value} needs the buyer's "
                + " and ".join(f"{prm.name} ({prm.setting})" for prm in missing)
            )
        given = {prm.argument: float(values[prm.argument]) for prm in self.parameters}  # type: ignore[arg-type]
        problem = self.check(given) if self.check else None
        if problem:
            raise ValueError(f"price formula {self.formula.value} needs {problem}")
        return self.kernel(p, max_points, **given)


def _absolute_check(values: Mapping[str, float]) -> str | None:
    if values["p_opt"] >= values["p_max"]:
        return (
            f"price_max (Pmax) above price_optimum (Popt); got Pmax {values['p_max']:g}, "
            f"Popt {values['p_opt']:g}"
        )
    return None


_CEILING = FormulaParameter("price_ceiling", "Pq", "ceiling Pq", "Price ceiling Pq", "ceiling")
_P_MAX = FormulaParameter(
    "price_max", "Pmax", "price with no points Pmax", "Price with no points, Pmax", "p_max"
)
_P_OPT = FormulaParameter(
    "price_optimum", "Popt", "price with full points Popt", "Price with full points, Popt", "p_opt"
)

FORMULAS: dict[PriceFormula, FormulaDef] = {
    f.formula: f
    for f in (
        FormulaDef(
            PriceFormula.LOWEST_RATIO,
            label="Lowest price ratio",
            equation="price points = max x Pmin / P",
            explanation="lowest qualified total gets full points",
            kernel=lowest_ratio,
            relative=True,
        ),
        FormulaDef(
            PriceFormula.LINEAR_FROM_LOWEST,
            label="Linear from the lowest bid",
            equation="price points = max x (1 - (P - Pmin) / Pmin), at least 0",
            explanation="each percent above the lowest qualified total costs one percent of the points",
            kernel=linear_from_lowest,
            relative=True,
        ),
        FormulaDef(
            PriceFormula.PRO_RATA_CEILING,
            label="Pro rata to a ceiling",
            equation="price points = max x (Pq - P) / (Pq - Pmin), clamped to 0..max",
            explanation="the lowest qualified total gets full points, the ceiling Pq none",
            kernel=pro_rata_ceiling,
            relative=True,
            parameters=(_CEILING,),
            zero_above=_CEILING,
        ),
        FormulaDef(
            PriceFormula.ABSOLUTE,
            label="Absolute between Pmax and Popt",
            equation="price points = max x (Pmax - P) / (Pmax - Popt), clamped to 0..max",
            explanation="full points at Popt or below, none at Pmax or above; independent of other bids",
            kernel=absolute,
            relative=False,
            parameters=(_P_MAX, _P_OPT),
            check=_absolute_check,
        ),
    )
}


def check_registry(registry: Mapping[PriceFormula, FormulaDef]) -> None:
    """Refuse a registry that misses a formula or holds a half-defined entry (run at import)."""
    missing = [f.value for f in PriceFormula if f not in registry]
    if missing:
        raise ImportError(f"price formula(s) without a definition in engine/price.py: {', '.join(missing)}")
    settings = set(EvaluationSettings.model_fields)
    for key, entry in registry.items():
        if entry.formula is not key:
            raise ImportError(f"price formula {key.value}: its entry defines {entry.formula.value}")
        for part in ("label", "equation", "explanation"):
            if not getattr(entry, part).strip():
                raise ImportError(f"price formula {key.value}: no {part}")
        if not callable(entry.kernel):
            raise ImportError(f"price formula {key.value}: the kernel is not a function")
        unknown = [p.setting for p in entry.parameters if p.setting not in settings]
        if unknown:
            raise ImportError(f"price formula {key.value}: no evaluation setting {', '.join(unknown)}")


check_registry(FORMULAS)

# Formulas whose points depend on the other bids (through Pmin).
RELATIVE_FORMULAS = frozenset(f.formula for f in FORMULAS.values() if f.relative)
FORMULA_TEXT: dict[PriceFormula, str] = {key: f.text for key, f in FORMULAS.items()}


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
    if formula not in FORMULAS:
        raise ValueError(f"unknown price formula {formula!r}")
    return FORMULAS[formula].points(p, max_points, {"ceiling": ceiling, "p_max": p_max, "p_opt": p_opt})


def settings_points(p: np.ndarray, settings: EvaluationSettings) -> np.ndarray:
    """Price points under ``settings``' formula and its parameters."""
    return price_points(
        p, settings.price_formula, settings.max_points, **FORMULAS[settings.price_formula].values(settings)
    )
