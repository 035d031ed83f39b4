"""Requirement kinds: the ``Kind`` names, the ``KindSpec`` contract every kind fulfils, and the registry."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import (
    GetCoreSchemaHandler,
)
from pydantic_core import CoreSchema, core_schema

if TYPE_CHECKING:
    import numpy as np

    from slm_psr.model.contract_terms import MeasurementPeriod
    from slm_psr.model.psr import (
        Level,
        Requirement,
    )
    from slm_psr.model.response import (
        Answer,
        Parsed,
    )
from slm_psr.model.vocabulary import (
    Direction,
    Rule,
)

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
        return _KINDS[self]  # a Kind hashes and compares as its name

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


@dataclass(frozen=True)
class FormHints:
    """What the buyer's "Add a requirement" form asks for a kind, with examples as placeholders.

    The examples show what to type; they are never defaults. A priced kind is asked for its
    price basis and quantity instead (``KindSpec.priced``).
    """

    example: str  # a requirement text: "Availability of the platform per month"
    minimum: str = ""  # placeholder for the minimum; "" = the form asks for none
    target: str = ""
    units: tuple[str, ...] = ()  # a choice of units; () = none asked
    free_unit: bool = False  # a unit typed freely
    direction: bool = False  # ask whether higher or lower is better


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
    "uptime": bool,
    "answer_hint": str,
    "cell_format": str,
    "form": FormHints,
}
# How an answer cell is formatted in the questionnaire (excel.questionnaire has one format each).
CELL_FORMATS = ("percent", "number", "price", "text")


class KindDefinitionError(TypeError):
    """A kind that is not fully defined, refused when it is registered (at start-up)."""


class Codes(dict):  # type: ignore[type-arg]
    """Numbers keys in order of first look-up: ``map(codes.__getitem__, keys)`` codes a column
    in C, one hash per key, and ``list(codes)`` is then each distinct key once."""

    def __missing__(self, key: Any) -> int:
        self[key] = code = len(self)
        return code


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
    # the engine's table reads the units of every column that asks at once, in memory order
    unit_source: Callable[[], np.ndarray] | None = None
    # the numbers as floats (NaN where not a number): the engine converts the whole table at once
    numbers: np.ndarray | None = None

    def units(self) -> list[str]:
        """The unit each answer was read in ("" for none)."""
        if self.unit_source is not None:
            return self.unit_source().tolist()  # type: ignore[no-any-return]
        return [answer.unit for answer in self.answers]

    def floats(self) -> np.ndarray:
        """The plain numbers among the values as floats, NaN elsewhere (a new array)."""
        if self.numbers is not None:
            return self.numbers.copy()
        return np.where(self.number, self.values, np.nan).astype(float)

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
    uptime: bool  # a share of time the service is up: said as downtime, a lot's availability in a chain
    answer_hint: str  # what an answer should be, for notes: "a percentage; write e.g. '99.5 %'"
    cell_format: str  # the answer cell's format in the questionnaire, one of CELL_FORMATS
    form: FormHints  # what the "Add a requirement" form asks

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

    def period_detail(self, req: Requirement, value: float, period: MeasurementPeriod) -> str:
        """What an offered level means over the contract's measurement period, appended to the
        offered text in the evaluation's trail (' (downtime up to ...)'); '' for most kinds."""
        return ""

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


def priced_kinds() -> list[str]:
    """The names of the kinds whose items are prices (summed into a bid's price, never scored)."""
    return [spec.name for spec in _KINDS.values() if spec.priced]


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
