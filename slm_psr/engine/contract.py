"""The awarded contract's SLA schedule from one bid, the contract terms in words, and each bid's credit exposure.

Pure functions over the PSR and responses (no I/O). The schedule commits, per
service level, the bid's offer where it is better than the published minimum and
the minimum otherwise, and says which; it prices each credit rule at the bid's
monthly charges so that a reader can check every amount by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.credits import (
    CreditContext,
    RuleWords,
    at_risk_amount,
    cap_credits,
    credit_spec,
    money,
)
from slm_psr.engine.credits import percent as _pct
from slm_psr.engine.inputs import Inputs, collect_inputs
from slm_psr.engine.rules import reaches
from slm_psr.engine.variants import Choice, option_words, variant
from slm_psr.model import (
    PSR,
    BandsRule,
    ContractTerms,
    CoverageWindow,
    Direction,
    MeasurementPeriod,
    PoolRule,
    PriceBasis,
    Requirement,
    Response,
    ScheduleLevel,
    ScheduleTermination,
    SLASchedule,
    TerminationKind,
    TerminationRight,
    WorkedFigure,
    format_level,
    option_price_item,
)

EXPOSURE_COLUMNS = (
    "supplier",
    "monthly_invoice",
    "at_risk_percent",
    "at_risk_amount",
    "credit_at_minimums",
    "levels_above_minimum",
)


# --- which requirements are service levels ------------------------------------------------------


def service_levels(psr: PSR) -> list[Requirement]:
    """The requirements the contract commits to a level: a numeric minimum or target, or a credit rule.

    Contract-term questions (at-risk amount, acceptances, reporting day) and qualitative
    criteria are not service levels; coverage windows are the window levels are measured in.
    """
    terms = psr.contract_terms or ContractTerms()
    questions = set(terms.question_ids())
    out = []
    for req in psr.service_requirements:
        if req.id in questions or req.kind.spec.evaluated_by_people:
            continue
        numeric = any(isinstance(v, float) for v in (req.minimum, req.target))
        if numeric or terms.rule_for(req.id) is not None:
            out.append(req)
    return out


def monthly_charges(psr: PSR, amounts: np.ndarray) -> dict[str, float]:
    """Monthly charges by service ID at one bid's prices (monthly price items x quantity)."""
    charges = {s.id: 0.0 for s in psr.services}
    for item, amount in zip(psr.price_items, amounts, strict=True):
        if item.price_basis is PriceBasis.MONTHLY and not math.isnan(amount):
            charges[item.service] += float(amount) * item.quantity
    return charges


# --- words ---------------------------------------------------------------------------------------


def _words(psr: PSR, req: Requirement) -> RuleWords:
    return RuleWords(
        requirement_id=req.id,
        level=lambda x: format_level(req, x),
        service_name=psr.service(req.service).name,
        currency=psr.currency,
    )


def _category_allocation(terms: ContractTerms, rule: BandsRule | PoolRule) -> float:
    category = getattr(rule, "category", None)
    return terms.pool.allocations.get(category, 0.0) if terms.pool is not None and category else 0.0


def rule_words(psr: PSR, rule: BandsRule | PoolRule | None) -> str:
    """A credit rule as a buyer states it in the PSR (no prices)."""
    if rule is None:
        return "no service credit; a miss counts towards the termination rights"
    terms = psr.contract_terms or ContractTerms()
    return credit_spec(rule).words(
        rule, _words(psr, psr.requirement(rule.requirement)), _category_allocation(terms, rule)
    )


def terms_in_words(psr: PSR) -> list[tuple[str, str]]:
    """(topic, text) lines that state the contract terms, for the questionnaire and the schedule."""
    terms = psr.contract_terms
    if terms is None:
        return []
    lines = [("Measurement period", terms.period.describe())]
    for rule in terms.credits:
        req = psr.requirement(rule.requirement)
        lines.append((f"Credit {req.id}", f"{req.text}: {rule_words(psr, rule)}"))
    if terms.pool:
        allocations = ", ".join(f"{c} {_pct(a)}" for c, a in terms.pool.allocations.items())
        at_risk = psr.requirement(terms.pool.at_risk_requirement)
        lines.append(
            (
                "At-risk pool",
                f"the at-risk amount is the share of the monthly invoice offered in {at_risk.id} "
                f"(minimum {format_level(at_risk, at_risk.minimum)}); category allocations {allocations}; "
                "the pool credits of a period never exceed the at-risk amount",
            )
        )
    lines.append(("Cap", cap_words(terms)))
    lines.append(("Earn-back", earn_back_words(terms)))
    for right in terms.termination:
        lines.append(
            (f"Termination right {right.id}", f"{termination_words(psr, right)}. Notice: {right.notice}")
        )
    return lines


def cap_words(
    terms: ContractTerms, invoice: float | None = None, at_risk: float | None = None, currency: str = ""
) -> str:
    """The cap in words; with the bid's monthly invoice and at-risk amount, in money too."""
    parts = []
    if terms.cap_percent is not None:
        text = f"all credits of a period at most {_pct(terms.cap_percent)} of the monthly invoice"
        if invoice is not None:
            text += f" ({_pct(terms.cap_percent)} x {money(invoice, currency)} = {money(invoice * terms.cap_percent / 100, currency)})"
        parts.append(text)
    if terms.pool is not None:
        text = "pool credits at most the at-risk amount"
        if at_risk is not None:
            text += f" ({money(at_risk, currency)})"
        parts.append(text)
    return "; ".join(parts) or "no cap beyond the monthly charge of each service"


def termination_words(psr: PSR, right: TerminationRight) -> str:
    """A termination trigger in words, levels in their unit: 'HO-01 below 97 % in any period'."""
    if right.kind is TerminationKind.CRITICAL_FLOOR and right.requirement and right.floor is not None:
        req = psr.requirement(right.requirement)
        return f"{req.id} below {format_level(req, right.floor)} in any period"
    return right.describe()


def allowed_downtime(period: MeasurementPeriod, percent: float) -> str:
    """An availability as downtime per period, in the period's own days and time zone (one wording:
    the model's, shared with the evaluation's trail)."""
    return period.downtime_words(percent)


def earn_back_words(terms: ContractTerms) -> str:
    if terms.earn_back is None:
        return "none: credits are final"
    n = terms.earn_back.periods
    return f"a credit is returned when the same level is met in each of the next {n} period{'s' * (n > 1)}"


# --- the schedule --------------------------------------------------------------------------------


def _answer_words(req: Requirement, response: Response) -> str:
    answer = response.answer(req.id)
    if answer is None or answer.value is None:
        return "no answer"
    text = format_level(req, answer.value)
    return f"{text} ({answer.comment})" if answer.comment else text


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def build_schedule(
    psr: PSR, response: Response, *, psr_hash: str = "", options: Sequence[Choice] = ()
) -> SLASchedule:
    """The SLA schedule of the contract awarded to ``response``'s supplier; see the module docstring.

    ``psr_hash`` is the PSR's content hash (``psr_file.content_hash``), recorded in the schedule.
    ``options`` are the priced level options taken at the award (``OptionsResult.options_of``):
    each option's level stands for the bid's answer, so it is the offer the committed level
    comes from, and its monthly price difference is in the charges the credits are priced at.
    """
    if options:
        response = variant(psr, response, tuple(options))
    terms = psr.contract_terms or ContractTerms()
    inputs = collect_inputs(psr, [response])
    column = {r.id: j for j, r in enumerate(inputs.requirements)}
    charges = monthly_charges(psr, inputs.amounts[0])
    invoice = sum(charges.values())
    cur = psr.currency
    notes: list[str] = []
    at_risk_pct = at_risk = None
    if terms.pool is not None:
        at_risk_pct = _number(inputs.value[0, column[terms.pool.at_risk_requirement]])
        if at_risk_pct is None:
            notes.append(f"{terms.pool.at_risk_requirement}: no readable at-risk amount; pool credits are 0")
        else:
            at_risk = at_risk_amount(invoice, at_risk_pct)
    levels = [
        _level(psr, terms, req, response, inputs.value[0, column[req.id]], charges, at_risk, at_risk_pct)
        for req in service_levels(psr)
    ]
    if options:
        taken = {c.requirement_id: c for c in options}
        levels = [
            level.model_copy(update={"basis_text": f"{level.basis_text}; {_option_basis(psr, taken[level.requirement_id])}"})
            if level.requirement_id in taken
            else level
            for level in levels
        ]  # fmt: skip
        notes.append(
            "Level options taken at the award: "
            + "; ".join(option_words(psr, c) for c in options)
            + ". Their price differences are in the monthly charges."
        )
    termination = [
        ScheduleTermination(
            id=t.id,
            trigger=termination_words(psr, t),
            notice=t.notice,
            accepted=_answer_words(psr.requirement(t.acceptance), response) if t.acceptance else "not asked",
            right=t.model_dump(mode="json", exclude_none=True),
        )
        for t in terms.termination
    ]
    reporting = ""
    if terms.reporting:
        req = psr.requirement(terms.reporting)
        day, _, basis_text = _committed(req, inputs.value[0, column[terms.reporting]])
        if day is not None:
            reporting = f"monthly service report delivered by {format_level(req, day)} of the following month ({basis_text})"
    cap_text = cap_words(terms, invoice, at_risk, cur)
    return SLASchedule(
        psr_id=psr.id,
        psr_version=psr.version,
        psr_hash=psr_hash,
        title=psr.title,
        buyer=psr.buyer,
        supplier=response.supplier,
        currency=cur,
        term_months=psr.term_months,
        period=terms.period,
        period_text=terms.period.describe(),
        monthly_charges={sid: amount for sid, amount in charges.items() if amount},
        monthly_invoice=invoice,
        at_risk_percent=at_risk_pct,
        at_risk_amount=at_risk,
        cap_percent=terms.cap_percent,
        cap_text=cap_text,
        earn_back=earn_back_words(terms),
        earn_back_periods=terms.earn_back.periods if terms.earn_back else None,
        credit_acceptance=(
            _answer_words(psr.requirement(terms.credit_acceptance), response)
            if terms.credit_acceptance
            else ""
        ),
        reporting=reporting,
        levels=levels,
        pool_allocations=dict(terms.pool.allocations) if terms.pool else {},
        termination=termination,
        notes=notes,
    )


def _option_basis(psr: PSR, choice: Choice) -> str:
    item = option_price_item(psr, psr.requirement(choice.requirement_id))
    return (
        f"the level option {choice.number} taken at the award, {choice.monthly:+,.2f} {psr.currency} a month "
        f"on {item.id}"
    )


def _committed(req: Requirement, offered: float) -> tuple[float | None, str, str]:
    """(committed value, basis, basis in words): the offer where better than the minimum, else the minimum."""
    minimum = req.minimum if isinstance(req.minimum, float) else None
    has_offer = not math.isnan(offered)
    if minimum is None:
        if has_offer:
            return offered, "offer", "the bid's offer (no minimum published)"
        return None, "minimum", "no offer and no minimum"
    if not has_offer:
        return minimum, "minimum", "the minimum (no readable offer)"
    sign = np.array([1.0 if req.direction is Direction.HIGHER_IS_BETTER else -1.0])
    better = bool(reaches(np.array([offered]), np.array([minimum]), sign)[0]) and offered != minimum
    if better:
        return offered, "offer", f"the bid's offer, better than the minimum {format_level(req, minimum)}"
    return minimum, "minimum", f"the minimum (the offer {format_level(req, offered)} is not better)"


def _coverage(psr: PSR, req: Requirement, response: Response) -> str:
    """The window a level is measured in: its service's coverage requirement, as committed."""
    # the service's requirement whose level is a weekly window (coverage)
    window = next(
        (
            r
            for r in psr.service_requirements
            if r.service == req.service and isinstance(r.minimum, CoverageWindow)
        ),
        None,
    )
    if window is None:
        return "24/7 (the PSR states no service window for this service)"
    answer = response.answer(window.id)
    offered = answer.value if answer is not None and isinstance(answer.value, CoverageWindow) else None
    minimum = window.minimum if isinstance(window.minimum, CoverageWindow) else None
    if offered is not None and (minimum is None or offered.covers(minimum)):
        return f"{offered} ({window.id}, the bid's offer)"
    return f"{minimum} ({window.id}, the minimum)" if minimum else "24/7"


def _level(
    psr: PSR,
    terms: ContractTerms,
    req: Requirement,
    response: Response,
    offered: float,
    charges: dict[str, float],
    at_risk: float | None,
    at_risk_pct: float | None,
) -> ScheduleLevel:
    committed, basis, basis_text = _committed(req, offered)
    rule = terms.rule_for(req.id)
    charge = charges.get(req.service, 0.0)
    worked: list[WorkedFigure] = []
    if rule is not None:
        ctx = CreditContext(
            monthly_charge=charge,
            at_risk=at_risk or 0.0,
            at_risk_percent=at_risk_pct or 0.0,
            category_allocation=_category_allocation(terms, rule),
        )
        worked = [
            WorkedFigure(case=case, calculation=calculation, amount=amount)
            for case, calculation, amount in credit_spec(rule).worked(rule, committed, ctx, _words(psr, req))
        ]
    if req.kind.spec.uptime and committed is not None:  # a share of time: say it as downtime
        basis_text += f"; {allowed_downtime(terms.period, committed)}"
    return ScheduleLevel(
        requirement_id=req.id,
        service=req.service,
        text=req.text,
        minimum=format_level(req, req.minimum),
        offered=_answer_words(req, response),
        committed=format_level(req, committed) if committed is not None else "-",
        committed_value=committed,
        basis=basis,  # type: ignore[arg-type]
        basis_text=basis_text,
        direction="higher is better" if req.direction is Direction.HIGHER_IS_BETTER else "lower is better",
        coverage_window=_coverage(psr, req, response),
        credit_rule=rule_words(psr, rule),
        rule=rule.model_dump(mode="json", exclude_none=True) if rule else None,
        monthly_charge=charge,
        worked=worked,
    )


# --- the comparison: credit exposure --------------------------------------------------------------


def credit_exposure(psr: PSR, responses: list[Response]) -> pd.DataFrame:
    """Per bid, the money at stake each month under the contract terms (see :func:`exposure_from_inputs`)."""
    if psr.contract_terms is None or not responses:
        return pd.DataFrame(columns=list(EXPOSURE_COLUMNS))
    return exposure_from_inputs(collect_inputs(psr, responses))


def exposure_from_inputs(inputs: Inputs) -> pd.DataFrame:
    """Per bid, the money at stake each month under the contract terms.

    ``at_risk_amount`` is the offered at-risk percentage of the bid's monthly invoice;
    ``credit_at_minimums`` the credit the bid would owe in a month in which every
    level it offered above the minimum fell to the minimum (pool credits capped at
    the at-risk amount, everything at the terms' cap): what its better offers are
    worth to the buyer when they are not kept.
    """
    psr = inputs.psr
    terms = psr.contract_terms
    if terms is None:
        return pd.DataFrame(columns=list(EXPOSURE_COLUMNS))
    column = {r.id: j for j, r in enumerate(inputs.requirements)}
    rows: list[dict[str, Any]] = []
    for i, response in enumerate(inputs.responses):
        charges = monthly_charges(psr, inputs.amounts[i])
        invoice = sum(charges.values())
        pct = at_risk = None
        if terms.pool is not None:
            pct = _number(inputs.value[i, column[terms.pool.at_risk_requirement]])
            at_risk = at_risk_amount(invoice, pct) if pct is not None else 0.0
        pool_credits: list[float] = []
        other_credits: list[float] = []
        above = 0
        for rule in terms.credits:
            req = psr.requirement(rule.requirement)
            _, basis, _ = _committed(req, inputs.value[i, column[req.id]])
            if basis != "offer" or not isinstance(req.minimum, float):
                continue
            above += 1
            spec = credit_spec(rule)
            ctx = CreditContext(
                monthly_charge=charges.get(req.service, 0.0),
                at_risk=at_risk or 0.0,
                category_allocation=_category_allocation(terms, rule),
            )
            (pool_credits if spec.pooled else other_credits).append(spec.at_minimum(rule, req.minimum, ctx))
        pooled = cap_credits(pool_credits, at_risk).owed
        cap = invoice * terms.cap_percent / 100 if terms.cap_percent is not None else None
        total = cap_credits([pooled, *other_credits], cap).owed
        rows.append(
            {
                "supplier": response.supplier,
                "monthly_invoice": invoice,
                "at_risk_percent": pct,
                "at_risk_amount": at_risk,
                "credit_at_minimums": total,
                "levels_above_minimum": above,
            }
        )
    return pd.DataFrame(rows, columns=list(EXPOSURE_COLUMNS))
