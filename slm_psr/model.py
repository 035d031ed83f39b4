"""The PSR (the buyer's request) and a supplier's response as typed, validated data.

Everything here is plain data with validation that speaks to a buyer; no I/O
(see ``psr_file`` for the JSON format) and no imports of other slm_psr modules.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

if TYPE_CHECKING:
    import numpy as np

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

# --- requirement kinds: the names, and the registry that says what each means ------


class _KindNames(type):
    """Lets ``Kind.AVAILABILITY`` and ``for kind in Kind`` read the registry, as with an enum."""

    def __getattr__(cls, attr: str) -> Kind:
        spec = _KINDS.get(attr.lower()) if attr.isupper() else None
        if spec is None:
            raise AttributeError(f"no requirement kind {attr!r}; known kinds: {', '.join(_KINDS)}")
        return spec.kind

    def __iter__(cls) -> Iterator[Kind]:
        return iter([spec.kind for spec in _KINDS.values()])

    def __len__(cls) -> int:
        return len(_KINDS)


class Kind(str, metaclass=_KindNames):
    """What a requirement asks for, which fixes how answers are read and scored: a name
    ('availability') whose meaning is its :class:`KindSpec` in the registry.

    Not an enum, so that a new kind is one registered spec (``slm_psr/kinds/``) and no
    list here to edit. ``Kind("percent")`` reads an alias; there is one instance per
    kind, so ``is`` compares as it does for enum members.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> Kind:
        if isinstance(value, Kind):
            return value
        spec = find_kind(value)
        if spec is None:
            raise ValueError(f"{value!r} is not a requirement kind; use one of {', '.join(_KINDS)}")
        return spec.kind

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def spec(self) -> KindSpec:
        """Everything this kind means (see :class:`KindSpec`)."""
        return _KINDS[self.value]

    @property
    def label(self) -> str:
        return self.spec.label

    def __repr__(self) -> str:
        return f"Kind.{self.value.upper()}"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(str.__str__)
        )


# The parts a kind's spec declares as plain data (the methods are KindSpec's abstract ones).
KIND_ATTRIBUTES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "label": str,
    "aliases": tuple,
    "rules": frozenset,
    "default_rule": Rule,
    "direction": Direction,
    "priced": bool,
    "set_based": bool,
    "evaluated_by_people": bool,
    "answer_hint": str,
    "cell_format": str,
}
# How an answer cell is formatted in the questionnaire (excel.questionnaire has one format each).
CELL_FORMATS = ("percent", "number", "price", "text")


class KindDefinitionError(TypeError):
    """A kind that is not fully defined, refused when it is registered (at start-up)."""


@dataclass(frozen=True)
class AnswerColumn:
    """One requirement's answers over all suppliers, as the engine hands them to the kind.

    ``values`` and ``answers`` are object arrays (an answer is a stand-in with value None
    where there is none); ``number`` marks the plain numbers among the values (not bools);
    the type codes let a kind pick its values by type without a Python loop.
    """

    values: np.ndarray
    answers: np.ndarray
    number: np.ndarray
    type_codes: np.ndarray  # int per value: its type's position in ``types``
    types: tuple[type, ...]

    def of_type(self, kind: type) -> np.ndarray:
        """Which values are exactly of type ``kind`` (so a bool is not taken for a number)."""
        return self.type_codes == (self.types.index(kind) if kind in self.types else -1)


@dataclass(frozen=True)
class ColumnReading:
    """What a kind makes of an :class:`AnswerColumn` for the engine (one entry per supplier).

    ``value`` is the offered level as a number in the requirement's unit (NaN where none),
    ``readable`` whether the answer was readable as the kind asks. Kinds that compare sets
    (``set_based``) also say whether each answer meets the minimum and the target.
    """

    value: np.ndarray
    readable: np.ndarray
    meets_minimum: np.ndarray | None = None
    meets_target: np.ndarray | None = None


class KindSpec(ABC):
    """Everything one requirement kind means, for every layer: one object per kind.

    The plain-data parts are listed in :data:`KIND_ATTRIBUTES`; the behaviour is the
    abstract methods below. ``slm_psr.kinds.base`` gives defaults that suit most kinds;
    a kind defines the rest in one module and registers itself with :func:`register_kind`.
    A spec missing any part is refused there, at start-up, never at evaluation.
    """

    name: str  # the kind's name in PSR files, e.g. "availability"
    label: str  # the buyer's word, e.g. "time limit"
    aliases: tuple[str, ...]  # other names a PSR file may use
    rules: frozenset[Rule]  # the scoring rules that fit
    default_rule: Rule
    direction: Direction  # the default direction
    priced: bool  # a price item: summed into the bid's price, not scored
    set_based: bool  # meets minimum/target by a set comparison, not by a number
    evaluated_by_people: bool  # scored by evaluators, not read from the answer
    answer_hint: str  # what an answer should be, for notes: "a percentage; write e.g. '99.5 %'"
    cell_format: str  # the answer cell's format in the questionnaire, one of CELL_FORMATS

    @property
    def kind(self) -> Kind:
        return _INSTANCES[self.name]

    # the PSR: levels --------------------------------------------------------------

    @abstractmethod
    def level(self, value: Any, where: str) -> Level:
        """A minimum or target from its JSON form; raises a buyer-readable error naming ``where``."""

    @abstractmethod
    def check(self, req: Requirement, where: str) -> None:
        """Settle and check the kind's own fields of a requirement (unit, price basis, ranges)."""

    @abstractmethod
    def check_order(self, req: Requirement, where: str) -> None:
        """Refuse a minimum stricter than the target (both are set when this is called)."""

    @abstractmethod
    def format_level(self, req: Requirement, level: Any) -> str:
        """A level or an offered value in a buyer's words: '99.5 %', '4 hours' (never None here)."""

    @abstractmethod
    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        """A minimum or target as the questionnaire says it: 'at least 99.5 %', 'all of DE, EN'."""

    @abstractmethod
    def requirement_words(self, req: Requirement) -> str:
        """The minimum in a reason: 'minimum 99.5 %', 'maximum allowed 4 hours', 'required yes'."""

    @abstractmethod
    def level_cell(self, level: Any) -> str:
        """A level as typed in the Requirements table ('99.5', 'de, en', 'yes')."""

    @abstractmethod
    def parse_level_cell(self, text: str, where: str) -> Any:
        """The JSON form of a level typed in the Requirements table; ``ValueError`` names ``where``."""

    # the questionnaire ------------------------------------------------------------

    @abstractmethod
    def how_to_answer(self, req: Requirement, currency: str) -> str:
        """What the supplier types in the answer cell, in one line."""

    @abstractmethod
    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        """The answer cell's data validation (XlsxWriter's options), or None."""

    # reading an answer --------------------------------------------------------------

    @abstractmethod
    def answer_unit(self, req: Requirement) -> str:
        """The unit an answer's value is in ('%', the requirement's unit, or '')."""

    @abstractmethod
    def percent_answer(self, req: Requirement) -> bool:
        """Whether the answer is a percentage (a 0.995 in a percent cell means 99.5 %)."""

    @abstractmethod
    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        """Read a text cell; depends on its arguments only (results are cached and shared)."""

    @abstractmethod
    def read_number(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        """Read a number cell (``number_format`` is its Excel format); cached like ``read_text``."""

    @abstractmethod
    def read_other(self, unit: str, value: object, shown: str, hours_per_day: float) -> Parsed:
        """Read any other cell value (a bool, a time, a date); ``shown`` is its display text."""

    # the engine -------------------------------------------------------------------

    @abstractmethod
    def level_numbers(self, req: Requirement) -> tuple[float, float]:
        """(minimum, target) as the numbers the scoring kernels compare; NaN where absent."""

    @abstractmethod
    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        """The answers as numbers for the engine (vectorised over suppliers)."""

    @abstractmethod
    def offered_text(self, req: Requirement, answer: Answer | None, value: float, *, detail: bool) -> str:
        """What a supplier offered, as a buyer reads it ('12 hours', 'no answer')."""

    @abstractmethod
    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        """Why an answer misses the minimum, after the requirement's label, for a rejection letter."""


_KINDS: dict[str, KindSpec] = {}  # name -> spec, in registration order
_INSTANCES: dict[str, Kind] = {}
_ALIASES: dict[str, str] = {}  # alias or name -> name


def _key(value: object) -> str:
    return str(value).strip().lower().replace("-", "_").replace(" ", "_")


def find_kind(value: object) -> KindSpec | None:
    """The spec of a kind by its name or an alias ('percent', 'Time limit'), or None."""
    if not isinstance(value, str):
        return None
    name = _ALIASES.get(_key(value))
    return _KINDS[name] if name else None


def registered_kinds() -> list[KindSpec]:
    """Every registered kind's spec, in registration order."""
    return list(_KINDS.values())


def register_kind(spec: KindSpec) -> KindSpec:
    """Add a kind to the registry; refuses a spec missing any part or clashing with another kind.

    Call it once per kind at import (``slm_psr.kinds`` does for the built-in kinds);
    it returns the spec so that a module can write ``SPEC = register_kind(Availability())``.
    """
    if not isinstance(spec, KindSpec):
        raise KindDefinitionError(f"{spec!r} is not a KindSpec; a kind is a KindSpec subclass instance")
    name = getattr(spec, "name", None)
    who = f"kind {name!r}" if isinstance(name, str) else f"kind {type(spec).__name__}"
    problems = []
    for attr, wanted in KIND_ATTRIBUTES.items():
        if not hasattr(spec, attr):
            problems.append(f"{attr} is missing")
        elif not isinstance(getattr(spec, attr), wanted):
            problems.append(f"{attr} is {getattr(spec, attr)!r}, not a {getattr(wanted, '__name__', wanted)}")
    if not problems:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", spec.name):
            problems.append(f"name {spec.name!r} must be lower-case letters, digits and '_'")
        if not spec.label.strip() or not spec.answer_hint.strip():
            problems.append("label and answer_hint must say something")
        if not spec.rules or not all(isinstance(r, Rule) for r in spec.rules):
            problems.append("rules must be a set of Rule members")
        elif spec.default_rule not in spec.rules:
            problems.append(f"default_rule {spec.default_rule.value} is not among its rules")
        if spec.cell_format not in CELL_FORMATS:
            problems.append(f"cell_format {spec.cell_format!r} is not one of {', '.join(CELL_FORMATS)}")
        if spec.name in _KINDS:
            problems.append("a kind of that name is registered already")
        for alias in (spec.name, *spec.aliases):
            owner = _ALIASES.get(_key(alias))
            if owner is not None and owner != spec.name:
                problems.append(f"alias {alias!r} already names kind {owner}")
    if problems:
        raise KindDefinitionError(f"{who} is refused: {'; '.join(problems)}")
    _KINDS[spec.name] = spec
    _INSTANCES[spec.name] = str.__new__(Kind, spec.name)
    for alias in (spec.name, *spec.aliases):
        _ALIASES[_key(alias)] = spec.name
    return spec


def unregister_kind(name: str) -> None:
    """Take a kind out of the registry again (for tests that add a kind of their own)."""
    _KINDS.pop(name, None)
    _INSTANCES.pop(name, None)
    for alias in [a for a, owner in _ALIASES.items() if owner == name]:
        del _ALIASES[alias]


class _KindLabels(Mapping[Kind, str]):
    """Kind -> the buyer's word for it, read live from the registry."""

    def __getitem__(self, kind: Kind) -> str:
        return Kind(kind).label

    def __iter__(self) -> Iterator[Kind]:
        return iter(Kind)

    def __len__(self) -> int:
        return len(_KINDS)


KIND_LABELS: Mapping[Kind, str] = _KindLabels()


MINUTES_PER_MONTH = 30.4375 * 24 * 60  # an average month: 365.25 / 12 days


def downtime_minutes(percent: Any) -> Any:
    """Allowed downtime per average month for an availability in percent (a float or an array)."""
    return (100.0 - percent) / 100.0 * MINUTES_PER_MONTH


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
    if not any((spec := find_kind(r.get("kind"))) is not None and spec.priced for r in requirements):
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
