"""Disputes after the award: either party disputes a period's figure or one measurement record, with why;
the dispute is settled later in words. Every step is audited with who did it.

Shared by the Service review page, the CLI (``monitor --dispute-figure``,
``--dispute``, ``--settle-dispute``) and a notebook::

    from slm_psr.service import disputes
    d = disputes.dispute_figure(store, pid, "2027-09", "HO-01", "supplier", "our probe saw 5 minutes", user="N. Supplier")
    disputes.settle(store, pid, d, "agreed: 60 minutes stand (the customer's monitoring is the reference)", user="A. Buyer")

A disputed figure still counts as computed (credits are not held back); the report
marks it, so both parties see which numbers are open. A settled dispute stays on
record with its resolution; a correction of the figure is a separate, reasoned
correction of the measurement (``monitor.correct_measurement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slm_psr.engine.periods import by_labels
from slm_psr.service.closed import refuse_if_closed
from slm_psr.service.monitor import MonitoringError, contract_in_force, load_records
from slm_psr.service.period_records import periods_of
from slm_psr.store import Store
from slm_psr.store.monitoring import FIGURE, PARTIES, MonitoringStore, dispute_target

PARTY_WORDS = {"buyer": "the customer", "supplier": "the supplier"}


@dataclass(frozen=True)
class Dispute:
    """One dispute as the pages and the CLI show it."""

    id: int
    what: str  # 'the 2027-09 figure of HO-01' or 'measurement 3f2a...:14'
    record: str
    period: str | None  # the period it is about (a record's: the period its start or opening falls in)
    level: str | None  # a figure's service level
    party: str
    reason: str
    opened_by: str
    opened_at: Any
    resolution: str | None
    settled_by: str | None
    settled_at: Any

    @property
    def open(self) -> bool:
        return self.resolution is None

    def describe(self) -> str:
        """'#3 the 2027-09 figure of HO-01, disputed by the supplier (N. Supplier): our probe saw 5 minutes; open'."""
        state = f"settled by {self.settled_by}: {self.resolution}" if not self.open else "open"
        return (
            f"#{self.id} {self.what}, disputed by {PARTY_WORDS.get(self.party, self.party)} "
            f"({self.opened_by}): {self.reason}; {state}"
        )


def figure_record(period: str, level: str) -> str:
    """The key a period's figure is disputed under."""
    return f"{FIGURE}{period}:{level}"


def _party(party: str) -> str:
    if party not in PARTIES:
        raise MonitoringError(f"a dispute is raised by the buyer or the supplier, not '{party}'")
    return party


def dispute_figure(
    store: Store, project_id: int, period: str, level: str, party: str, reason: str, *, user: str
) -> int:
    """Dispute the figure of ``level`` in ``period``; returns the dispute's ID."""
    _, schedule, _ = contract_in_force(store, project_id)
    levels = [lv.requirement_id for lv in schedule.levels]
    if level not in levels:
        raise MonitoringError(f"the contract has no service level '{level}'; its levels: {', '.join(levels)}")
    try:
        by_labels(schedule.period, [period])
    except ValueError as exc:
        raise MonitoringError(str(exc)) from None
    party = _party(party)
    refuse_if_closed(store, project_id, [period], f"disputing the {period} figure of {level}")
    return _open(store, project_id, figure_record(period, level), party, reason, user)


def dispute_record(store: Store, project_id: int, record: str, party: str, reason: str, *, user: str) -> int:
    """Dispute one measurement record (an outage, a ticket, a measured value); returns the dispute's ID."""
    _, schedule, _ = contract_in_force(store, project_id)
    records, _ = load_records(store, project_id, schedule.period.time_zone)
    known = [f for f in (records.outages, records.tickets, records.values) if not f.empty]
    if not any((f["record"] == record).any() for f in known):
        raise MonitoringError(
            f"no measurement record '{record}': records are named by file and row, e.g. "
            f"{known[0]['record'].iloc[0] if known else '3f2a9c01b7de:5'} (see the report's JSON or the Monitoring page)"
        )
    party = _party(party)
    refuse_if_closed(
        store, project_id, record_periods(store, project_id, [record]).values(), f"disputing record {record}"
    )
    return _open(store, project_id, record, party, reason, user)


def _open(store: Store, project_id: int, record: str, party: str, reason: str, user: str) -> int:
    ms = MonitoringStore(store)
    ms.dispute(
        project_id, record, party, reason, user=user, expected_revision=store.project(project_id).revision
    )
    return max(d["id"] for d in ms.disputes(project_id) if d["record"] == record)


def settle(store: Store, project_id: int, dispute_id: int, resolution: str, *, user: str) -> None:
    """Settle a dispute with its resolution in words (who settled it goes on record)."""
    MonitoringStore(store).settle_dispute(
        project_id, dispute_id, resolution, user=user, expected_revision=store.project(project_id).revision
    )


def disputes(
    store: Store, project_id: int, *, period: str | None = None, open_only: bool = False
) -> list[Dispute]:
    """Every dispute (oldest first), or those about ``period``; a record's period is the one it starts in."""
    rows = MonitoringStore(store).disputes(project_id, open_only=open_only)
    periods = record_periods(
        store, project_id, [r["record"] for r in rows if not r["record"].startswith(FIGURE)]
    )
    out = []
    for r in rows:
        record = r["record"]
        if record.startswith(FIGURE):
            label, _, level = record.removeprefix(FIGURE).partition(":")
        else:
            label, level = periods.get(record), None
        if period is not None and label != period:
            continue
        out.append(
            Dispute(
                r["id"], dispute_target(record), record, label, level, r["party"], r["reason"], r["opened_by"],
                r["opened_at"], r["resolution"], r["resolved_by"], r["resolved_at"],
            )
        )  # fmt: skip
    return out


def record_periods(store: Store, project_id: int, records: list[str]) -> dict[str, str]:
    """The period each disputed record falls in (by its start, opening or measured period)."""
    if not records:
        return {}
    _, schedule, _ = contract_in_force(store, project_id)
    loaded, _ = load_records(store, project_id, schedule.period.time_zone)
    return periods_of(loaded, schedule.period, records)


def open_figures(store: Store, project_id: int) -> dict[tuple[str, str], list[str]]:
    """Open figure disputes by (period, level), each in words: 'disputed by the supplier: ...'."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in MonitoringStore(store).disputes(project_id, open_only=True):
        if r["record"].startswith(FIGURE):
            label, _, level = r["record"].removeprefix(FIGURE).partition(":")
            out.setdefault((label, level), []).append(
                f"disputed by {PARTY_WORDS.get(r['party'], r['party'])} ({r['opened_by']}): {r['reason']}"
            )
    return out
