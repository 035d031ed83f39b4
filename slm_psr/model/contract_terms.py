"""Contract terms of a PSR and the awarded SLA schedule, as typed, validated data (the model layer).

A PSR's ``contract_terms`` say how service levels are enforced after the award:
the measurement period (calendar month in an IANA time zone by default), a credit
rule per service level (``bands`` of the service's monthly charge, or a share of an
at-risk ``pool``), the monthly cap, earn-back, and the termination rights with
their notice text. Suppliers answer the terms in the questionnaire through plain
requirements the terms point at (the at-risk amount they offer, acceptance of the
credit regime and of each termination right, the business day their report is
delivered by), so those answers are read, knocked out and scored like any other.

:class:`SLASchedule` is the contract's schedule built from a chosen bid (see
``slm_psr.engine.contract``); it is stored as JSON and exported as a workbook.

This module imports nothing else of slm_psr; ``model.psr`` imports it for the PSR field and
checks the cross-references (requirement IDs, kinds) there.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

AVERAGE_MONTH_DAYS = 365.25 / 12  # 30.4375: the wording of a calendar month without a date


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Percent = Annotated[float, Field(ge=0, le=100)]


class PeriodKind(StrEnum):
    """How a measurement period is cut."""

    CALENDAR_MONTH = "calendar_month"  # actual days of each month, in the contract's time zone
    FIXED_30_DAYS = "fixed_30_days"  # every period counts 30 days
    ROLLING_DAYS = "rolling_days"  # a rolling window of ``days`` days


PERIOD_WORDS = {
    PeriodKind.CALENDAR_MONTH: "calendar month",
    PeriodKind.FIXED_30_DAYS: "fixed month of 30 days",
    PeriodKind.ROLLING_DAYS: "rolling window",
}


class MeasurementPeriod(_Strict):
    """The period a service level is measured over, in a named IANA time zone.

    Every period begins and ends at local midnight in ``time_zone``:

    - calendar month: the 1st of each month to the 1st of the next (labelled ``YYYY-MM``);
    - fixed 30 days: consecutive 30-day periods from ``start`` (default: the 1st of the
      first month measured), labelled by their first day ``YYYY-MM-DD``;
    - rolling window: assessed at the end of each calendar month over the ``days`` days
      before it (labelled ``YYYY-MM``; consecutive windows overlap when ``days`` exceeds a month).
    """

    kind: PeriodKind = PeriodKind.CALENDAR_MONTH
    time_zone: str = "UTC"
    days: int | None = Field(default=None, gt=0, le=366)  # rolling windows only
    start: dt.date | None = None  # fixed 30-day periods only: the first period's first day

    @field_validator("time_zone")
    @classmethod
    def _zone_known(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            hint = sorted(z for z in available_timezones() if z.split("/")[-1].lower() == value.lower())
            also = f" (did you mean {hint[0]}?)" if hint else ""
            raise ValueError(
                f"contract_terms.period.time_zone '{value}' is not an IANA time zone like Europe/Berlin{also}"
            ) from None
        return value

    @model_validator(mode="after")
    def _days_for_rolling(self) -> MeasurementPeriod:
        if self.kind is PeriodKind.ROLLING_DAYS and self.days is None:
            raise ValueError("contract_terms.period: a rolling window needs 'days' (e.g. 30)")
        if self.kind is not PeriodKind.ROLLING_DAYS and self.days is not None:
            raise ValueError("contract_terms.period: 'days' is for rolling windows only")
        if self.kind is not PeriodKind.FIXED_30_DAYS and self.start is not None:
            raise ValueError("contract_terms.period: 'start' is for fixed 30-day periods only")
        return self

    def minutes(self, year: int | None = None, month: int | None = None) -> float:
        """Minutes in one period; for a calendar month given ``year``/``month``, the wall-clock
        minutes in the time zone (a month with a daylight-saving change has an hour more or less).
        Without a month, a calendar month counts its average length (30.4375 days)."""
        if self.kind is PeriodKind.FIXED_30_DAYS:
            return 30 * 1440.0
        if self.kind is PeriodKind.ROLLING_DAYS:
            return float(self.days or 0) * 1440
        if year is None or month is None:
            return AVERAGE_MONTH_DAYS * 1440
        return _local_minutes(self.time_zone, dt.date(year, month, 1), calendar.monthrange(year, month)[1])

    def minutes_range(self) -> tuple[float, float]:
        """The shortest and the longest period in minutes, daylight-saving changes counted.

        A calendar month: over the months of the years 2024-2031 (two leap years, each
        month with and without the changes the zone makes); a 30-day period or a rolling
        window: its days less or more the zone's largest change in one period.
        """
        # worked out once per period definition: the evaluation's trail words every offered availability
        return _minutes_range(self.kind, self.time_zone, self.days)

    def downtime_words(self, percent: float) -> str:
        """An availability as the downtime it allows per period, e.g. for 99.9 % in Europe/Berlin:
        'downtime up to 40.3 to 44.7 min per calendar month in Europe/Berlin'."""
        share = round((100.0 - float(percent)) / 100.0, 12)  # 99.95 -> 0.0005, not 0.000499999...
        short, long = (share * m for m in self.minutes_range())
        amount = (
            f"{short:,.1f} min" if round(short, 1) == round(long, 1) else f"{short:,.1f} to {long:,.1f} min"
        )
        if self.kind is PeriodKind.CALENDAR_MONTH:
            per = "calendar month"
        elif self.kind is PeriodKind.FIXED_30_DAYS:
            per = "period of 30 days"
        else:
            per = f"rolling window of {self.days} days"
        return f"downtime up to {amount} per {per} in {self.time_zone}"

    def describe(self) -> str:
        """'calendar month (actual days), time zone Europe/Berlin'."""
        if self.kind is PeriodKind.CALENDAR_MONTH:
            what = "calendar month (actual days)"
        elif self.kind is PeriodKind.FIXED_30_DAYS:
            what = "fixed period of 30 days" + (f" from {self.start.isoformat()}" if self.start else "")
        else:
            what = f"rolling window of {self.days} days, assessed at each month's end"
        return f"{what}, time zone {self.time_zone}"


@functools.lru_cache(maxsize=64)
def _minutes_range(kind: PeriodKind, time_zone: str, days: int | None) -> tuple[float, float]:
    if kind is PeriodKind.CALENDAR_MONTH:
        found = [
            _local_minutes(time_zone, dt.date(y, m, 1), calendar.monthrange(y, m)[1])
            for y in range(2024, 2032)
            for m in range(1, 13)
        ]
        return min(found), max(found)
    length = 30 if kind is PeriodKind.FIXED_30_DAYS else int(days or 0)
    found = [
        _local_minutes(time_zone, dt.date(2027, 1, 1) + dt.timedelta(d), length) for d in range(0, 731, 7)
    ]
    return min(found), max(found)


def _local_minutes(zone_name: str, first: dt.date, days: int) -> float:
    """Real minutes from local midnight of ``first`` to local midnight ``days`` days later."""
    zone = ZoneInfo(zone_name)
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tzinfo=zone)
    return (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() / 60


# --- credit rules --------------------------------------------------------------------


class Band(_Strict):
    """Attained below ``below`` owes ``credit`` % of the service's monthly charge (public-cloud style)."""

    below: float
    credit: Percent


class BandsRule(_Strict):
    """Bands of the monthly charge of the level's service; the highest band reached counts."""

    rule: Literal["bands"] = "bands"
    requirement: str
    bands: list[Band] = Field(min_length=1)
    share: Percent | None = None  # time limits: share of tickets within the committed time (e.g. 95)

    @model_validator(mode="after")
    def _ordered(self) -> BandsRule:
        seen: set[float] = set()
        for band in self.bands:
            if band.below in seen:
                raise ValueError(f"credit rule {self.requirement}: two bands below {band.below:g}")
            seen.add(band.below)
        self.bands = sorted(self.bands, key=lambda b: -b.below)
        credits = [b.credit for b in self.bands]
        if credits != sorted(credits):
            raise ValueError(
                f"credit rule {self.requirement}: a lower attained level must owe at least the credit of a "
                "higher one (bands sorted by 'below' must have rising credits)"
            )
        return self


class PoolRule(_Strict):
    """A share of the at-risk pool: credit = at-risk amount x category allocation x this allocation."""

    rule: Literal["pool"] = "pool"
    requirement: str
    category: str  # a service ID or a category of the pool's ``allocations``
    allocation: Percent  # % of the category's allocation
    share: Percent | None = None  # time limits: share of tickets within the committed time (e.g. 95)


CreditRule = Annotated[BandsRule | PoolRule, Field(discriminator="rule")]
_CREDIT_RULE = TypeAdapter(CreditRule)


def parse_credit_rule(data: dict[str, Any]) -> BandsRule | PoolRule:
    """A stored rule dict (``ScheduleLevel.rule``) as its typed rule; the ``rule`` field picks the class."""
    return _CREDIT_RULE.validate_python(data)


class Pool(_Strict):
    """The at-risk pool: a % of the monthly invoice the supplier puts at risk, split into categories.

    ``at_risk_requirement`` is the PSR requirement where suppliers state the at-risk
    percentage they offer; its minimum is a knock-out like any other. The category
    allocations may add up to at most ``available`` % (above 100 % lets several
    categories draw on the pool at once; the monthly cap is still the at-risk amount).
    """

    at_risk_requirement: str
    allocations: dict[str, Percent] = Field(min_length=1)
    available: float = Field(default=100.0, gt=0, le=500)

    @model_validator(mode="after")
    def _within_pool(self) -> Pool:
        total = sum(self.allocations.values())
        if total > self.available + 1e-9:
            raise ValueError(
                f"contract_terms.pool: category allocations add up to {total:g} %, more than the "
                f"{self.available:g} % available for allocation"
            )
        return self


class EarnBack(_Strict):
    """A credit is returned when the same level is met in each of the next ``periods`` periods."""

    periods: int = Field(ge=1, le=24)


class TerminationKind(StrEnum):
    REPEATED_MISS = "repeated_miss"  # the same level missed k times in n consecutive periods
    CRITICAL_FLOOR = "critical_floor"  # a critical level below a floor in any period
    CREDIT_TOTAL = "credit_total"  # credits over X % of the charges in a rolling window


class TerminationRight(_Strict):
    """A right to terminate, with the trigger's parameters and the notice text the buyer would send."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
    kind: TerminationKind
    notice: str = Field(min_length=1)
    requirement: str | None = (
        None  # repeated_miss: one level, or None for any level; critical_floor: the level
    )
    misses: int | None = Field(default=None, ge=1)  # repeated_miss: k
    periods: int | None = Field(default=None, ge=1, le=36)  # repeated_miss: n; credit_total: the window
    floor: float | None = None  # critical_floor
    percent: float | None = Field(default=None, gt=0, le=100)  # credit_total: X % of the charges
    acceptance: str | None = None  # the yes/no requirement where suppliers accept this right

    @model_validator(mode="after")
    def _parameters(self) -> TerminationRight:
        where = f"termination right {self.id}"
        needs = {
            TerminationKind.REPEATED_MISS: ("misses", "periods"),
            TerminationKind.CRITICAL_FLOOR: ("requirement", "floor"),
            TerminationKind.CREDIT_TOTAL: ("percent", "periods"),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{where} ({self.kind.value.replace('_', ' ')}) needs {' and '.join(missing)}")
        if self.kind is TerminationKind.REPEATED_MISS and self.misses > self.periods:  # type: ignore[operator]
            raise ValueError(f"{where}: {self.misses} misses cannot happen in {self.periods} periods")
        if not self.notice.strip():
            raise ValueError(f"{where}: the notice text is empty")
        return self

    def describe(self) -> str:
        """The trigger in words: 'HO-01 missed 3 times in 6 consecutive periods'."""
        if self.kind is TerminationKind.REPEATED_MISS:
            what = self.requirement or "the same service level"
            return f"{what} missed {self.misses} times in {self.periods} consecutive periods"
        if self.kind is TerminationKind.CRITICAL_FLOOR:
            return f"{self.requirement} below {self.floor:g} in any period"
        return f"service credits over {self.percent:g} % of the charges in {self.periods} consecutive periods"


class ContractTerms(_Strict):
    """How service levels are enforced after the award; see the module docstring."""

    period: MeasurementPeriod = Field(default_factory=MeasurementPeriod)
    credits: list[CreditRule] = Field(default_factory=list)
    pool: Pool | None = None
    cap_percent: Percent | None = None  # all credits of a period at most this % of the monthly invoice
    earn_back: EarnBack | None = None
    termination: list[TerminationRight] = Field(default_factory=list)
    credit_acceptance: str | None = None  # yes/no requirement: the supplier accepts the credit regime
    reporting: str | None = None  # number requirement: report delivered by business day N

    @model_validator(mode="after")
    def _consistent(self) -> ContractTerms:
        seen: set[str] = set()
        for rule in self.credits:
            if rule.requirement in seen:
                raise ValueError(f"contract_terms: two credit rules for {rule.requirement}")
            seen.add(rule.requirement)
        pooled = [r for r in self.credits if isinstance(r, PoolRule)]
        if pooled and self.pool is None:
            raise ValueError(
                f"contract_terms: credit rule {pooled[0].requirement} draws on the at-risk pool, "
                "but 'pool' is not set (at-risk requirement and category allocations)"
            )
        for rule in pooled:
            if rule.category not in self.pool.allocations:  # type: ignore[union-attr]
                known = ", ".join(self.pool.allocations)  # type: ignore[union-attr]
                raise ValueError(
                    f"credit rule {rule.requirement}: category '{rule.category}' has no pool allocation; "
                    f"known: {known}"
                )
        by_category: dict[str, float] = {}
        for rule in pooled:
            by_category[rule.category] = by_category.get(rule.category, 0.0) + rule.allocation
        for category, total in by_category.items():
            if total > 100 + 1e-9:
                raise ValueError(
                    f"contract_terms: the level allocations of pool category {category} add up to "
                    f"{total:g} %, more than its whole allocation (100 %)"
                )
        ids = [t.id for t in self.termination]
        if len(ids) != len(set(ids)):
            raise ValueError("contract_terms: termination right IDs must be unique")
        return self

    def rule_for(self, requirement_id: str) -> BandsRule | PoolRule | None:
        return next((r for r in self.credits if r.requirement == requirement_id), None)

    def question_ids(self) -> list[str]:
        """The requirements that ask suppliers about these terms (their own questionnaire sheet)."""
        ids = [self.pool.at_risk_requirement] if self.pool else []
        ids += [self.credit_acceptance] if self.credit_acceptance else []
        ids += [t.acceptance for t in self.termination if t.acceptance]
        ids += [self.reporting] if self.reporting else []
        return list(dict.fromkeys(ids))

    def referenced_levels(self) -> list[tuple[str, str]]:
        """(where, requirement ID) for every service level the terms name."""
        refs = [(f"credit rule {r.requirement}", r.requirement) for r in self.credits]
        refs += [(f"termination right {t.id}", t.requirement) for t in self.termination if t.requirement]
        return refs


# --- the awarded schedule ---------------------------------------------------------------


class WorkedFigure(_Strict):
    """One line of arithmetic a reader can check: the case, the formula in numbers, the amount."""

    case: str
    calculation: str
    amount: float


class ScheduleLevel(_Strict):
    """One service level of the awarded contract."""

    requirement_id: str
    service: str
    text: str
    minimum: str
    offered: str
    committed: str
    committed_value: Any = None
    basis: Literal["offer", "minimum"]  # the bid's offer where better than the minimum, else the minimum
    basis_text: str
    direction: str
    coverage_window: str
    credit_rule: str
    rule: dict[str, Any] | None = None
    monthly_charge: float = 0.0  # the level's service monthly charges at the bid's prices
    worked: list[WorkedFigure] = Field(default_factory=list)


class ScheduleTermination(_Strict):
    id: str
    trigger: str
    notice: str
    accepted: str  # the supplier's answer in words, with its comment
    right: dict[str, Any]


class SLASchedule(_Strict):
    """The awarded contract's SLA schedule, built from one bid; plain data, stored as JSON."""

    psr_id: str
    psr_version: int
    psr_hash: str
    title: str
    buyer: str
    supplier: str
    currency: str
    term_months: int
    period: MeasurementPeriod
    period_text: str
    monthly_charges: dict[str, float]  # by service ID, at the bid's prices
    monthly_invoice: float
    at_risk_percent: float | None = None
    at_risk_amount: float | None = None
    cap_percent: float | None = None
    cap_text: str
    earn_back: str
    earn_back_periods: int | None = None
    credit_acceptance: str = ""
    reporting: str = ""
    levels: list[ScheduleLevel]
    pool_allocations: dict[str, float] = Field(default_factory=dict)
    termination: list[ScheduleTermination] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
