"""Evaluation, step 3: the :class:`Evaluation` a buyer (or the workbook writer) reads, and the method in words."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.methods import (
    METHODS,
    TIE_BREAK,
    is_relative,
)
from slm_psr.model import (
    PSR,
    EvaluationSettings,
    Override,
)

# --- 3. the result ----------------------------------------------------------------


def _json(value: Any) -> Any:
    """Plain JSON values: NaN and NA become None, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json(v) for v in value]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


@dataclass
class Evaluation:
    """The comparison of the bids: who is in, their points, totals and ranks, and the trail.

    ``suppliers`` has one row per supplier (ranked first, by rank), ``scores`` one
    row per supplier and requirement (price items included; its ``gate`` column
    holds the knock-out result per cell: pass, fail, review, accepted or rejected by
    an override, "" without a minimum; its ``flags`` column a tuple of flag words per
    cell, ``()`` for most: a tuple, not a list, because half a million fresh lists cost
    the garbage collector more than the rest of the evaluation), ``services`` the
    subtotals per supplier and service, ``weights`` the typed and normalised
    weights, ``leave_one_out`` the ranking with each qualified bid left out.

    ``scores`` may be given as a function that builds the table: it is then built
    on first read (a page, the workbook, :meth:`explain`) and kept, because its half
    a million rows of words cost many times the arithmetic that a what-if re-runs.
    """

    psr: PSR
    settings: EvaluationSettings
    suppliers: pd.DataFrame
    scores: pd.DataFrame  # a property below: given as a table or as the function that builds it
    services: pd.DataFrame
    weights: pd.DataFrame
    warnings: list[str]  # WarningText: each a text with its code
    leave_one_out: pd.DataFrame
    overrides: list[Override]
    service_weights: dict[str, float]
    relative: bool
    tie_break: str = TIE_BREAK

    @property
    def winners(self) -> list[str]:
        """Supplier(s) ranked first (more than one on a tie)."""
        return self.suppliers.loc[self.suppliers["winner"], "supplier"].tolist()

    def ranking(self) -> pd.DataFrame:
        """The ranked bids only, best first."""
        ranked = self.suppliers[self.suppliers["rank"].notna()]
        return ranked.sort_values("rank", kind="stable").reset_index(drop=True)

    def __getstate__(self) -> dict[str, Any]:
        # a pickled evaluation (the app's cache) carries the table, not the function and
        # every input it would need
        state = dict(self.__dict__)
        state["scores"] = self.scores
        return state

    def explain(self, supplier: str) -> pd.DataFrame:
        """One supplier's trail, requirement by requirement: offered, points, weight, contribution."""
        if supplier not in set(self.suppliers["supplier"]):
            raise ValueError(f"no supplier {supplier!r}; known: {', '.join(self.suppliers['supplier'])}")
        return self.scores[self.scores["supplier"] == supplier].reset_index(drop=True)

    def method_description(self) -> str:
        """The method and its formulas in words, with this evaluation's parameters."""
        return method_description(self.psr, self.settings, self.service_weights)

    def to_dict(self, *, include_scores: bool = False) -> dict[str, Any]:
        """JSON-ready: the PSR reference, the method and parameters, per supplier status/reasons/total/rank."""
        columns = [
            "supplier",
            "file",
            "status",
            "reasons",
            "override",
            "total",
            "rank",
            "winner",
            "price_total",
            "price_points",
            "quality_points",
            "performance_L",
            "value_Z",
            "finalist",
        ]
        columns += [c for c in ("at_risk_amount", "credit_at_minimums") if c in self.suppliers.columns]
        suppliers = [{c: _json(row[c]) for c in columns} for row in self.suppliers.to_dict(orient="records")]
        for row in suppliers:
            row["rank"] = None if row["rank"] is None else int(row["rank"])
        out: dict[str, Any] = {
            "psr": {
                "id": self.psr.id,
                "version": self.psr.version,
                "title": self.psr.title,
                "buyer": self.psr.buyer,
                "currency": self.psr.currency,
                "term_months": self.psr.term_months,
            },
            "method": {
                "name": self.settings.method.value,
                "parameters": self.settings.model_dump(mode="json"),
                "service_weights": self.service_weights,
                "relative": self.relative,
                "description": self.method_description(),
            },
            "tie_break": self.tie_break,
            "suppliers": suppliers,
            "warnings": list(self.warnings),
            "leave_one_out": _json(self.leave_one_out.to_dict(orient="records")),
            "overrides": [o.model_dump(mode="json") for o in self.overrides],
            "weights": _json(self.weights.to_dict(orient="records")),
        }
        if include_scores:
            out["scores"] = _json(self.scores.to_dict(orient="records"))
        json.dumps(out)  # fail here, not in the caller, if anything is not plain JSON
        return out


def _get_scores(self: Evaluation) -> pd.DataFrame:
    table = self.__dict__["scores"]
    if callable(table):  # not built yet (a DataFrame is not callable)
        table = table()
        self.__dict__["scores"] = table
    return table


def _set_scores(self: Evaluation, table: pd.DataFrame | Callable[[], pd.DataFrame]) -> None:
    self.__dict__["scores"] = table


# After the class body, so that the dataclass keeps ``scores`` as an ordinary field of
# its constructor (and of dataclasses.replace) while reading it goes through the property.
Evaluation.scores = property(_get_scores, _set_scores, doc="One row per supplier and requirement: the trail.")  # type: ignore[assignment,method-assign]


def method_description(psr: PSR, settings: EvaluationSettings, service_weights: dict[str, float]) -> str:
    """The evaluation rules in words (see :meth:`Evaluation.method_description`)."""
    mp = f"{settings.max_points:g}"
    cur = psr.currency
    shares = ", ".join(f"{sid} {w:g}" for sid, w in service_weights.items())
    lines = [
        "Knock-outs first: a bid that misses any published minimum is disqualified; a doubtful answer "
        "to a knock-out, or an incomplete price, needs review before the bid can be ranked. "
        "Only qualified bids are ranked and enter any relative formula.",
        "SLA points 0-10 per requirement by its published rule (linear between minimum and target, "
        "availability on downtime minutes per month, step table, pass/fail, share of desirable extra "
        "languages, evaluators' mean); no answer earns 0.",
        f"Quality points L = {mp} x sum of (points / 10 x the requirement's weight share within its "
        f"service x the service's share); service weights {shares}.",
        f"Price P = total cost over the {psr.term_months}-month term: monthly items x quantity x "
        f"{psr.term_months} plus one-time items x quantity, in {cur}.",
    ]
    lines.extend(METHODS[settings.method].describe(settings, cur))
    if is_relative(settings):
        lines.append(
            "This method is relative: a bid's result depends on the other qualified bids, so adding or "
            "removing a bid can reverse the ranking of the others (see leave_one_out)."
        )
    lines.append(TIE_BREAK)
    return "\n".join(lines)
