"""Editing a stored PSR's contract terms: the buyer's form as plain rows, checked and worded, saved as a PSR version.

The Contract terms page and a notebook share it::

    from slm_psr.service import terms
    form = terms.form_of(state.psr)                 # plain data: period, cap, pool, credit rows, rights
    form.credits[0]["Bands"] = "99.9: 5; 99.5: 10"  # edit
    data, errors = terms.terms_from_form(form, state.psr)   # errors name the table, row and column
    terms.save_contract_terms(store, state.id, data, user="A. Buyer", expected_revision=state.revision)

Saving validates the whole PSR with the new terms (the model's checks: known levels,
pool allocations within the pool, termination parameters) and stores it as the next
PSR version, audited like any PSR edit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from slm_psr.model import PSR, PeriodKind, TerminationKind, psr_errors
from slm_psr.model.contract_terms import PERIOD_WORDS
from slm_psr.store import Store

TRIGGER_WORDS = {
    TerminationKind.REPEATED_MISS: "the same level missed k times in n periods",
    TerminationKind.CRITICAL_FLOOR: "a level below a floor in any period",
    TerminationKind.CREDIT_TOTAL: "credits over X % of the charges in n periods",
}
RULE_WORDS = {"bands": "bands of the service's monthly charge", "pool": "share of the at-risk pool"}
CREDIT_COLUMNS = [
    "Level",
    "Rule",
    "Bands (below: credit %)",
    "Pool category",
    "Allocation %",
    "Share of tickets %",
]
RIGHT_COLUMNS = [
    "ID",
    "Trigger",
    "Level",
    "Misses (k)",
    "Periods (n)",
    "Floor",
    "Credits %",
    "Accepted in",
    "Notice",
]
POOL_COLUMNS = ["Category", "Allocation %"]
_BAND = re.compile(r"^\s*(?:below\s*)?([\d.,]+)\s*%?\s*[:=]\s*([\d.,]+)\s*%?\s*$", re.IGNORECASE)


class TermsError(ValueError):
    """Contract terms that cannot be saved; ``errors`` holds one line each, naming where."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class TermsForm:
    """The contract terms as the page's widgets hold them (words and plain numbers, no enum values)."""

    period_kind: str = PERIOD_WORDS[PeriodKind.CALENDAR_MONTH]
    time_zone: str = "UTC"
    rolling_days: int | None = None
    fixed_start: dt.date | None = None
    cap_percent: float | None = None
    earn_back_periods: int | None = None
    at_risk_requirement: str | None = None
    pool_available: float = 100.0
    pool: list[dict[str, Any]] = field(default_factory=list)
    credits: list[dict[str, Any]] = field(default_factory=list)
    rights: list[dict[str, Any]] = field(default_factory=list)
    credit_acceptance: str | None = None
    reporting: str | None = None


def form_of(psr: PSR) -> TermsForm:
    """The PSR's current terms as a form (an empty form when it has none)."""
    t = psr.contract_terms
    if t is None:
        return TermsForm()
    credits = []
    for r in t.credits:
        bands = "; ".join(f"{b.below:g}: {b.credit:g}" for b in getattr(r, "bands", []))
        credits.append(
            {
                "Level": r.requirement, "Rule": RULE_WORDS[r.rule], "Bands (below: credit %)": bands,
                "Pool category": getattr(r, "category", None), "Allocation %": getattr(r, "allocation", None),
                "Share of tickets %": r.share,
            }
        )  # fmt: skip
    rights = [
        {
            "ID": r.id, "Trigger": TRIGGER_WORDS[r.kind], "Level": r.requirement, "Misses (k)": r.misses,
            "Periods (n)": r.periods, "Floor": r.floor, "Credits %": r.percent, "Accepted in": r.acceptance,
            "Notice": r.notice,
        }
        for r in t.termination
    ]  # fmt: skip
    pool = [{"Category": c, "Allocation %": a} for c, a in (t.pool.allocations.items() if t.pool else [])]
    return TermsForm(
        period_kind=PERIOD_WORDS[t.period.kind],
        time_zone=t.period.time_zone,
        rolling_days=t.period.days,
        fixed_start=t.period.start,
        cap_percent=t.cap_percent,
        earn_back_periods=t.earn_back.periods if t.earn_back else None,
        at_risk_requirement=t.pool.at_risk_requirement if t.pool else None,
        pool_available=t.pool.available if t.pool else 100.0,
        pool=pool,
        credits=credits,
        rights=rights,
        credit_acceptance=t.credit_acceptance,
        reporting=t.reporting,
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _number(value: Any, where: str, errors: list[str], *, whole: bool = False) -> float | int | None:
    if _blank(value):
        return None
    try:
        number = float(str(value).replace(",", ".").replace("%", "").strip())
    except ValueError:
        errors.append(f"{where}: '{value}' is not a number")
        return None
    if whole:
        if number != int(number):
            errors.append(f"{where}: '{value}' is not a whole number")
            return None
        return int(number)
    return number


def parse_bands(text: str, where: str, errors: list[str]) -> list[dict[str, float]]:
    """'99.9: 5; 99.5: 10' (attained below 99.9 % owes 5 %, below 99.5 % owes 10 %) as bands."""
    bands = []
    for part in (p for p in re.split(r"[;\n]", text) if p.strip()):
        found = _BAND.match(part)
        if not found:
            errors.append(
                f"{where}: '{part.strip()}' is not a band; write 'below: credit', e.g. '99.9: 5; 99.5: 10' "
                "(below 99.9 % owes 5 % of the monthly charge)"
            )
            continue
        below, credit = (float(g.replace(",", ".")) for g in found.groups())
        bands.append({"below": below, "credit": credit})
    return bands


def _by_words(words: dict[Any, str], value: Any, where: str, errors: list[str]) -> Any:
    for key, text in words.items():
        if str(value).strip() in (text, str(key)):
            return key
    errors.append(f"{where}: '{value}' is not one of: {'; '.join(words.values())}")
    return None


def terms_from_form(form: TermsForm, psr: PSR) -> tuple[dict[str, Any] | None, list[str]]:
    """The contract terms as PSR data, and every problem in words (table, row, column); None when empty."""
    errors: list[str] = []
    kind = _by_words(PERIOD_WORDS, form.period_kind, "Measurement period", errors)
    period: dict[str, Any] = {
        "kind": str(kind or PeriodKind.CALENDAR_MONTH),
        "time_zone": form.time_zone.strip(),
    }
    if kind is PeriodKind.ROLLING_DAYS:
        period["days"] = form.rolling_days
    if kind is PeriodKind.FIXED_30_DAYS and form.fixed_start is not None:
        period["start"] = form.fixed_start.isoformat()
    credits = []
    for i, row in enumerate(form.credits, start=1):
        level = _text(row.get("Level"))
        if level is None and all(_blank(v) for v in row.values()):
            continue  # an empty row the editor left
        where = f"Credit rules, row {i}" + (f" ({level})" if level else "")
        if level is None:
            errors.append(f"{where}: the level is empty; pick the service level the rule is for")
        rule = _by_words(RULE_WORDS, row.get("Rule") or "", f"{where}, Rule", errors)
        entry: dict[str, Any] = {"rule": rule, "requirement": level}
        share = _number(row.get("Share of tickets %"), f"{where}, Share of tickets %", errors)
        if share is not None:
            entry["share"] = share
        if rule == "bands":
            entry["bands"] = parse_bands(
                str(row.get("Bands (below: credit %)") or ""), f"{where}, Bands", errors
            )
            if not entry["bands"]:
                errors.append(f"{where}: bands need at least one 'below: credit', e.g. '99.9: 5'")
        elif rule == "pool":
            entry["category"] = _text(row.get("Pool category"))
            entry["allocation"] = _number(row.get("Allocation %"), f"{where}, Allocation %", errors)
            if entry["category"] is None or entry["allocation"] is None:
                errors.append(f"{where}: a pool share needs its pool category and its allocation %")
        credits.append(entry)
    rights = []
    for i, row in enumerate(form.rights, start=1):
        if all(_blank(v) for v in row.values()):
            continue
        rid = _text(row.get("ID")) or f"T{i}"
        where = f"Termination rights, row {i} ({rid})"
        right: dict[str, Any] = {
            "id": rid,
            "kind": _by_words(TRIGGER_WORDS, row.get("Trigger") or "", f"{where}, Trigger", errors),
            "notice": _text(row.get("Notice")) or "",
            "requirement": _text(row.get("Level")),
            "misses": _number(row.get("Misses (k)"), f"{where}, Misses", errors, whole=True),
            "periods": _number(row.get("Periods (n)"), f"{where}, Periods", errors, whole=True),
            "floor": _number(row.get("Floor"), f"{where}, Floor", errors),
            "percent": _number(row.get("Credits %"), f"{where}, Credits %", errors),
            "acceptance": _text(row.get("Accepted in")),
        }
        if not right["notice"]:
            errors.append(f"{where}: the notice text is empty; write what the customer would send")
        rights.append(
            {k: (str(v) if k == "kind" and v is not None else v) for k, v in right.items() if v is not None}
        )
    data: dict[str, Any] = {"period": period, "credits": credits, "termination": rights}
    allocations = {}
    for i, row in enumerate(form.pool, start=1):
        category = _text(row.get("Category"))
        if category is None:
            continue
        share = _number(row.get("Allocation %"), f"Pool, row {i} ({category}), Allocation %", errors)
        allocations[category] = share if share is not None else 0.0
    if form.at_risk_requirement or allocations:
        data["pool"] = {
            "at_risk_requirement": form.at_risk_requirement,
            "allocations": allocations,
            "available": form.pool_available,
        }
    if form.cap_percent is not None:
        data["cap_percent"] = form.cap_percent
    if form.earn_back_periods:
        data["earn_back"] = {"periods": form.earn_back_periods}
    for key in ("credit_acceptance", "reporting"):
        if getattr(form, key):
            data[key] = getattr(form, key)
    if errors:
        return None, errors
    return data, check(psr, data)


def with_terms(psr: PSR, terms: dict[str, Any] | None) -> PSR:
    """The PSR with ``terms`` (None: without contract terms); raises :class:`TermsError` in words."""
    data = psr.model_dump(mode="json", exclude_none=True)
    data.pop("contract_terms", None)
    if terms is not None:
        data["contract_terms"] = terms
    try:
        return PSR.model_validate(data)
    except ValidationError as exc:
        raise TermsError(psr_errors(exc, data)) from None


def check(psr: PSR, terms: dict[str, Any] | None) -> list[str]:
    """Every problem the PSR's own checks find in ``terms``, in words (none: empty list)."""
    try:
        with_terms(psr, terms)
    except TermsError as exc:
        return exc.errors
    return []


def save_contract_terms(
    store: Store, project_id: int, terms: dict[str, Any] | None, *, user: str, expected_revision: int
) -> int:
    """Save the project's PSR with ``terms`` as its next version; returns the new revision."""
    psr = with_terms(store.load(project_id).psr, terms)
    return store.save_psr(project_id, psr, user=user, expected_revision=expected_revision)
