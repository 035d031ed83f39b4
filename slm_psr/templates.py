"""Starting points for a new tender: an empty PSR, or a small library of typical service levels.

Each library block is one service with the service levels buyers usually ask of it
(minimum = a common market floor, target = what good providers offer) and its price
items. The values are starting points to edit, not recommendations; the buyer sees
and changes every one on the Requirements page before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from slm_psr.model import PSR


@dataclass(frozen=True)
class Block:
    """One service of the library with its typical requirements (PSR JSON form)."""

    key: str
    label: str
    service: dict[str, Any]
    requirements: list[dict[str, Any]] = field(default_factory=list)


def _req(rid: str, service: str, text: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"id": rid, "service": service, "text": text, "kind": kind, **more}


LIBRARY: dict[str, Block] = {
    b.key: b
    for b in (
        Block(
            "service_desk",
            "Service desk",
            {"id": "SD", "name": "Service desk", "weight": 40.0, "description": "Single point of contact"},
            [
                _req("SD-01", "SD", "Time to answer a priority 1 call", "time_limit", unit="minutes",
                     minimum=30, target=10),
                _req("SD-02", "SD", "Time to resolve a priority 1 incident", "time_limit", unit="hours",
                     minimum=8, target=4),
                _req("SD-03", "SD", "Service desk hours", "coverage",
                     minimum="Mon-Fri 08:00-18:00", target="24/7"),
                _req("SD-04", "SD", "Languages spoken by the agents", "languages",
                     minimum=["de", "en"], target=["fr"]),
                _req("SD-05", "SD", "Incidents resolved at first contact (%)", "number", unit="%",
                     direction="higher_is_better", minimum=60, target=80),
                _req("SD-P1", "SD", "Service desk, monthly fee", "price", price_basis="monthly"),
            ],
        ),
        Block(
            "hosting",
            "Hosting",
            {"id": "HO", "name": "Hosting", "weight": 40.0, "description": "Production and test platforms"},
            [
                _req("HO-01", "HO", "Availability of the production platform per month", "availability",
                     minimum=99.5, target=99.9),
                _req("HO-02", "HO", "Time to respond to a platform outage", "time_limit", unit="minutes",
                     minimum=60, target=15),
                _req("HO-03", "HO", "Data lost at most in a restore (recovery point, hours)", "number",
                     unit="hours", direction="lower_is_better", minimum=24, target=1),
                _req("HO-04", "HO", "Certified to ISO/IEC 27001", "yes_no", minimum=True),
                _req("HO-P1", "HO", "Hosting, monthly fee", "price", price_basis="monthly"),
                _req("HO-P2", "HO", "Migration to the new platform, one-time fee", "price",
                     price_basis="one_time"),
            ],
        ),
        Block(
            "application_management",
            "Application management",
            {"id": "AM", "name": "Application management", "weight": 30.0,
             "description": "Second and third level support and small changes"},
            [
                _req("AM-01", "AM", "Time to resolve a priority 2 application incident", "time_limit",
                     unit="business_days", minimum=3, target=1),
                _req("AM-02", "AM", "Support hours for application incidents", "coverage",
                     minimum="Mon-Fri 08:00-17:00", target="Mon-Fri 07:00-20:00"),
                _req("AM-03", "AM", "Approach to releases, testing and knowledge transfer", "qualitative"),
                _req("AM-P1", "AM", "Application management, monthly fee", "price", price_basis="monthly"),
            ],
        ),
        Block(
            "reporting",
            "Reporting",
            {"id": "RP", "name": "Reporting", "weight": 10.0, "description": "Monthly service level report"},
            [
                _req("RP-01", "RP", "Monthly service report delivered after month end", "time_limit",
                     unit="business_days", minimum=10, target=5),
                _req("RP-02", "RP", "Monthly service review meeting", "yes_no", minimum=True),
                _req("RP-03", "RP", "Self-service dashboard with the service levels", "qualitative"),
                _req("RP-P1", "RP", "Reporting, monthly fee", "price", price_basis="monthly"),
            ],
        ),
    )
}  # fmt: skip

# An empty tender still needs a service and a price item to be a valid PSR: one of each,
# named so that the buyer sees what to rename.
EMPTY_SERVICE = {"id": "S1", "name": "Service 1 (rename me)", "weight": 1.0, "description": ""}
EMPTY_PRICE = _req("S1-P1", "S1", "Monthly fee", "price", price_basis="monthly")

_PSR_ID = re.compile(r"^PSR-(\d{4})-(\d+)$")


def next_psr_id(existing: list[str], today: dt.date) -> str:
    """The next free ``PSR-<year>-<nn>`` ID, so a new tender never reuses another's PSR ID."""
    numbers = [int(m.group(2)) for m in map(_PSR_ID.match, existing) if m and m.group(1) == str(today.year)]
    return f"PSR-{today.year}-{max(numbers, default=0) + 1:02d}"


def new_psr(
    psr_id: str,
    title: str,
    buyer: str,
    today: dt.date,
    blocks: list[str] | None = None,
) -> PSR:
    """A tender of its own as version 1: empty, or with the chosen library blocks (in library order).

    Deadline six weeks out and a 36-month term: common defaults, shown for editing.
    """
    chosen = [LIBRARY[key] for key in LIBRARY if key in set(blocks or [])]
    unknown = sorted(set(blocks or []) - set(LIBRARY))
    if unknown:
        raise ValueError(f"no service levels named {', '.join(unknown)} in the library")
    services = [b.service for b in chosen] or [EMPTY_SERVICE]
    requirements = [r for b in chosen for r in b.requirements] or [EMPTY_PRICE]
    return PSR.model_validate(
        {
            "id": psr_id,
            "version": 1,
            "title": title.strip() or "New tender",
            "buyer": buyer.strip() or "(buyer)",
            "currency": "EUR",
            "term_months": 36,
            "deadline": (today + dt.timedelta(weeks=6)).isoformat(),
            "services": services,
            "requirements": requirements,
        }
    )


def as_new_tender(psr: PSR, psr_id: str, title: str) -> PSR:
    """Another PSR (the demo's) as the first version of a new tender with its own ID and title."""
    return psr.model_copy(update={"id": psr_id, "version": 1, "title": title.strip() or psr.title})
