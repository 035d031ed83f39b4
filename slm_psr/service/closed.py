"""A month both parties signed off is closed: a dispute or a correction of its figures waits for a reopening.

Signing a period off means both representatives agree its figures; a dispute raised
afterwards, or a correction that changes them, would make the signed version say one
thing and the report another. So the service refuses both, in words that say what to
do: reopen the month with the reason (who and why go into the audit trail, the signed
version stays on record), then dispute or correct. For the same reason a party cannot
sign off a month while a dispute about it is open: the dispute is settled first.
The pages and the CLI call the service, so both obey.

An import is not refused for a closed month (exports overlap, and a refused file's
other rows would be lost): its records there are counted and the import says so, so
the parties know to reopen that month and agree it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from slm_psr.engine.monitoring import Records
from slm_psr.excel.measurements import MeasurementFile
from slm_psr.model import MeasurementPeriod
from slm_psr.service.monitor import MonitoringError
from slm_psr.service.period_records import periods_of
from slm_psr.store import Store
from slm_psr.store.reviews import PARTIES, PARTY_WORDS, ReviewStore


class ClosedPeriod(MonitoringError):
    """A change to the figures of a month that both parties have signed off."""


def refuse_if_closed(store: Store, project_id: int, periods: Iterable[str | None], doing: str) -> None:
    """Raise :class:`ClosedPeriod` when one of ``periods`` is signed off by both parties.

    ``doing`` says what waits, e.g. 'disputing the 2027-09 figure of HO-01'.
    """
    reviews = ReviewStore(store)
    for label in dict.fromkeys(p for p in periods if p):
        review = reviews.review(project_id, label)
        if not review.frozen:
            continue
        signed = "; ".join(
            f"{PARTY_WORDS[p]} by {review.signed[p].by} on {review.signed[p].at:%Y-%m-%d}" for p in PARTIES
        )
        raise ClosedPeriod(
            f"{label} is signed off by both parties ({signed}) and closed, so {doing} has to wait: reopen "
            f"{label} first with the reason on the Service review page ('Reopen as a new version'). The "
            "reopening goes on record with who and why, the signed version stays as it was; then try again"
        )


def closed_notes(
    store: Store, project_id: int, result: MeasurementFile, period: MeasurementPeriod
) -> list[str]:
    """A note per closed month an imported file has records in (its figures change from the signed ones)."""
    if result.records is None or result.kind is None:
        return []
    labels = list(periods_of(Records(**{result.kind: result.records}), period).values())
    reviews = ReviewStore(store)
    notes = []
    for label in sorted(set(labels)):
        if reviews.review(project_id, label).frozen:
            notes.append(
                f"{result.filename}: {labels.count(label)} record(s) fall in {label}, which both parties signed "
                f"off: its figures now count them and differ from the signed version (kept on record as it was); "
                f"reopen {label} on the Service review page to agree it again"
            )
    return notes
