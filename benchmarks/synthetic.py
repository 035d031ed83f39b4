"""A deterministic synthetic tender at any scale: a PSR and supplier responses to it.

Used by the benchmarks and by tests that need many bidders. The mix of kinds is
what a managed-services PSR holds (availability, time limits, coverage, languages,
yes/no, numbers, qualitative criteria, monthly and one-time fees); about a fifth
of the requirements are knock-outs, about a quarter of the suppliers miss one,
and a few answers are flagged for review.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, cast

from slm_psr.model import (
    PSR,
    Answer,
    CoverageWindow,
    EvaluationSettings,
    Flag,
    Kind,
    Requirement,
    Response,
    Service,
    Step,
)

_SERVICE_NAMES = (
    "Service desk",
    "Hosting",
    "Reporting",
    "Network",
    "Workplace",
    "Security operations",
    "Backup and recovery",
    "Application support",
)
_LANGUAGES = ("de", "en", "fr", "it", "es", "nl", "pl")
_WINDOWS = ("Mon-Fri 08:00-18:00", "Mon-Fri 07:00-20:00", "Mon-Sat 06:00-22:00", "24/7")
_TIME_UNITS = ("minutes", "hours", "business_days")
# The kinds cycled through for service requirements, in a realistic proportion.
_KIND_CYCLE = (
    Kind.AVAILABILITY,
    Kind.TIME_LIMIT,
    Kind.TIME_LIMIT,
    Kind.COVERAGE,
    Kind.LANGUAGES,
    Kind.YES_NO,
    Kind.YES_NO,
    Kind.NUMBER,
    Kind.NUMBER,
    Kind.QUALITATIVE,
)
_COMPANY_WORDS = (
    "Alpen",
    "Nord",
    "Rhein",
    "Blue",
    "Cloud",
    "Data",
    "Service",
    "Systems",
    "Digital",
    "Net",
    "Consult",
    "Partners",
)
_LEGAL = ("GmbH", "AG", "SE", "S.A.", "B.V.", "Ltd", "GmbH & Co. KG")


def make_psr(n_requirements: int, n_services: int = 5) -> PSR:
    """A valid PSR with exactly ``n_requirements`` requirements, two price items per service.

    ``n_requirements`` counts the price items (a monthly and a one-time fee per
    service), so it must be at least ``3 * n_services``.
    """
    if not 1 <= n_services <= len(_SERVICE_NAMES):
        raise ValueError(f"n_services must be between 1 and {len(_SERVICE_NAMES)}, got {n_services}")
    if n_requirements < 3 * n_services:
        raise ValueError(
            f"n_requirements {n_requirements} is too small for {n_services} services "
            f"(each needs two price items and a service requirement)"
        )
    services = [
        Service(id=f"S{i + 1}", name=_SERVICE_NAMES[i], weight=float(10 * (n_services - i) + 5))
        for i in range(n_services)
    ]
    requirements: list[Requirement] = []
    n_service_reqs = n_requirements - 2 * n_services
    for i in range(n_service_reqs):
        service = services[i % n_services]
        number = i // n_services + 1
        kind = _KIND_CYCLE[i % len(_KIND_CYCLE)]
        knock_out = i % 5 == 0  # a fifth of the requirements carry a minimum
        requirements.append(_requirement(f"{service.id}-{number:03d}", service.id, kind, i, knock_out))
    for service in services:
        requirements.append(
            Requirement(
                id=f"{service.id}-P1",
                service=service.id,
                text=f"{service.name}: monthly fee",
                kind=Kind.PRICE,
                unit="per month",
                price_basis="monthly",
            )
        )
        requirements.append(
            Requirement(
                id=f"{service.id}-P2",
                service=service.id,
                text=f"{service.name}: one-time transition fee",
                kind=Kind.PRICE,
                price_basis="one_time",
            )
        )
    return PSR(
        id=f"SYN-{n_requirements}",
        buyer="Synthetic Buyer GmbH",
        title=f"Synthetic tender: {n_services} services, {n_requirements} requirements",
        currency="EUR",
        term_months=48,
        deadline=dt.date(2027, 3, 31),
        services=services,
        requirements=requirements,
        evaluation=EvaluationSettings(method="meat", quality_weight=60.0, price_weight=40.0),
    )


def _requirement(rid: str, service: str, kind: Kind, i: int, knock_out: bool) -> Requirement:
    common = {"id": rid, "service": service, "kind": kind, "weight": float(1 + i % 4)}
    if kind is Kind.AVAILABILITY:
        minimum, target = (99.0, 99.9) if i % 2 else (99.5, 99.95)
        return Requirement(
            **common,
            text=f"Monthly availability of platform component {rid}",
            minimum=minimum if knock_out else None,
            target=target,
        )
    if kind is Kind.TIME_LIMIT:
        unit = _TIME_UNITS[i % 3]
        minimum, target = {"minutes": (60.0, 15.0), "hours": (8.0, 4.0), "business_days": (5.0, 2.0)}[unit]
        return Requirement(
            **common,
            text=f"Resolution time for incidents of category {rid}",
            unit=unit,
            minimum=minimum if knock_out else None,
            target=target,
        )
    if kind is Kind.COVERAGE:
        return Requirement(
            **common,
            text=f"Service window for {rid}",
            minimum="Mon-Fri 08:00-18:00" if knock_out else None,
            target="24/7",
        )
    if kind is Kind.LANGUAGES:
        return Requirement(
            **common,
            text=f"Languages spoken for {rid} (phone, e-mail, chat)",
            minimum=["de", "en"] if knock_out else None,
            target=["fr", "it"],
        )
    if kind is Kind.YES_NO:
        return Requirement(
            **common,
            text=f"Certified process or capability {rid} (ISO 27001, ITIL 4, ...)",
            minimum=True if knock_out else None,
        )
    if kind is Kind.NUMBER:
        if i % 2:
            return Requirement(
                **common,
                text=f"Share of tickets closed at first contact for {rid} (%)",
                unit="%",
                target=80.0,
                steps=[
                    Step(threshold=60, points=4),
                    Step(threshold=70, points=7),
                    Step(threshold=80, points=10),
                ],
            )
        return Requirement(
            **common,
            text=f"Named engineers assigned to {rid}",
            unit="engineers",
            minimum=2.0 if knock_out else None,
            target=6.0,
        )
    return Requirement(**common, text=f"Quality of the concept for {rid} (scored by evaluators)")


def make_responses(psr: PSR, n_suppliers: int, seed: int = 0, *, continuous: bool = False) -> list[Response]:
    """``n_suppliers`` responses to ``psr``, the same for the same seed.

    Every fourth supplier misses one or two knock-outs, every tenth has a
    knock-out answer flagged as ambiguous, and about 1 % of the other answers are
    missing. With ``continuous``, numeric answers carry the precision suppliers
    type (availability to 1/1000 %, times and counts to 1/100), so nearly every
    answer is a value of its own, as in a real tender; without it they are rounded
    coarsely and repeat.
    """
    rng = random.Random(seed)
    knock_outs = [r for r in psr.requirements if r.is_knock_out]
    responses = []
    for s in range(n_suppliers):
        first = s % len(_COMPANY_WORDS)
        second = (s * 5 + 7) % len(_COMPANY_WORDS)
        if second == first:
            second = (second + 1) % len(_COMPANY_WORDS)
        name = (
            f"{_COMPANY_WORDS[first]}{_COMPANY_WORDS[second].lower()} {_LEGAL[s % len(_LEGAL)]} {s + 1:03d}"
        )
        quality = rng.random()  # 0 = just meets the minimums, 1 = meets every target
        misses: set[str] = set()
        if s % 4 == 3 and knock_outs:
            misses = {r.id for r in rng.sample(knock_outs, k=min(len(knock_outs), 1 + s % 2))}
        # a doubtful answer to a knock-out makes the bid "needs review"
        review = rng.choice(knock_outs).id if s % 10 == 7 and knock_outs else None
        answers: dict[str, Answer] = {}
        for row, req in enumerate(psr.requirements, start=8):
            if not req.is_knock_out and req.kind is not Kind.PRICE and rng.random() < 0.01:
                answers[req.id] = Answer(
                    requirement_id=req.id, cell=f"Answers!F{row}", flags=[Flag.MISSING], notes=["no answer"]
                )
                continue
            answer = _answer(req, quality, req.id in misses, rng, s, continuous)
            answer.cell = f"Answers!F{row}" if req.kind is not Kind.PRICE else f"Prices!D{row}"
            if req.id == review:
                answer.flags.append(Flag.AMBIGUOUS)
                answer.notes.append(f"'{answer.raw}' can be read more than one way; please confirm")
            answers[req.id] = answer
        digest = f"{rng.getrandbits(256):064x}"
        responses.append(
            Response(
                supplier=name,
                file=f"response_{s + 1:03d}.xlsx",
                sha256=digest,
                contact={"name": f"Bid Manager {s + 1}", "email": f"bids{s + 1}@example.com"},
                psr_id=psr.id,
                psr_version=psr.version,
                answers=answers,
            )
        )
    return responses


def _answer(
    req: Requirement, quality: float, miss: bool, rng: random.Random, s: int, continuous: bool = False
) -> Answer:
    q = min(1.0, max(0.0, quality + rng.uniform(-0.2, 0.2)))
    # decimals kept: coarse answers repeat across bids, continuous ones hardly ever
    places = 3 if continuous else 2
    base: dict[str, Any] = {"requirement_id": req.id}
    # a level's type is the union over the kinds; in each numeric branch below it is a number
    minimum, target = cast(float, req.minimum), cast(float, req.target)
    if req.kind is Kind.AVAILABILITY:
        low = minimum if minimum is not None else 99.0
        high = target if target is not None else 99.99
        value = round(low - 0.5 if miss else low + q * (high - low), places)
        return Answer(**base, value=value, raw=f"{value:.{places}f} %".replace(".", "," if s % 3 else "."))
    if req.kind is Kind.TIME_LIMIT:
        low = minimum if minimum is not None else 2 * target
        value = float(
            round(low * 1.5 if miss else low - q * (low - target), places - 1 if continuous else None)
        )
        short = {"minutes": "min", "hours": "h", "business_days": "business days"}[req.unit]
        return Answer(**base, value=value, unit=req.unit, raw=f"{value:g} {short}")
    if req.kind is Kind.COVERAGE:
        text = "Mon-Fri 09:00-17:00" if miss else _WINDOWS[min(len(_WINDOWS) - 1, int(q * len(_WINDOWS)))]
        return Answer(**base, value=CoverageWindow.parse(text), raw=text.replace("Mon-Fri", "Mo-Fr"))
    if req.kind is Kind.LANGUAGES:
        required = list(cast(list[str], req.minimum) or ["de", "en"])
        if miss:
            required = required[:-1]
        extras = [c for c in _LANGUAGES if c not in required][: int(q * 4)]
        codes = required + extras
        return Answer(**base, value=codes, raw=", ".join(c.upper() for c in codes))
    if req.kind is Kind.YES_NO:
        value = False if miss else (q > 0.3 or req.is_knock_out)
        return Answer(
            **base, value=value, raw=("yes" if value else "no") if s % 5 else ("ja" if value else "nein")
        )
    if req.kind is Kind.NUMBER:
        if req.unit == "%":
            value = float(round(50 + q * 40, places - 1 if continuous else None))
            return Answer(**base, value=value, raw=f"{value:g} %")
        low = minimum if minimum is not None else 1.0
        value = float(
            low - 1 if miss else round(low + q * (target - low), places - 1 if continuous else None)
        )
        return Answer(**base, value=value, raw=f"{value:g}")
    if req.kind is Kind.QUALITATIVE:
        text = (
            f"Our concept for {req.id}: a dedicated team, monthly service reviews, "
            f"a continual improvement register and quarterly management reports. " * (1 + s % 3)
        ).strip()
        return Answer(**base, value=None, raw=text, comment="See attachment B" if s % 7 == 0 else "")
    # price items: monthly fees in the thousands, one-time fees in the tens of thousands
    scale = 4_000.0 if req.price_basis == "monthly" else 25_000.0
    value = round(scale * (0.7 + 0.6 * q + rng.uniform(-0.15, 0.15)), 2)
    return Answer(**base, value=value, raw=f"{value:,.2f} EUR")
