"""The PSR (the buyer's request) and a supplier's response as typed, validated data.

Everything here is plain data with validation that speaks to a buyer; no I/O
(see ``psr_file`` for the JSON format) and no imports of other slm_psr modules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import field as _field
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = 1


class _AliasEnum(StrEnum):
    """A string enum that also accepts the aliases listed in ``ALIASES``."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
            for member in cls:
                if wanted == member.value or wanted in ALIASES.get(member, ()):
                    return member
        return None


class Kind(_AliasEnum):
    """What a requirement asks for, which fixes how answers are read and scored."""

    AVAILABILITY = "availability"  # percent, e.g. 99.5
    TIME_LIMIT = "time_limit"  # response/resolution time in the requirement's unit
    COVERAGE = "coverage"  # service window, e.g. 24/7 or Mon-Fri 08:00-18:00
    LANGUAGES = "languages"  # ISO 639-1 codes
    YES_NO = "yes_no"  # certification, capability
    NUMBER = "number"  # any number with a direction
    QUALITATIVE = "qualitative"  # scored 0-10 by evaluators
    PRICE = "price"  # a price item (monthly or one-time fee)


class Direction(_AliasEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class TimeUnit(_AliasEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"


class PriceBasis(_AliasEnum):
    MONTHLY = "monthly"  # multiplied by the contract term in months
    ONE_TIME = "one_time"


class Rule(_AliasEnum):
    """How an answer becomes SLA points (see DESIGN.md, evaluation methods)."""

    LINEAR = "linear"  # linear between minimum and target, clamped
    STEPS = "steps"  # step table: thresholds to points
    DOWNTIME = "downtime"  # availability scored on allowed downtime per month
    PASS_FAIL = "pass_fail"  # full points when met, none otherwise
    EXTRAS = "extras"  # languages: share of the desirable extras offered
    EVALUATORS = "evaluators"  # qualitative: mean of evaluators' 0-10 scores
    NONE = "none"  # knock-out only, no points


class Method(_AliasEnum):
    MEAT = "meat"  # weighted sum of quality points and price points
    UFAB_SIMPLE = "ufab_simple"  # Z = L / P
    UFAB_EXTENDED = "ufab_extended"  # tolerance band around Zmax, then a criterion


class PriceFormula(_AliasEnum):
    LOWEST_RATIO = "lowest_ratio"  # max * Pmin / P
    LINEAR_FROM_LOWEST = "linear_from_lowest"  # max * (1 - (P - Pmin) / Pmin), >= 0
    PRO_RATA_CEILING = "pro_rata_ceiling"  # max * (Pq - P) / (Pq - Pmin)
    ABSOLUTE = "absolute"  # max * (Pmax - P) / (Pmax - Popt), clamped


class DecisionCriterion(_AliasEnum):
    HIGHEST_PERFORMANCE = "highest_performance"
    LOWEST_PRICE = "lowest_price"


ALIASES: dict[Enum, tuple[str, ...]] = {
    Kind.AVAILABILITY: ("availability_percent", "percent", "%"),
    Kind.TIME_LIMIT: ("time", "duration", "response_time", "resolution_time"),
    Kind.COVERAGE: ("coverage_window", "service_window", "window"),
    Kind.LANGUAGES: ("language",),
    Kind.YES_NO: ("yesno", "bool", "boolean"),
    Kind.QUALITATIVE: ("quality",),
    Kind.PRICE: ("price_item",),
    Direction.HIGHER_IS_BETTER: ("max", "+", "higher", "maximise", "maximize"),
    Direction.LOWER_IS_BETTER: ("min", "_", "lower", "minimise", "minimize"),
    TimeUnit.MINUTES: ("min", "minute", "mins"),
    TimeUnit.HOURS: ("h", "hour", "hrs"),
    TimeUnit.BUSINESS_DAYS: ("business_day", "bd", "working_days"),
    PriceBasis.MONTHLY: ("per_month", "month"),
    PriceBasis.ONE_TIME: ("once", "onetime"),
    Method.UFAB_SIMPLE: ("simple", "value_for_money"),
    Method.UFAB_EXTENDED: ("extended",),
}

KIND_LABELS: dict[Kind, str] = {
    Kind.AVAILABILITY: "availability",
    Kind.TIME_LIMIT: "time limit",
    Kind.COVERAGE: "coverage",
    Kind.LANGUAGES: "languages",
    Kind.YES_NO: "yes/no",
    Kind.NUMBER: "number",
    Kind.QUALITATIVE: "qualitative",
    Kind.PRICE: "price",
}

# ISO 639-1 codes with their English names: the languages a PSR may ask for.
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic", "bg": "Bulgarian", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lb": "Luxembourgish",
    "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "mt": "Maltese",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "rm": "Romansh", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "zh": "Chinese",
}  # fmt: skip


def _fail(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


# --- coverage windows -------------------------------------------------------------

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MINUTES_PER_WEEK = 7 * 24 * 60
_SPAN = re.compile(
    r"^(?P<d1>[A-Z][a-z]{2})(?:-(?P<d2>[A-Z][a-z]{2}))?\s+"
    r"(?P<h1>\d{2}):(?P<m1>\d{2})-(?P<h2>\d{2}):(?P<m2>\d{2})$"
)


class CoverageWindow(BaseModel):
    """A weekly service window as minute intervals of the week (Monday 00:00 = 0).

    Written canonically as ``24/7`` or ``Mon-Fri 08:00-18:00, Sat 09:00-13:00``.
    A span whose end is before its start runs over midnight into the next day.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    intervals: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> CoverageWindow:
        """Read the canonical form; raises ``ValueError`` naming what is wrong."""
        text = " ".join(str(text).split())
        if text == "24/7":
            return cls(text=text, intervals=((0, _MINUTES_PER_WEEK),))
        raw: list[tuple[int, int]] = []
        for part in text.split(","):
            m = _SPAN.match(part.strip())
            if not m or m["d1"] not in DAY_NAMES or (m["d2"] and m["d2"] not in DAY_NAMES):
                raise ValueError(
                    f"'{part.strip()}' is not a service window like 'Mon-Fri 08:00-18:00' or '24/7'"
                )
            first = DAY_NAMES.index(m["d1"])
            last = DAY_NAMES.index(m["d2"]) if m["d2"] else first
            days = range(first, last + 1) if last >= first else [*range(first, 7), *range(0, last + 1)]
            start = int(m["h1"]) * 60 + int(m["m1"])
            end = int(m["h2"]) * 60 + int(m["m2"])
            if start > 24 * 60 or end > 24 * 60 or int(m["m1"]) > 59 or int(m["m2"]) > 59:
                raise ValueError(f"'{part.strip()}' has a time past 24:00")
            if start == end:
                raise ValueError(f"'{part.strip()}' starts and ends at the same time")
            for day in days:
                base = day * 1440
                if end > start:
                    raw.append((base + start, base + end))
                else:  # over midnight
                    raw.append((base + start, base + 1440 + end))
        return cls(text=text, intervals=_merge(raw))

    @classmethod
    def from_intervals(cls, intervals: list[tuple[int, int]]) -> CoverageWindow:
        merged = _merge(intervals)
        return cls(text=_describe(merged), intervals=merged)

    @property
    def hours_per_week(self) -> float:
        return sum(end - start for start, end in self.intervals) / 60

    def covers(self, other: CoverageWindow) -> bool:
        """True when every minute of ``other`` lies inside this window."""
        return not other.missing_from(self)

    def missing_from(self, offered: CoverageWindow) -> list[tuple[int, int]]:
        """The parts of this window that ``offered`` does not cover."""
        missing: list[tuple[int, int]] = []
        for start, end in self.intervals:
            cursor = start
            for o_start, o_end in offered.intervals:
                if o_end <= cursor or o_start >= end:
                    continue
                if o_start > cursor:
                    missing.append((cursor, o_start))
                cursor = max(cursor, o_end)
                if cursor >= end:
                    break
            if cursor < end:
                missing.append((cursor, end))
        return missing

    def __str__(self) -> str:
        return self.text


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort, wrap past Sunday midnight back to Monday, and join touching intervals."""
    flat: list[tuple[int, int]] = []
    for start, end in intervals:
        if end > _MINUTES_PER_WEEK:
            flat.append((start, _MINUTES_PER_WEEK))
            flat.append((0, end - _MINUTES_PER_WEEK))
        else:
            flat.append((start, end))
    merged: list[list[int]] = []
    for start, end in sorted(flat):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _describe(intervals: tuple[tuple[int, int], ...]) -> str:
    """Canonical text for intervals: full week as 24/7, else per-day spans."""
    if intervals == ((0, _MINUTES_PER_WEEK),):
        return "24/7"
    parts = []
    for start, end in intervals:
        while start < end:
            day, minute = divmod(start, 1440)
            stop = min(end, (day + 1) * 1440)
            parts.append((day, minute, stop - day * 1440))
            start = stop
    by_time: dict[tuple[int, int], list[int]] = {}
    for day, s, e in parts:
        by_time.setdefault((s, e), []).append(day)
    spans = []
    for (s, e), days in sorted(by_time.items(), key=lambda kv: (kv[1][0], kv[0])):
        runs: list[list[int]] = []
        for d in days:
            if runs and d == runs[-1][-1] + 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        for run in runs:
            label = DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
            spans.append((run[0], f"{label} {s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"))
    return ", ".join(text for _, text in sorted(spans))


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


DEFAULT_RULES: dict[Kind, Rule] = {
    Kind.AVAILABILITY: Rule.DOWNTIME,
    Kind.TIME_LIMIT: Rule.LINEAR,
    Kind.COVERAGE: Rule.LINEAR,
    Kind.LANGUAGES: Rule.EXTRAS,
    Kind.YES_NO: Rule.PASS_FAIL,
    Kind.NUMBER: Rule.LINEAR,
    Kind.QUALITATIVE: Rule.EVALUATORS,
    Kind.PRICE: Rule.NONE,
}
ALLOWED_RULES: dict[Kind, set[Rule]] = {
    Kind.AVAILABILITY: {Rule.DOWNTIME, Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE},
    Kind.TIME_LIMIT: {Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE},
    Kind.COVERAGE: {Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE},
    Kind.LANGUAGES: {Rule.EXTRAS, Rule.PASS_FAIL, Rule.NONE},
    Kind.YES_NO: {Rule.PASS_FAIL, Rule.NONE},
    Kind.NUMBER: {Rule.LINEAR, Rule.STEPS, Rule.PASS_FAIL, Rule.NONE},
    Kind.QUALITATIVE: {Rule.EVALUATORS, Rule.NONE},
    Kind.PRICE: {Rule.NONE},
}
DEFAULT_DIRECTIONS: dict[Kind, Direction] = {
    Kind.AVAILABILITY: Direction.HIGHER_IS_BETTER,
    Kind.TIME_LIMIT: Direction.LOWER_IS_BETTER,
    Kind.COVERAGE: Direction.HIGHER_IS_BETTER,
    Kind.LANGUAGES: Direction.HIGHER_IS_BETTER,
    Kind.YES_NO: Direction.HIGHER_IS_BETTER,
    Kind.NUMBER: Direction.HIGHER_IS_BETTER,
    Kind.QUALITATIVE: Direction.HIGHER_IS_BETTER,
    Kind.PRICE: Direction.LOWER_IS_BETTER,
}

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
        try:
            kind = Kind(data.get("kind"))
        except ValueError:
            kinds = ", ".join(k.value for k in Kind)
            raise _fail("kind", f"unknown kind '{data.get('kind')}'; use one of {kinds}") from None
        rid = data.get("id", "?")
        for field in ("minimum", "target"):
            value = data.get(field)
            if value is None:
                continue
            data[field] = _level_for(kind, value, f"requirement {rid}: {field}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Requirement:
        where = f"requirement {self.id}"
        if self.direction is None:
            self.direction = DEFAULT_DIRECTIONS[self.kind]
        if self.rule is None:
            self.rule = Rule.STEPS if self.steps else DEFAULT_RULES[self.kind]
        if self.rule not in ALLOWED_RULES[self.kind]:
            allowed = ", ".join(sorted(r.value for r in ALLOWED_RULES[self.kind]))
            raise _fail(
                "rule",
                f"{where}: rule '{self.rule.value}' does not fit kind "
                f"{KIND_LABELS[self.kind]}; use one of {allowed}",
            )
        if self.rule is Rule.STEPS and not self.steps:
            raise _fail("steps", f"{where}: rule 'steps' needs a step table")
        if self.kind is Kind.TIME_LIMIT:
            if not self.unit:
                self.unit = TimeUnit.HOURS.value
            try:
                self.unit = TimeUnit(self.unit).value
            except ValueError:
                raise _fail(
                    "unit",
                    f"{where}: unit '{self.unit}' is not a time unit; use minutes, hours or business_days",
                ) from None
        if self.kind is Kind.AVAILABILITY:
            self.unit = "%"
        if self.kind is Kind.PRICE:
            if self.price_basis is None:
                raise _fail("price_basis", f"{where}: a price item needs price_basis monthly or one_time")
            if self.minimum is not None or self.target is not None:
                raise _fail("price", f"{where}: price items have no minimum or target")
        elif self.price_basis is not None:
            raise _fail("price_basis", f"{where}: only price items have a price_basis")
        if self.kind is Kind.QUALITATIVE:
            for name, level in (("minimum", self.minimum), ("target", self.target)):
                if level is not None and not 0 <= level <= 10:  # type: ignore[operator]
                    raise _fail("range", f"{where}: {name} {level} must be a score from 0 to 10")
        if self.kind is Kind.YES_NO and self.minimum is False:
            self.minimum = None  # "no" as a minimum asks for nothing
        self._check_order(where)
        return self

    def _check_order(self, where: str) -> None:
        lo, hi = self.minimum, self.target
        if lo is None or hi is None:
            return
        if self.kind is Kind.LANGUAGES:
            overlap = sorted(set(lo) & set(hi))  # type: ignore[arg-type]
            if overlap:
                raise _fail(
                    "order",
                    f"{where}: target lists desirable extra languages; "
                    f"{', '.join(overlap)} is already required by the minimum",
                )
            return
        if self.kind is Kind.COVERAGE:
            if not hi.covers(lo):  # type: ignore[union-attr]
                raise _fail(
                    "order",
                    f"{where}: minimum {lo} is stricter than the target {hi} "
                    "(the target window must include the minimum window)",
                )
            return
        if self.kind is Kind.YES_NO:
            return
        stricter = lo > hi if self.direction is Direction.HIGHER_IS_BETTER else lo < hi  # type: ignore[operator]
        if stricter:
            raise _fail(
                "order",
                f"{where}: minimum {format_level(self, lo)} is stricter than the target "
                f"{format_level(self, hi)}",
            )

    @field_serializer("minimum", "target")
    def _level_json(self, level: Level) -> Any:
        return level.text if isinstance(level, CoverageWindow) else level

    @property
    def is_knock_out(self) -> bool:
        return self.minimum is not None and self.minimum != []

    @property
    def is_scored(self) -> bool:
        return self.rule is not Rule.NONE and self.kind is not Kind.PRICE


def _level_for(kind: Kind, value: Any, where: str) -> Level:
    if kind in (Kind.AVAILABILITY, Kind.TIME_LIMIT, Kind.NUMBER, Kind.QUALITATIVE):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail("level", f"{where} must be a number, got {value!r}")
        if kind is Kind.AVAILABILITY and not 0 < value <= 100:
            raise _fail(
                "level", f"{where} {value} is not a percentage between 0 and 100 (write 99.5 for 99.5 %)"
            )
        if kind is Kind.TIME_LIMIT and value <= 0:
            raise _fail("level", f"{where} must be a positive time, got {value}")
        return float(value)
    if kind is Kind.YES_NO:
        if not isinstance(value, bool):
            raise _fail("level", f"{where} must be true or false, got {value!r}")
        return value
    if kind is Kind.LANGUAGES:
        codes = [value] if isinstance(value, str) else value
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise _fail("level", f'{where} must be a list of ISO 639-1 codes like ["de", "en"]')
        out = []
        for code in codes:
            code = code.strip().lower()
            if code not in LANGUAGE_NAMES:
                raise _fail(
                    "language",
                    f"{where}: unknown language code '{code}'; use ISO 639-1 codes such as de, en, fr",
                )
            if code not in out:
                out.append(code)
        return out
    if kind is Kind.COVERAGE:
        if isinstance(value, CoverageWindow):
            return value
        if not isinstance(value, str):
            raise _fail("level", f"{where} must be a service window like 'Mon-Fri 08:00-18:00' or '24/7'")
        try:
            return CoverageWindow.parse(value)
        except ValueError as exc:
            raise _fail("level", f"{where}: {exc}") from None
    raise _fail("level", f"{where}: {KIND_LABELS[kind]} items have no minimum or target")


def format_level(req: Requirement, level: Level) -> str:
    """A minimum, target or offered value in words a buyer reads: '99.5 %', '4 hours'."""
    if level is None:
        return "-"
    if req.kind is Kind.AVAILABILITY:
        return f"{_num(level)} %"  # type: ignore[arg-type]
    if req.kind is Kind.TIME_LIMIT:
        unit = {"minutes": "minutes", "hours": "hours", "business_days": "business days"}[req.unit]
        if level == 1:
            unit = unit.replace("minutes", "minute").replace("hours", "hour").replace("days", "day")
        return f"{_num(level)} {unit}"  # type: ignore[arg-type]
    if req.kind is Kind.LANGUAGES:
        return ", ".join(c.upper() for c in level) or "none"  # type: ignore[union-attr]
    if req.kind is Kind.YES_NO:
        return "yes" if level else "no"
    if req.kind is Kind.COVERAGE:
        return str(level)
    if req.kind is Kind.QUALITATIVE:
        return f"{_num(level)} / 10"  # type: ignore[arg-type]
    return f"{_num(level)} {req.unit}".strip()  # type: ignore[arg-type]


def _num(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


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

    schema_version: Literal[1] = SCHEMA_VERSION
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

    @model_validator(mode="after")
    def _references(self) -> PSR:
        errors = reference_errors(self.model_dump(mode="json"))
        if errors:
            raise _fail("psr", "\n".join(errors))
        return self

    def service(self, service_id: str) -> Service:
        return next(s for s in self.services if s.id == service_id)

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    @property
    def price_items(self) -> list[Requirement]:
        return [r for r in self.requirements if r.kind is Kind.PRICE]

    @property
    def service_requirements(self) -> list[Requirement]:
        return [r for r in self.requirements if r.kind is not Kind.PRICE]


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
    known: list[str] = []
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
    if not any(str(r.get("kind", "")).lower() in ("price", "price_item") for r in requirements):
        errors.append("the PSR has no price items; add at least a monthly fee")
    return errors


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
        if msg.startswith(("requirement ", "evaluation:", "service ")):
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


# --- responses --------------------------------------------------------------------


class Flag(_AliasEnum):
    """Why an answer should not be taken at face value."""

    AMBIGUOUS = "ambiguous"  # the text can be read more than one way
    NEEDS_REVIEW = "needs_review"  # a person must confirm the value
    OUT_OF_RANGE = "out_of_range"  # read, but outside what is possible (e.g. 120 %)
    MISSING = "missing"  # no answer given
    UNREADABLE = "unreadable"  # could not be read as the kind asks


Value = float | bool | list[str] | CoverageWindow | None


@dataclass
class Parsed:
    """What one helper read from one answer text.

    ``value`` is None when nothing usable was read. ``unit`` is what the text said the
    value is in: '%' for percentages, a currency code for amounts ('EUR'), a
    ``TimeUnit`` value or 'days' (calendar) for durations, '' when the text gave none.
    ``readings`` lists every value an ambiguous number could be, most likely first.
    ``rest`` is text around the value that was not part of it (kept for people).
    """

    value: Value = None
    unit: str = ""
    flags: list[Flag] = _field(default_factory=list)
    notes: list[str] = _field(default_factory=list)
    readings: tuple[float, ...] = ()
    rest: str = ""

    def flag(self, flag: Flag, note: str = "") -> Parsed:
        if flag not in self.flags:
            self.flags.append(flag)
        if note:
            self.notes.append(note)
        return self


class Answer(BaseModel):
    """One supplier's answer to one requirement: typed value, the raw text, and flags."""

    requirement_id: str
    value: Value = None
    raw: str = ""
    unit: str = ""  # the unit the value is in (time limits: minutes, hours, business_days)
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    comment: str = ""
    cell: str = ""  # where it was read, e.g. "Answers!F7"

    @field_validator("value", mode="before")
    @classmethod
    def _coverage_from_text(cls, value: Any) -> Any:
        return CoverageWindow.parse(value) if isinstance(value, str) else value

    @field_serializer("value")
    def _value_json(self, value: Value) -> Any:
        return value.text if isinstance(value, CoverageWindow) else value

    @property
    def needs_review(self) -> bool:
        return any(f in (Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE) for f in self.flags)


class Response(BaseModel):
    """One supplier's filled questionnaire, as read."""

    supplier: str
    file: str = ""
    sha256: str = ""
    contact: dict[str, str] = Field(default_factory=dict)
    psr_id: str = ""
    psr_version: int | None = None
    psr_hash: str = ""
    answers: dict[str, Answer] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)  # file-level findings

    def answer(self, requirement_id: str) -> Answer | None:
        return self.answers.get(requirement_id)


def decision_word(text: str) -> str:
    """An override decision as typed ('Accepted', ' reject') in its stored form, 'accept' or 'reject'."""
    word = text.strip().lower()
    return {"accepted": "accept", "rejected": "reject"}.get(word, word)


class Override(BaseModel):
    """A buyer's decision that overrules the knock-out gate, with its justification.

    With ``requirement_id`` it settles that requirement only ("accept": treat it
    as met; "reject": treat it as failed); without, it settles the whole bid.
    When several overrides name the same supplier and requirement, the last counts.
    """

    model_config = ConfigDict(extra="forbid")

    supplier: str
    decision: Literal["accept", "reject"]
    justification: str
    requirement_id: str | None = None
    who: str = ""
    when: dt.datetime | None = None

    @field_validator("decision", mode="before")
    @classmethod
    def _decision_words(cls, value: Any) -> Any:
        return decision_word(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _justified(self) -> Override:
        # after, not a field validator: the message names the requirement, declared later
        if not self.justification.strip():
            where = f"{self.supplier}, {self.requirement_id}" if self.requirement_id else self.supplier
            raise ValueError(
                f"override for {where}: a justification is required; say why the bid is "
                "accepted or rejected despite the knock-out check (it goes on file with the award)"
            )
        self.justification = self.justification.strip()
        return self

    def describe(self, *, scope: bool = True) -> str:
        """'accepted by A. Buyer on 2027-02-03 (SD-03): the supplier confirmed 30 minutes in writing'."""
        verb = "accepted" if self.decision == "accept" else "rejected"
        by = f" by {self.who}" if self.who else ""
        on = f" on {self.when:%Y-%m-%d}" if self.when else ""
        where = f" ({self.requirement_id})" if self.requirement_id and scope else ""
        return f"{verb}{by}{on}{where}: {self.justification}"
