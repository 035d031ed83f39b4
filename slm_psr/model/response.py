"""A supplier's response as read: answers (typed value, raw text, flags), and the buyer's overrides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as _field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    pass
from slm_psr.model.coverage import (
    CoverageWindow,
)
from slm_psr.model.vocabulary import (
    _AliasEnum,
)

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


class LevelOption(BaseModel):
    """An alternative level a supplier offers for a requirement, at a monthly price difference.

    ``answer`` is the level as read (like any answer, with raw text and flags);
    ``monthly`` the price difference per month against the base offer (negative: cheaper).
    """

    requirement_id: str
    number: int = Field(ge=1)  # the option's row for this requirement: 1, 2, 3
    answer: Answer
    monthly: float
    cell: str = ""  # where the price difference was read, e.g. "Options!F6"


class BundleOffer(BaseModel):
    """A supplier's discount on several lots won together ("hosting and service desk together: -5 %")."""

    lots: list[str] = Field(min_length=2)
    discount: float = Field(gt=0, lt=1)  # 0.05 for 5 %
    condition: str = ""  # the supplier's words, kept for the record
    cell: str = ""


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
    options: list[LevelOption] = Field(default_factory=list)  # priced alternative levels
    lots: list[str] | None = None  # the lots bid on (None: the PSR has no lots, or all of them)
    bundles: list[BundleOffer] = Field(default_factory=list)

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
