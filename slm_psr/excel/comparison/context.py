"""What every sheet of the comparison needs: the evaluation with its lookups, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from slm_psr.engine.methods import METHODS
from slm_psr.model import PSR, Method
from slm_psr.wording import status_word

if TYPE_CHECKING:
    from slm_psr.engine import Evaluation


# --- what the sheets share --------------------------------------------------------------


@dataclass
class Context:
    """The evaluation plus lookups every sheet needs, computed once."""

    ev: Evaluation
    psr: PSR
    method: Method
    suppliers: pd.DataFrame  # ev.suppliers, ranked bids first by rank (the chart relies on it)
    status: dict[str, str]  # supplier -> status in words
    rank: dict[str, int | None]
    knock_outs: list[str]  # requirement IDs with a minimum, PSR order
    knock_out_result: dict[tuple[str, str], str]  # (supplier, requirement) -> pass/fail/review/accepted

    @property
    def max_points(self) -> float:
        return self.ev.settings.max_points


def rank_of(value: Any) -> int | None:
    return None if value is None or value is pd.NA or value != value else int(value)


def context(ev: Evaluation) -> Context:
    suppliers = ev.suppliers.sort_values("rank", kind="stable", na_position="last")
    names = suppliers["supplier"].tolist()
    status = {n: status_word(s) for n, s in zip(names, suppliers["status"].tolist(), strict=True)}
    rank = {n: rank_of(r) for n, r in zip(names, suppliers["rank"].tolist(), strict=True)}
    knock_outs = [r.id for r in ev.psr.service_requirements if r.is_knock_out]
    return Context(
        ev=ev,
        psr=ev.psr,
        method=ev.settings.method,
        suppliers=suppliers,
        status=status,
        rank=rank,
        knock_outs=knock_outs,
        knock_out_result=_knock_out_results(ev, set(knock_outs)),
    )


def _knock_out_results(ev: Evaluation, knock_outs: set[str]) -> dict[tuple[str, str], str]:
    """pass / fail / review / accepted / rejected for every supplier and knock-out requirement."""
    scores = ev.scores
    mask = scores["requirement"].isin(knock_outs).to_numpy()
    cells = zip(
        scores["supplier"].to_numpy()[mask].tolist(),
        scores["requirement"].to_numpy()[mask].tolist(),
        scores["gate"].to_numpy()[mask].tolist(),
        strict=True,
    )
    return {(supplier, rid): gate for supplier, rid, gate in cells}


def is_ufab(method: Method) -> bool:
    return not METHODS[method].uses_price_points
