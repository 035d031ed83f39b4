"""An award across lots: the lots, each supplier's lot bids and bundle bids, the buyer's rules and the chain.

Plain validated data (read from JSON by the CLI, built from evaluations by a
notebook). Each lot bid carries the quality points and the price that the lot's
own evaluation gave it, and whether it passed the knock-outs; a bundle bid says
"these lots together, so much cheaper". The rules are what a buyer says in words:
at least / at most N suppliers, at most X % of the volume to one supplier, keep an
incumbent on a lot, an end-to-end availability for the chain of lots.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from slm_psr.model.lots import Chain, Rules  # the PSR states them too; defined once, in the model


class Objective(StrEnum):
    VALUE = "value"  # maximise the lot-weighted MEAT totals (quality and price points)
    PRICE = "price"  # minimise the total price, every awarded lot at or above the quality floor


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lot(_Strict):
    id: str = Field(min_length=1)
    name: str = ""
    weight: float = Field(default=1.0, ge=0)  # how much the lot counts in the total value
    volume: float | None = Field(default=None, ge=0)  # for the share rule; default: the lot's weight

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()


class LotBid(_Strict):
    supplier: str = Field(min_length=1)
    lot: str
    quality: float = Field(ge=0)  # quality points of the lot's evaluation, 0..max_points
    price: float = Field(gt=0)  # total price over the term
    availability: float | None = Field(default=None, gt=0, le=100)  # committed, percent (for the chain)
    qualified: bool = True  # False: out on a knock-out, never awarded


class Bundle(_Strict):
    supplier: str
    lots: list[str] = Field(min_length=2)
    discount: float = Field(gt=0, lt=1)  # 0.05: 5 % off the lot prices when all of them are won together


class AwardProblem(_Strict):
    currency: str = "EUR"
    objective: Objective = Objective.VALUE
    quality_weight: float = Field(default=60.0, ge=0)
    price_weight: float = Field(default=40.0, ge=0)
    max_points: float = Field(default=100.0, gt=0)
    quality_floor: float | None = Field(default=None, ge=0)  # price objective: minimum quality per lot
    lots: list[Lot] = Field(min_length=1)
    bids: list[LotBid]
    bundles: list[Bundle] = Field(default_factory=list)
    rules: Rules = Field(default_factory=Rules)
    chain: Chain | None = None

    @model_validator(mode="after")
    def _references(self) -> AwardProblem:
        lots = {lot.id for lot in self.lots}
        errors: list[str] = []
        if len(lots) != len(self.lots):
            errors.append("lot IDs repeat")
        seen: set[tuple[str, str]] = set()
        for bid in self.bids:
            if bid.lot not in lots:
                errors.append(f"bid of {bid.supplier} on lot {bid.lot}: no such lot")
            if (bid.supplier, bid.lot) in seen:
                errors.append(f"{bid.supplier} bids twice on lot {bid.lot}")
            seen.add((bid.supplier, bid.lot))
        for bundle in self.bundles:
            missing = [lot for lot in bundle.lots if (bundle.supplier, lot) not in seen]
            if missing:
                errors.append(
                    f"bundle of {bundle.supplier} ({', '.join(bundle.lots)}): no lot bid of theirs on "
                    f"{', '.join(missing)}"
                )
        for lot, supplier in self.rules.incumbents.items():
            if lot not in lots:
                errors.append(f"incumbent rule for lot {lot}: no such lot")
            elif (supplier, lot) not in seen:
                errors.append(f"incumbent rule: {supplier} has no bid on lot {lot}")
        if self.chain is not None:
            unknown = [lot for lot in self.chain.lots() if lot not in lots]
            if unknown:
                errors.append(f"chain: no such lot {', '.join(unknown)}")
            needs = [b for b in self.bids if b.lot in set(self.chain.lots()) and b.availability is None]
            if needs and self.rules.chain_minimum is not None:
                errors.append(
                    "chain minimum: every bid on a lot of the chain needs its availability; missing for "
                    + ", ".join(f"{b.supplier} on {b.lot}" for b in needs[:5])
                )
        if self.rules.chain_minimum is not None and self.chain is None:
            errors.append("chain minimum without a chain: describe how the lots depend on each other")
        if self.objective is Objective.VALUE and self.quality_weight + self.price_weight <= 0:
            errors.append("quality weight and price weight are both zero")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def lot(self, lot_id: str) -> Lot:
        return next(lot for lot in self.lots if lot.id == lot_id)


def load_problem(data: dict[str, Any]) -> AwardProblem:
    return AwardProblem.model_validate(data)
