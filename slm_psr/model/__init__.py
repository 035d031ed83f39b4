"""The PSR (the buyer's request) and a supplier's response as typed, validated data.

Everything here is plain data with validation that speaks to a buyer; no I/O
(see ``psr_file`` for the JSON format) and no imports of other slm_psr layers. One
module per job: ``vocabulary`` (the fixed words: rules, units, methods, languages),
``coverage`` (service windows), ``kind`` (the requirement kinds' contract and
registry), ``psr`` (services, requirements, evaluation, the PSR) and ``response``
(answers, responses, overrides). Import the names from here.
"""

from slm_psr.model.coverage import (
    DAY_NAMES,
    CoverageWindow,
)
from slm_psr.model.kind import (
    CELL_FORMATS,
    KIND_ATTRIBUTES,
    KIND_LABELS,
    AnswerColumn,
    ColumnReading,
    Kind,
    KindDefinitionError,
    KindSpec,
    find_kind,
    register_kind,
    registered_kinds,
    unregister_kind,
)
from slm_psr.model.psr import (
    PSR,
    SCHEMA_VERSION,
    EvaluationSettings,
    Judgement,
    Level,
    Requirement,
    Service,
    Step,
    Weight,
    WeightDerivation,
    format_level,
    psr_errors,
    reference_errors,
)
from slm_psr.model.response import (
    Answer,
    Flag,
    Override,
    Parsed,
    Response,
    Value,
    decision_word,
)
from slm_psr.model.vocabulary import (
    ALIASES,
    LANGUAGE_NAMES,
    MINUTES_PER_MONTH,
    DecisionCriterion,
    Direction,
    Method,
    PriceBasis,
    PriceFormula,
    Rule,
    TimeUnit,
    downtime_minutes,
)

__all__ = [
    "ALIASES",
    "CELL_FORMATS",
    "DAY_NAMES",
    "KIND_ATTRIBUTES",
    "KIND_LABELS",
    "LANGUAGE_NAMES",
    "MINUTES_PER_MONTH",
    "PSR",
    "SCHEMA_VERSION",
    "Answer",
    "AnswerColumn",
    "ColumnReading",
    "CoverageWindow",
    "DecisionCriterion",
    "Direction",
    "EvaluationSettings",
    "Flag",
    "Judgement",
    "Kind",
    "KindDefinitionError",
    "KindSpec",
    "Level",
    "Method",
    "Override",
    "Parsed",
    "PriceBasis",
    "PriceFormula",
    "Requirement",
    "Response",
    "Rule",
    "Service",
    "Step",
    "TimeUnit",
    "Value",
    "Weight",
    "WeightDerivation",
    "decision_word",
    "downtime_minutes",
    "find_kind",
    "format_level",
    "psr_errors",
    "reference_errors",
    "register_kind",
    "registered_kinds",
    "unregister_kind",
]
