"""The fixed words of a PSR: directions, time units, price bases, rules, methods, formulas, language codes."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


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
