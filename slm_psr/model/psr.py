"""The PSR (the buyer's request): services, requirements, evaluation settings, with errors a buyer reads."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    pass
from slm_psr.model.contract_terms import ContractTerms
from slm_psr.model.coverage import (
    CoverageWindow,
)
from slm_psr.model.kind import (
    Kind,
    find_kind,
)
from slm_psr.model.lots import LotPlan
from slm_psr.model.vocabulary import (
    DecisionCriterion,
    Direction,
    Method,
    PriceBasis,
    PriceFormula,
    Rule,
)

SCHEMA_VERSION = 1
MAX_LEVEL_OPTIONS = 3  # alternative levels a supplier may offer for one requirement, each with its price


def _fail(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


# --- the PSR ----------------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
Weight = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, use_enum_values=False)


class Step(_Strict):
    """One row of a step table: an answer at least as good as ``threshold`` earns ``points``."""

    threshold: float
    points: float = Field(ge=0, le=10)


class Service(_Strict):
    id: str
    name: str
    weight: float = 1.0
    description: str = ""

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not _ID.match(v):
            raise _fail("bad_id", f"service ID '{v}' must be letters, digits, '-', '_' or '.'")
        return v

    @field_validator("weight")
    @classmethod
    def _weight_positive(cls, v: float, info: ValidationInfo) -> float:
        if not v > 0:
            sid = info.data.get("id", "?")
            raise _fail("weight", f"service {sid}: weight {v:g}; service weights must be positive")
        return v


Level = float | bool | list[str] | CoverageWindow | None


class Requirement(_Strict):
    """One line of the PSR.

    ``minimum`` is a knock-out published in advance; ``target`` earns full points.
    Their type follows the kind: percent for availability, a number in ``unit`` for
    time limits and numbers, a service window for coverage, ISO 639-1 codes for
    languages (minimum = required, target = desirable extras), ``true`` for yes/no,
    a 0-10 score for qualitative criteria. Price items carry neither.
    """

    id: str
    service: str
    text: str
    kind: Kind
    unit: str = ""
    direction: Direction | None = None
    minimum: Level = None
    target: Level = None
    rule: Rule | None = None
    steps: list[Step] = Field(default_factory=list)
    weight: Weight = 1.0
    price_basis: PriceBasis | None = None
    quantity: float = Field(default=1.0, gt=0)  # price items: units per month or in total
    # Priced level options: the supplier may offer up to this many other levels, each with a
    # monthly price difference (None: one level only, as before; absent from the content hash).
    options: int | None = Field(default=None, ge=1, le=MAX_LEVEL_OPTIONS)

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not _ID.match(v):
            raise _fail(
                "bad_id", f"requirement ID '{v}' must be letters, digits, '-', '_' or '.' (at most 32)"
            )
        return v

    @field_validator("text")
    @classmethod
    def _text_ok(cls, v: str) -> str:
        if not v.strip():
            raise _fail("empty", "the requirement text is empty; say what the supplier must offer")
        return v

    @model_validator(mode="before")
    @classmethod
    def _typed_levels(cls, data: Any) -> Any:
        """Turn the JSON form of minimum/target into the kind's type, naming the field."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        spec = find_kind(data.get("kind"))
        if spec is None:
            kinds = ", ".join(k.value for k in Kind)
            raise _fail("kind", f"unknown kind '{data.get('kind')}'; use one of {kinds}")
        rid = data.get("id", "?")
        for field in ("minimum", "target"):
            value = data.get(field)
            if value is None:
                continue
            data[field] = spec.level(value, f"requirement {rid}: {field}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Requirement:
        where = f"requirement {self.id}"
        spec = self.kind.spec
        if self.direction is None:
            self.direction = spec.direction
        if self.rule is None:
            self.rule = Rule.STEPS if self.steps else spec.default_rule
        if self.rule not in spec.rules:
            allowed = ", ".join(sorted(r.value for r in spec.rules))
            raise _fail(
                "rule",
                f"{where}: rule '{self.rule.value}' does not fit kind {spec.label}; use one of {allowed}",
            )
        if self.rule is Rule.STEPS and not self.steps:
            raise _fail("steps", f"{where}: rule 'steps' needs a step table")
        if spec.priced and self.price_basis is None:
            raise _fail("price_basis", f"{where}: a price item needs price_basis monthly or one_time")
        if not spec.priced and self.price_basis is not None:
            raise _fail("price_basis", f"{where}: only price items have a price_basis")
        if self.options is not None and (spec.priced or spec.evaluated_by_people):
            raise _fail(
                "options",
                f"{where}: level options fit a service level the supplier states, not a "
                f"{spec.label} (options: {self.options})",
            )
        spec.check(self, where)
        if self.minimum is not None and self.target is not None:
            spec.check_order(self, where)
        return self

    @field_serializer("minimum", "target")
    def _level_json(self, level: Level) -> Any:
        return level.text if isinstance(level, CoverageWindow) else level

    @property
    def is_knock_out(self) -> bool:
        return self.minimum is not None and self.minimum != []

    @property
    def is_scored(self) -> bool:
        return self.rule is not Rule.NONE and not self.kind.spec.priced


def format_level(req: Requirement, level: Level) -> str:
    """A minimum, target or offered value in words a buyer reads: '99.5 %', '4 hours'."""
    if level is None:
        return "-"
    return req.kind.spec.format_level(req, level)


class Judgement(_Strict):
    """One pairwise judgement: service ``a`` is ``times`` as important as service ``b``."""

    a: str
    b: str
    times: float = Field(gt=0)


class WeightDerivation(_Strict):
    """How the service weights were derived (AHP, Saaty), recorded with the PSR for the award file."""

    method: str = "AHP (principal eigenvector, Saaty)"
    judgements: list[Judgement]
    weights: dict[str, float]  # by service ID, summing to 1
    consistency_ratio: float = Field(ge=0)
    by: str | None = None


class EvaluationSettings(_Strict):
    """How qualified bids are compared; published with the PSR."""

    method: Method = Method.MEAT
    quality_weight: Weight = 70.0
    price_weight: Weight = 30.0
    price_formula: PriceFormula = PriceFormula.LOWEST_RATIO
    max_points: float = Field(default=100.0, gt=0)
    price_ceiling: float | None = Field(default=None, gt=0)  # Pq for pro_rata_ceiling
    price_max: float | None = Field(default=None, gt=0)  # Pmax for absolute
    price_optimum: float | None = Field(default=None, ge=0)  # Popt for absolute
    tolerance: float = Field(default=0.05, ge=0, le=0.10)  # s for ufab_extended
    decision_criterion: DecisionCriterion = DecisionCriterion.HIGHEST_PERFORMANCE
    hours_per_business_day: float = Field(default=10.0, gt=0, le=24)
    evaluator_spread: float = Field(default=3.0, ge=0)  # flag qualitative spreads wider than this
    service_weights_derivation: WeightDerivation | None = None  # AHP judgements behind the service weights
    # The two-envelope procedure: a team's price answers stay sealed until the quality scores
    # are frozen. None (not stated) applies it, as before this field existed (and keeps the
    # content hash of PSRs stored before); false says it does not apply: prices are read openly.
    two_envelopes: StrictBool | None = None

    @property
    def sealed_prices(self) -> bool:
        """True when a team's prices stay sealed until the quality scores are frozen."""
        return self.two_envelopes is not False

    @model_validator(mode="after")
    def _formula_parameters(self) -> EvaluationSettings:
        if self.method is Method.MEAT and self.quality_weight + self.price_weight <= 0:
            raise _fail("weights", "evaluation: quality weight and price weight are both zero")
        if self.price_formula is PriceFormula.PRO_RATA_CEILING and self.price_ceiling is None:
            raise _fail(
                "price_ceiling", "evaluation: price formula pro_rata_ceiling needs price_ceiling (Pq)"
            )
        if self.price_formula is PriceFormula.ABSOLUTE:
            if self.price_max is None or self.price_optimum is None:
                raise _fail(
                    "price_max",
                    "evaluation: price formula absolute needs price_max (Pmax) and price_optimum (Popt)",
                )
            if self.price_optimum >= self.price_max:
                raise _fail(
                    "price_optimum",
                    f"evaluation: price_optimum {self.price_optimum:g} must be below price_max "
                    f"{self.price_max:g}",
                )
        return self


class PSR(_Strict):
    """The buyer's request for proposal with its services, requirements and evaluation."""

    schema_version: Literal[1] = SCHEMA_VERSION  # type: ignore[assignment]
    id: str
    version: int = Field(default=1, ge=1)
    buyer: str
    title: str
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    term_months: int = Field(gt=0, le=240)
    deadline: dt.date
    services: list[Service]
    requirements: list[Requirement]
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings)
    contract_terms: ContractTerms | None = None
    lots: LotPlan | None = None  # awarded lot by lot (None: one award for everything)

    @model_validator(mode="after")
    def _references(self) -> PSR:
        errors = reference_errors(self.model_dump(mode="json"))
        errors += contract_term_errors(self)
        errors += option_errors(self)
        errors += lot_errors(self)
        errors += envelope_errors(self)
        if errors:
            raise _fail("psr", "\n".join(errors))
        return self

    def service(self, service_id: str) -> Service:
        return next(s for s in self.services if s.id == service_id)

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    @property
    def price_items(self) -> list[Requirement]:
        return [r for r in self.requirements if r.kind.spec.priced]

    @property
    def service_requirements(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.kind.spec.priced]


def reference_errors(data: dict[str, Any]) -> list[str]:
    """Cross-references in a PSR's raw data: unique IDs, known services, a price item.

    Works on the raw JSON so that these are reported even when a field elsewhere is
    invalid (pydantic skips whole-model checks then).
    """
    errors: list[str] = []
    services = [s for s in data.get("services") or [] if isinstance(s, dict)]
    requirements = [r for r in data.get("requirements") or [] if isinstance(r, dict)]
    if not services:
        errors.append("the PSR has no services; add at least one")
    known: list[Any] = []
    for s in services:
        if s.get("id") in known:
            errors.append(f"duplicate service ID {s.get('id')}")
        known.append(s.get("id"))
    seen: set[Any] = set()
    for r in requirements:
        if r.get("id") in seen:
            errors.append(f"duplicate requirement ID {r.get('id')}")
        seen.add(r.get("id"))
        if services and r.get("service") not in known:
            errors.append(
                f"requirement {r.get('id')}: service '{r.get('service')}' is missing; "
                f"known services: {', '.join(map(str, known))}"
            )
    if not any((spec := find_kind(r.get("kind"))) is not None and spec.priced for r in requirements):
        errors.append("the PSR has no price items; add at least a monthly fee")
    return errors


def contract_term_errors(psr: PSR) -> list[str]:
    """Whether the contract terms name requirements that exist and fit what they are used for."""
    terms = psr.contract_terms
    if terms is None:
        return []
    known = {r.id: r for r in psr.requirements}
    questions = set(terms.question_ids())
    errors: list[str] = []
    for where, rid in terms.referenced_levels():
        req = known.get(rid)
        if req is None:
            errors.append(f"contract terms, {where}: requirement {rid} is not in the PSR")
        elif req.kind.spec.priced or rid in questions:
            errors.append(f"contract terms, {where}: {rid} is not a service level")
    asks: list[tuple[str, str, tuple[str, ...], str]] = []
    if terms.pool:
        asks.append(
            (
                "at-risk amount",
                terms.pool.at_risk_requirement,
                ("at_risk", "number"),
                "an at-risk amount (kind at_risk)",
            )
        )
    if terms.credit_acceptance:
        asks.append(
            (
                "credit regime acceptance",
                terms.credit_acceptance,
                _ACCEPTANCE,
                "a yes/no acceptance (kind acceptance)",
            )
        )
    for right in terms.termination:
        if right.acceptance:
            where = f"termination right {right.id} acceptance"
            asks.append((where, right.acceptance, _ACCEPTANCE, "a yes/no acceptance (kind acceptance)"))
    if terms.reporting:
        asks.append(
            (
                "reporting commitment",
                terms.reporting,
                ("reporting_day", "number"),
                "a reporting day (kind reporting_day)",
            )
        )
    # the dedicated kinds, or the general ones they refine (number, yes/no)
    for where, rid, kinds, wanted in asks:
        req = known.get(rid)
        if req is None:
            errors.append(f"contract terms, {where}: requirement {rid} is not in the PSR")
        elif req.kind.value not in kinds:
            errors.append(f"contract terms, {where}: requirement {rid} must be {wanted}")
    return errors


_ACCEPTANCE = ("acceptance", "yes_no")


def option_errors(psr: PSR) -> list[str]:
    """Level options need a monthly fee to carry their price difference, and a questionnaire row."""
    with_options = [r.id for r in psr.requirements if r.options is not None]
    if not with_options:
        return []
    errors: list[str] = []
    if psr.price_items and not any(r.price_basis is PriceBasis.MONTHLY for r in psr.price_items):
        errors.append(
            f"level options ({', '.join(with_options)}) are priced per month: add a monthly price item"
        )
    questions = set(psr.contract_terms.question_ids()) if psr.contract_terms else set()
    errors.extend(
        f"requirement {rid}: a contract-terms question takes no level options" for rid in with_options
        if rid in questions
    )  # fmt: skip
    return errors


def envelope_errors(psr: PSR) -> list[str]:
    """A PSR that states the two-envelope procedure has prices to seal and quality to score first."""
    if psr.evaluation.two_envelopes is not True:
        return []
    errors = []
    if not psr.price_items:
        errors.append("evaluation: the two-envelope procedure seals the price items, but the PSR has none")
    if len(psr.price_items) == len(psr.requirements):
        errors.append(
            "evaluation: the two-envelope procedure scores quality before prices, but the PSR asks only prices"
        )
    return errors


def lot_errors(psr: PSR) -> list[str]:
    """The lots name services that exist, once each, and each lot has a price item of its own."""
    if psr.lots is None:
        return []
    availability = {r.id: r.service for r in psr.requirements if r.kind.spec.uptime}
    errors = psr.lots.errors({s.id: s.weight for s in psr.services}, availability)
    priced = {r.service for r in psr.price_items}
    for lot in psr.lots.lots if priced else ():  # no price item at all is reported once, above
        if not priced & set(lot.services):
            errors.append(f"lot {lot.id}: none of its services ({', '.join(lot.services)}) has a price item")
    return errors


def option_price_item(psr: PSR, req: Requirement) -> Requirement:
    """The monthly price item a level option's price difference is added to: the requirement's
    service's first monthly fee, else the PSR's first (``option_errors`` ensures there is one)."""
    monthly = [r for r in psr.price_items if r.price_basis is PriceBasis.MONTHLY]
    return next((r for r in monthly if r.service == req.service), monthly[0])


def psr_errors(exc: ValidationError, data: dict[str, Any] | None = None) -> list[str]:
    """Buyer-readable lines from a pydantic error: the field path, then the message.

    Pass the raw ``data`` too, so that cross-reference errors are listed even when
    field errors stopped pydantic before its whole-model check.
    """
    lines: list[str] = []
    for err in exc.errors():
        msg = err["msg"]
        loc = [str(p) for p in err["loc"]]
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        if err["type"] == "psr":
            lines.extend(msg.split("\n"))
            continue
        if msg.startswith(
            ("requirement ", "evaluation:", "service ", "contract", "credit rule", "termination")
        ):
            lines.append(msg)
            continue
        lines.append(f"{_where(loc)}: {msg}" if loc else msg)
    if data is not None:
        lines.extend(e for e in reference_errors(data) if e not in lines)
    return lines


def _where(loc: list[str]) -> str:
    """Turn ('requirements', '3', 'weight') into 'requirements[3].weight'."""
    out = ""
    for part in loc:
        if part.isdigit():
            out += f"[{part}]"
        elif part in ("function-after[_consistent()]", "function-before[_typed_levels()]"):
            continue
        else:
            out += ("." if out else "") + part
    return out
