"""Lots of a tender: which services each lot holds, the buyer's award rules in words, the chain of lots.

A PSR with ``lots`` is awarded lot by lot: each lot is evaluated on its own
services' requirements and price items (services in no lot, such as the contract
terms, count in every lot), a supplier bids on some lots and may offer bundle
discounts, and the award across lots follows the rules (``engine.award``).
``Chain`` and ``Rules`` are plain data used by the PSR and by the award problem alike.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_BUNDLES = 5  # bundle rows in the questionnaire


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Chain(_Strict):
    """Nested serial / parallel groups of lots: ``{"serial": ["SD", {"parallel": ["HO", "DR"]}]}``."""

    serial: list[str | Chain] | None = None
    parallel: list[str | Chain] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Chain:
        if (self.serial is None) == (self.parallel is None):
            raise ValueError("a chain group is either serial or parallel, with a list of lots or groups")
        if not (self.serial or self.parallel):
            raise ValueError("a chain group needs at least one lot")
        return self

    @property
    def parts(self) -> list[str | Chain]:
        return list(self.serial if self.serial is not None else self.parallel or [])

    def lots(self) -> list[str]:
        out: list[str] = []
        for part in self.parts:
            out.extend([part] if isinstance(part, str) else part.lots())
        return out

    def words(self, names: dict[str, str] | None = None) -> str:
        """The chain as a buyer says it: 'Hosting, then Reporting'; 'either of (HO, DR)'."""
        parts = [(names or {}).get(p, p) if isinstance(p, str) else f"({p.words(names)})" for p in self.parts]
        if self.serial is not None:
            return ", then ".join(parts)
        return "either of " + " or ".join(parts)

    def is_serial(self) -> bool:
        """Only serial groups: the end-to-end availability is a product, its logarithm a sum."""
        return self.serial is not None and all(isinstance(p, str) or p.is_serial() for p in self.parts)

    def availability(self, of: dict[str, float]) -> float:
        """End-to-end availability (0..1) from each lot's (0..1); assumes independent failures."""
        values = [of[p] if isinstance(p, str) else p.availability(of) for p in self.parts]
        if self.serial is not None:
            result = 1.0
            for v in values:
                result *= v
            return result
        down = 1.0
        for v in values:
            down *= 1.0 - v
        return 1.0 - down


class Rules(_Strict):
    min_suppliers: int | None = Field(default=None, ge=1)
    max_suppliers: int | None = Field(default=None, ge=1)
    max_share: float | None = Field(default=None, gt=0, le=1)  # of the total volume, per supplier
    incumbents: dict[str, str] = Field(default_factory=dict)  # lot -> supplier that keeps it
    chain_minimum: float | None = Field(default=None, gt=0, lt=100)  # end-to-end availability, percent

    def named(self) -> list[tuple[str, str]]:
        """Every rule set, as (key, words) - the keys :func:`without` understands."""
        out: list[tuple[str, str]] = []
        if self.min_suppliers is not None:
            out.append(("min_suppliers", f"at least {self.min_suppliers} suppliers"))
        if self.max_suppliers is not None:
            out.append(("max_suppliers", f"at most {self.max_suppliers} suppliers"))
        if self.max_share is not None:
            out.append(("max_share", f"at most {self.max_share:.0%} of the volume to one supplier"))
        for lot, supplier in self.incumbents.items():
            out.append((f"incumbent:{lot}", f"keep {supplier} on lot {lot}"))
        if self.chain_minimum is not None:
            out.append(("chain_minimum", f"end-to-end availability at least {self.chain_minimum:g} %"))
        return out

    def without(self, key: str) -> Rules:
        """The same rules less one (to price it)."""
        if key.startswith("incumbent:"):
            kept = {k: v for k, v in self.incumbents.items() if k != key.split(":", 1)[1]}
            return self.model_copy(update={"incumbents": kept})
        return self.model_copy(update={key: None})


class LotDef(_Strict):
    """One lot of the tender: an ID, a name and the services it holds."""

    id: str = Field(min_length=1, max_length=32)
    name: str = ""
    services: list[str] = Field(min_length=1)
    weight: float | None = Field(default=None, gt=0)  # in the total value; default: its services' weights
    volume: float | None = Field(default=None, ge=0)  # for the share rule; default: the lot's weight
    # the requirement whose offered availability stands for the lot in the chain;
    # default: the lot's first availability requirement
    availability: str | None = None

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()


class LotPlan(_Strict):
    """The lots, the award rules and the chain, as the PSR publishes them."""

    lots: list[LotDef] = Field(min_length=1)
    bundles: int = Field(default=3, ge=0, le=MAX_BUNDLES)  # bundle rows a supplier may fill
    rules: Rules = Field(default_factory=Rules)
    chain: Chain | None = None

    def lot(self, lot_id: str) -> LotDef:
        return next(lot for lot in self.lots if lot.id == lot_id)

    def errors(self, services: dict[str, float], availability: dict[str, str]) -> list[str]:
        """Cross-references against the PSR: ``services`` (ID -> weight), ``availability``
        (availability requirement ID -> its service ID)."""
        out: list[str] = []
        ids = [lot.id for lot in self.lots]
        if len(set(ids)) != len(ids):
            out.append("lots: lot IDs repeat")
        owner: dict[str, str] = {}
        for lot in self.lots:
            for sid in lot.services:
                if sid not in services:
                    out.append(f"lot {lot.id}: no service {sid}; known: {', '.join(services)}")
                elif sid in owner:
                    out.append(f"lot {lot.id}: service {sid} is already in lot {owner[sid]}")
                owner.setdefault(sid, lot.id)
            if lot.availability is not None and availability.get(lot.availability) not in lot.services:
                out.append(
                    f"lot {lot.id}: availability {lot.availability} is no availability requirement of its services"
                )
        for kept in self.rules.incumbents:
            if kept not in ids:
                out.append(f"lots: incumbent rule for lot {kept}: no such lot")
        if self.chain is not None:
            unknown = [lot for lot in self.chain.lots() if lot not in ids]
            if unknown:
                out.append(f"lots: chain: no such lot {', '.join(unknown)}")
        if self.rules.chain_minimum is not None and self.chain is None:
            out.append("lots: chain minimum without a chain: describe how the lots depend on each other")
        return out
