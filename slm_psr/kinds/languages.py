"""Kind 'languages': ISO 639-1 codes; the minimum lists the required ones, the target desirable extras."""

from __future__ import annotations

import re
from typing import Any

from slm_psr.kinds.base import BaseKind, distinct_reading, refuse
from slm_psr.model import (
    LANGUAGE_NAMES,
    Answer,
    AnswerColumn,
    ColumnReading,
    Direction,
    FormHints,
    Parsed,
    Requirement,
    Rule,
    register_kind,
)
from slm_psr.values.languages import parse_languages


class Languages(BaseKind):
    name = "languages"
    label = "languages"
    aliases = ("language",)
    rules = frozenset({Rule.EXTRAS, Rule.PASS_FAIL, Rule.NONE})
    default_rule = Rule.EXTRAS
    direction = Direction.HIGHER_IS_BETTER
    set_based = True
    answer_hint = "a list of languages; write e.g. 'DE, EN, FR'"
    form = FormHints(
        "Languages spoken by the agents", minimum="de, en (required)", target="fr (desirable extras)"
    )
    cell_format = "text"
    no_answer_word = "required"

    def level(self, value: Any, where: str) -> Any:
        codes = [value] if isinstance(value, str) else value
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise refuse("level", f'{where} must be a list of ISO 639-1 codes like ["de", "en"]')
        out = []
        for code in codes:
            code = code.strip().lower()
            if code not in LANGUAGE_NAMES:
                raise refuse(
                    "language",
                    f"{where}: unknown language code '{code}'; use ISO 639-1 codes such as de, en, fr",
                )
            if code not in out:
                out.append(code)
        return out

    def check_order(self, req: Requirement, where: str) -> None:
        overlap = sorted(set(req.minimum) & set(req.target))  # type: ignore[arg-type,type-var]
        if overlap:
            raise refuse(
                "order",
                f"{where}: target lists desirable extra languages; "
                f"{', '.join(overlap)} is already required by the minimum",  # type: ignore[arg-type]
            )

    def format_level(self, req: Requirement, level: Any) -> str:
        return ", ".join(c.upper() for c in level) or "none"

    def level_in_words(self, req: Requirement, level: Any, *, minimum: bool) -> str:
        text = self.format_level(req, level)
        return f"all of {text}" if minimum else f"extra languages: {text}"

    def requirement_words(self, req: Requirement) -> str:
        return f"required {self.format_level(req, req.minimum)}"

    def level_cell(self, level: Any) -> str:
        return ", ".join(level)

    def parse_level_cell(self, text: str, where: str) -> Any:
        return [code for code in re.split(r"[,;/\s]+", text.lower()) if code]

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "Language codes separated by commas, e.g. DE, EN, FR"

    def validation(self, req: Requirement, label: str) -> dict[str, Any] | None:
        return {
            "validate": "any",
            "input_title": label,
            "input_message": "Two-letter language codes separated by commas, e.g. DE, EN, FR",
        }

    def answer_unit(self, req: Requirement) -> str:
        return ""

    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        return parse_languages(text)

    def read_finite(self, unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
        return self.not_this_kind(x)

    def read_column(self, req: Requirement, column: AnswerColumn, hours_per_day: float) -> ColumnReading:
        # The number is the share of the desirable extras offered (rule 'extras').
        read = column.of_type(list)
        keys = list(map(tuple, column.values[read]))
        extras = req.target or []

        def judge(key: tuple[str, ...]) -> tuple[float, bool, bool]:
            offered = {str(c).lower() for c in key}
            share = sum(c in offered for c in extras) / len(extras) if extras else 1.0  # type: ignore[union-attr,arg-type]
            return (
                share,
                set(req.minimum or []) <= offered,  # type: ignore[arg-type]
                bool(extras) and set(extras) <= offered,  # type: ignore[arg-type]
            )

        return distinct_reading(len(column.values), read, keys, keys, judge)

    def failure_detail(self, req: Requirement, answer: Answer | None, value: float) -> str:
        if answer is None or answer.value is None:
            return super().failure_detail(req, answer, value)
        offered = answer.value if isinstance(answer.value, list) else []
        missing = [c for c in req.minimum if c not in offered]  # type: ignore[union-attr]
        return (
            f"offered {self.format_level(req, offered)}; {self.requirement_words(req)}; "
            f"missing {', '.join(c.upper() for c in missing)}"  # type: ignore[union-attr]
        )


SPEC = register_kind(Languages())
