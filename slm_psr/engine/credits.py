"""Service-credit arithmetic: bands, the at-risk pool, the cap, earn-back and termination triggers.

Pure functions over numbers (no PSR, no I/O), so that the contract schedule's worked
figures, the comparison's credit exposure and monitoring after the award compute
the same amounts. Amounts are in the contract's currency, percentages in percent
(10 means 10 %). The thin wrappers at the end read the rule objects of
``slm_psr.model.contract_terms``.

The API monitoring builds on:

- :func:`level_met` - whether an attained value meets the committed level;
- :func:`band_credit` / :func:`pool_credit` / :func:`rule_credit` - the credit for one
  period given the attained value; :data:`CREDIT_RULES` - one entry per rule family
  (its credit, exposure, words and worked figures; ``credit_spec(rule)`` finds it);
- :func:`cap_credits` - the monthly cap (the at-risk amount for a pool);
- :func:`earn_back` - which credits are returned over a sequence of periods;
- :func:`repeated_miss_status`, :func:`floor_status`, :func:`credit_total_status` -
  how close each termination trigger is over a sequence of periods.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from slm_psr.model import Band, BandsRule, CreditRule, PoolRule

_EPS = 1e-9


def level_met(attained: float, committed: float, *, higher_is_better: bool = True) -> bool:
    """True when ``attained`` is at least as good as ``committed`` (a relative 1e-9 tolerance)."""
    tol = _EPS * max(1.0, abs(committed))
    return attained >= committed - tol if higher_is_better else attained <= committed + tol


# --- bands ---------------------------------------------------------------------------------


def band_percent(attained: float, bands: Sequence[Band]) -> float:
    """The credit percentage of the band ``attained`` falls in: the highest credit among the
    bands whose threshold it is below; 0 when it is below none."""
    owed = [b.credit for b in bands if attained < b.below - _EPS * max(1.0, abs(b.below))]
    return max(owed, default=0.0)


def band_credit(
    attained: float, bands: Sequence[Band], monthly_charge: float, cap_percent: float = 100.0
) -> float:
    """The credit owed for one period: the band's percentage of the service's monthly charge,
    at most ``cap_percent`` of it."""
    return monthly_charge * min(band_percent(attained, bands), cap_percent) / 100.0


# --- the at-risk pool ---------------------------------------------------------------------------


def at_risk_amount(monthly_invoice: float, at_risk_percent: float) -> float:
    """The amount at risk each period: a percentage of the monthly invoice."""
    return monthly_invoice * at_risk_percent / 100.0


def pool_credit(at_risk: float, category_allocation: float, level_allocation: float) -> float:
    """Credit for one missed level = at-risk amount x category allocation % x level allocation %."""
    return at_risk * category_allocation / 100.0 * level_allocation / 100.0


def allocation_errors(
    category_allocations: dict[str, float],
    level_allocations: dict[str, dict[str, float]],
    available: float = 100.0,
) -> list[str]:
    """Pool allocations that do not fit: categories over the pool available, levels over their category."""
    errors = []
    total = sum(category_allocations.values())
    if total > available + _EPS:
        errors.append(f"category allocations add up to {total:g} %, more than the {available:g} % available")
    for category, levels in level_allocations.items():
        within = sum(levels.values())
        if within > 100 + _EPS:
            errors.append(
                f"levels of category {category} add up to {within:g} % of its allocation, more than 100 %"
            )
    return errors


# --- the cap --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capped:
    """Credits of one period after the cap: what is owed, and what the cap took off."""

    owed: float
    uncapped: float
    cap: float | None

    @property
    def forfeited(self) -> float:
        return self.uncapped - self.owed


def cap_credits(credits: Sequence[float], cap: float | None) -> Capped:
    """The sum of a period's credits, at most ``cap`` (None: no cap)."""
    total = float(sum(credits))
    return Capped(owed=total if cap is None else min(total, cap), uncapped=total, cap=cap)


# --- earn-back ------------------------------------------------------------------------------------


def earn_back(credits: Sequence[float], met: Sequence[bool], periods: int) -> list[float]:
    """Per period, the credit returned in that period.

    The credit of period i (owed because the level was missed) is returned in period
    i + ``periods`` when the level is met in every one of the periods i+1 .. i+periods.
    A miss in between forfeits the earn-back of every earlier credit of the level (it
    starts its own count). Credits whose window runs past the sequence are not returned (yet).
    """
    if len(credits) != len(met):
        raise ValueError("earn_back: credits and met need one value per period")
    returned = [0.0] * len(credits)
    for i, credit in enumerate(credits):
        if credit <= 0:
            continue
        end = i + periods
        if end < len(met) and all(met[i + 1 : end + 1]):
            returned[end] += credit
    return returned


# --- termination triggers -------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerStatus:
    """How close a termination trigger is in the latest period: ``count`` against ``limit``."""

    triggered: bool
    count: float
    limit: float
    text: str
    first_period: int | None = None  # index of the first period in which it triggered


def repeated_miss_status(met: Sequence[bool], misses: int, window: int) -> TriggerStatus:
    """k misses in n consecutive periods: the count in the latest window, and whether any window reached k."""
    first = None
    for end in range(len(met)):
        start = max(0, end - window + 1)
        if sum(not m for m in met[start : end + 1]) >= misses:
            first = end
            break
    latest = met[-window:] if met else []
    count = sum(not m for m in latest)
    text = f"{count} of {misses} misses in the last {min(window, len(met))} of {window} periods"
    return TriggerStatus(first is not None, count, misses, text, first)


def floor_status(attained: Sequence[float], floor: float, *, higher_is_better: bool = True) -> TriggerStatus:
    """A critical level below a floor in any period."""
    below = [not level_met(a, floor, higher_is_better=higher_is_better) for a in attained]
    first = below.index(True) if any(below) else None
    worst = (min(attained) if higher_is_better else max(attained)) if attained else float("nan")
    text = f"worst period {worst:g} against the floor {floor:g}" if attained else "no periods yet"
    return TriggerStatus(first is not None, worst, floor, text, first)


def credit_total_status(
    credits: Sequence[float], charges: Sequence[float], percent: float, window: int
) -> TriggerStatus:
    """Credits over ``percent`` % of the charges in ``window`` consecutive periods (a rolling sum)."""
    if len(credits) != len(charges):
        raise ValueError("credit_total_status: credits and charges need one value per period")
    first = None
    share = 0.0
    for end in range(len(credits)):
        start = max(0, end - window + 1)
        paid = sum(charges[start : end + 1])
        share = 100.0 * sum(credits[start : end + 1]) / paid if paid > 0 else 0.0
        if share > percent + _EPS and first is None:
            first = end
    text = f"credits {share:.2f} % of the charges in the last {min(window, len(credits))} periods; limit {percent:g} %"
    return TriggerStatus(first is not None, share, percent, text, first)


# --- the credit rules: one registry entry per rule family -------------------------------------------


@dataclass(frozen=True)
class CreditContext:
    """What a rule needs to price one level at one bid's prices."""

    monthly_charge: float = 0.0  # the monthly charges of the level's service
    at_risk: float = 0.0  # the at-risk amount (pool rules)
    at_risk_percent: float = 0.0
    category_allocation: float = 0.0  # the pool allocation of the rule's category (pool rules)


@dataclass(frozen=True)
class RuleWords:
    """How a rule's text names the level and the money: the level's wording, service name, currency."""

    requirement_id: str
    level: Callable[[float], str]  # a level in its unit: 99.5 -> '99.5 %'
    service_name: str
    currency: str


def money(amount: float, currency: str) -> str:
    """'14,076.00 EUR'."""
    return f"{amount:,.2f} {currency}"


def percent(x: float) -> str:
    """'25 %', '12.5 %'."""
    return f"{x:,.4f}".rstrip("0").rstrip(".") + " %"


class CreditRuleSpec(ABC):
    """Everything one credit-rule family means: its credit, its exposure, its words, its worked figures.

    The rule's parameters are validated by its model class (``slm_psr.model.contract_terms``,
    ``rule`` = :attr:`name`); this spec is the arithmetic and the words. A rule family
    whose model class has no spec here is refused at import.
    """

    name: str
    pooled: bool  # draws on the at-risk pool: the period's pool credits are capped at the at-risk amount

    @abstractmethod
    def credit(self, rule: Any, attained: float, ctx: CreditContext) -> float:
        """The credit of a period in which the level was missed with ``attained``."""

    @abstractmethod
    def at_minimum(self, rule: Any, minimum: float, ctx: CreditContext) -> float:
        """The credit of a period in which a level offered above the minimum fell to the minimum."""

    @abstractmethod
    def words(self, rule: Any, words: RuleWords, category_allocation: float) -> str:
        """The rule as the PSR states it (no prices)."""

    @abstractmethod
    def worked(
        self, rule: Any, committed: float | None, ctx: CreditContext, words: RuleWords
    ) -> list[tuple[str, str, float]]:
        """(case, calculation, amount) lines at the bid's prices, for the schedule."""


def _share_words(rule: Any) -> str:
    if rule.share is None:
        return ""
    return f"; measured as the share of cases within the committed level, missed below {percent(rule.share)}"


class BandsCredit(CreditRuleSpec):
    """Below X owes C % of the service's monthly charge; the highest band reached counts."""

    name = "bands"
    pooled = False

    def credit(self, rule: Any, attained: float, ctx: CreditContext) -> float:
        return band_credit(attained, rule.bands, ctx.monthly_charge)

    def at_minimum(self, rule: Any, minimum: float, ctx: CreditContext) -> float:
        # a share-measured level (tickets within the time) owes at least the first band when missed
        attained = minimum if rule.share is None else rule.share - 1e-6
        return band_credit(attained, rule.bands, ctx.monthly_charge)

    def words(self, rule: Any, words: RuleWords, category_allocation: float) -> str:
        bands = "; ".join(f"below {words.level(b.below)}: {percent(b.credit)}" for b in rule.bands)
        return (
            f"bands of the {words.service_name} monthly charges: {bands}; "
            f"owed in a period in which the committed level is missed{_share_words(rule)}"
        )

    def worked(
        self, rule: Any, committed: float | None, ctx: CreditContext, words: RuleWords
    ) -> list[tuple[str, str, float]]:
        lines = []
        for band in rule.bands:
            if committed is not None and rule.share is None and band.below > committed:
                continue  # not reachable as a miss: a period at or above the committed level owes nothing
            amount = ctx.monthly_charge * band.credit / 100
            calculation = f"{percent(band.credit)} x {words.service_name} monthly charges {money(ctx.monthly_charge, words.currency)}"
            lines.append((f"a period below {words.level(band.below)}", calculation, round(amount, 2)))
        return lines


class PoolCredit(CreditRuleSpec):
    """A share of the at-risk pool: at-risk amount x category allocation x level allocation."""

    name = "pool"
    pooled = True

    def credit(self, rule: Any, attained: float, ctx: CreditContext) -> float:
        return pool_credit(ctx.at_risk, ctx.category_allocation, rule.allocation)

    def at_minimum(self, rule: Any, minimum: float, ctx: CreditContext) -> float:
        return self.credit(rule, minimum, ctx)

    def words(self, rule: Any, words: RuleWords, category_allocation: float) -> str:
        return (
            f"at-risk pool: at-risk amount x {percent(category_allocation)} ({rule.category} allocation) x "
            f"{percent(rule.allocation)} (this level) in a period in which the committed level is missed"
            f"{_share_words(rule)}"
        )

    def worked(
        self, rule: Any, committed: float | None, ctx: CreditContext, words: RuleWords
    ) -> list[tuple[str, str, float]]:
        calculation = (
            f"at-risk amount {money(ctx.at_risk, words.currency)} ({percent(ctx.at_risk_percent)} of the monthly "
            f"invoice) x {percent(ctx.category_allocation)} ({rule.category}) x {percent(rule.allocation)} "
            f"({words.requirement_id})"
        )
        amount = round(self.credit(rule, math.nan, ctx), 2)
        return [("a period in which the committed level is missed", calculation, amount)]


CREDIT_RULES: dict[str, CreditRuleSpec] = {}
# the rule names the model accepts: the ``rule`` literal of each class of CreditRule
_MODEL_RULES = {get_args(cls.model_fields["rule"].annotation)[0] for cls in get_args(get_args(CreditRule)[0])}


def register_credit_rule(spec: CreditRuleSpec) -> CreditRuleSpec:
    """Add a credit-rule family; its name must be the ``rule`` of a model class of ``CreditRule``."""
    if spec.name not in _MODEL_RULES:
        raise TypeError(
            f"credit rule {spec.name!r} has no model class in slm_psr.model.contract_terms.CreditRule"
        )
    if spec.name in CREDIT_RULES:
        raise TypeError(f"credit rule {spec.name!r} is registered already")
    CREDIT_RULES[spec.name] = spec
    return spec


register_credit_rule(BandsCredit())
register_credit_rule(PoolCredit())

_MODEL_RULES = {get_args(cls.model_fields["rule"].annotation)[0] for cls in get_args(get_args(CreditRule)[0])}
if set(CREDIT_RULES) != _MODEL_RULES:  # a half-defined rule fails at start-up, never at evaluation
    raise TypeError(f"credit rules without arithmetic: {sorted(_MODEL_RULES - set(CREDIT_RULES))}")


def credit_spec(rule: Any) -> CreditRuleSpec:
    """The registry entry of a rule object (``BandsRule``, ``PoolRule``, ...)."""
    return CREDIT_RULES[rule.rule]


def rule_credit(
    rule: BandsRule | PoolRule,
    attained: float,
    committed: float,
    *,
    higher_is_better: bool = True,
    monthly_charge: float = 0.0,
    at_risk: float = 0.0,
    category_allocation: float = 0.0,
) -> float:
    """The credit one level owes for one period under its rule (before the period's cap).

    Nothing is owed when the committed level is met. A missed level owes, under
    ``bands``, the band of the attained value (percent of ``monthly_charge``); under
    ``pool``, its share of the at-risk amount. For time limits measured as a share of
    tickets, pass the attained share and the rule's ``share`` as ``committed``.
    """
    if level_met(attained, committed, higher_is_better=higher_is_better):
        return 0.0
    ctx = CreditContext(
        monthly_charge=monthly_charge, at_risk=at_risk, category_allocation=category_allocation
    )
    return credit_spec(rule).credit(rule, attained, ctx)
