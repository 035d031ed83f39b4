"""The store's monitoring tables: the monitoring plan, measurement files, corrections, disputes, results.

The contract monitored is the project's confirmed SLA schedule (``slm_psr.store.contracts``).

Same rules as ``slm_psr.store.api``: each change is one transaction that bumps the
project's revision (``expected_revision`` guards against a concurrent change) and
writes an audit row (actions set_monitoring_plan, import_measurements, correct_measurement,
dispute_measurement, settle_dispute). A batch of measurement files is one decision
(``add_measurement_files``): every file stored, or none. Files, corrections and plans are history
(append-only in the database). Period results are derived data: saving them replaces
the previous computation and needs no revision.

Records cross this layer as bytes (the service layer's gzip JSON), so the store keeps
importing only the model.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slm_psr.store import chain, overlap
from slm_psr.store.api import BatchNotStored, NotFound, Store, StoreError, _NoChange, _now, _who
from slm_psr.store.contracts import ContractStore
from slm_psr.store.errors import Conflict, DatabaseFailure
from slm_psr.store.schema import (
    MeasurementCorrectionRow,
    MeasurementDisputeRow,
    MeasurementFileRow,
    MonitoringPlanRow,
    MonitoringResultRow,
)
from slm_psr.store.text import checked_name, clean_text, optional_text

PARTIES = ("buyer", "supplier")
FIGURE = "figure:"  # a dispute's record key for a period's figure: "figure:2027-03:HO-01"


def dispute_target(record: str) -> str:
    """What a dispute is about, for the audit trail: 'the 2027-03 figure of HO-01' or 'measurement <record>'."""
    if record.startswith(FIGURE):
        period, _, level = record.removeprefix(FIGURE).partition(":")
        return f"the {period} figure of {level}"
    return f"measurement {record}"


IMPORTS = frozenset({overlap.MEASUREMENTS})  # imports only add: they merge with any change but another import


@dataclass(frozen=True)
class MonitoredContract:
    """What monitoring measures against: the latest confirmed SLA schedule and the monitoring plan."""

    version: int  # the confirmed schedule's version in the contract store
    supplier: str
    schedule: dict[str, Any]
    plan: dict[str, Any]
    confirmed_at: Any
    confirmed_by: str


@dataclass(frozen=True)
class StoredPlan:
    version: int
    plan: dict[str, Any]
    saved_at: Any
    saved_by: str


@dataclass(frozen=True)
class MeasurementUpload:
    """One measurement file as read, ready to keep: its bytes, the parsed records (or the refusal)."""

    filename: str
    data: bytes
    sha256: str
    kind: str | None
    records: bytes | None
    notes: list[str]
    rejection: str | None

    def cleaned(self) -> MeasurementUpload:
        """The store's text rule on the names and words (the bytes stay as received)."""
        return MeasurementUpload(
            checked_name(self.filename, "measurement file name", limit=None), bytes(self.data), self.sha256,
            self.kind, self.records, [clean_text(n) for n in self.notes], optional_text(self.rejection),
        )  # fmt: skip


@dataclass(frozen=True)
class StoredMeasurementFile:
    id: int
    filename: str
    sha256: str
    size: int
    kind: str | None
    records: bytes | None
    notes: list[str]
    rejection: str | None
    uploaded_at: Any
    uploaded_by: str


class MonitoringStore:
    """Monitoring data of the store's projects; wraps a :class:`Store`."""

    def __init__(self, store: Store):
        self.store = store

    # --- the contract monitored -----------------------------------------------------------------

    def contract(self, project_id: int) -> MonitoredContract | None:
        """The latest confirmed schedule with the latest monitoring plan; None before a confirmation."""
        confirmed = [c for c in ContractStore(self.store).contracts(project_id) if c.confirmed]
        if not confirmed:
            return None
        latest, plan = confirmed[-1], self.plan(project_id)
        return MonitoredContract(
            latest.version, latest.supplier, latest.schedule, plan.plan if plan else {}, latest.saved_at,
            latest.saved_by,
        )  # fmt: skip

    # --- the monitoring plan -------------------------------------------------------------------

    def save_plan(self, project_id: int, plan: dict[str, Any], *, user: str, expected_revision: int) -> int:
        """Store a new version of the monitoring plan (unless unchanged); returns the new revision."""
        user = _who(user)
        text = json.dumps(plan, sort_keys=True, ensure_ascii=False)
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            latest = s.scalar(
                select(MonitoringPlanRow)
                .where(MonitoringPlanRow.project_id == project_id)
                .order_by(MonitoringPlanRow.version.desc())
                .limit(1)
            )
            if latest is not None and latest.plan_json == text:
                raise _NoChange
            version = (latest.version if latest else 0) + 1
            saved = MonitoringPlanRow(
                project_id=project_id, version=version, plan_json=text, saved_at=now, saved_by=user
            )
            s.add(saved)
            s.flush()
            chain.link(s, saved)
            before = json.loads(latest.plan_json) if latest else None
            self.store._audit(
                s, project_id, user, "set_monitoring_plan", "monitoring plan", before, plan, now
            )
            return row.revision
        return expected_revision

    def plan(self, project_id: int) -> StoredPlan | None:
        """The latest monitoring plan, or None."""
        with self.store._reading() as s:
            self.store._project(s, project_id)
            row = s.scalar(
                select(MonitoringPlanRow)
                .where(MonitoringPlanRow.project_id == project_id)
                .order_by(MonitoringPlanRow.version.desc())
                .limit(1)
            )
            if row is None:
                return None
            return StoredPlan(row.version, json.loads(row.plan_json), row.saved_at, row.saved_by)

    # --- measurement files ------------------------------------------------------------------

    def add_measurement_file(
        self,
        project_id: int,
        filename: str,
        data: bytes,
        sha256: str,
        *,
        kind: str | None,
        records: bytes | None,
        notes: list[str],
        rejection: str | None,
        user: str,
        expected_revision: int,
    ) -> int:
        """Keep an imported file (read or refused) with its parsed records; returns the new revision.

        The same bytes imported twice are refused: their records would count twice.
        """
        upload = MeasurementUpload(filename, data, sha256, kind, records, notes, rejection)
        revision, (duplicate,) = self.add_measurement_files(
            project_id, [upload], user=user, expected_revision=expected_revision, attempts=1
        )
        if duplicate is not None:
            raise StoreError(duplicate)
        return revision

    def add_measurement_files(
        self,
        project_id: int,
        uploads: Sequence[MeasurementUpload],
        *,
        user: str,
        expected_revision: int,
        attempts: int = 8,
    ) -> tuple[int, list[str | None]]:
        """Keep a batch of imported files as one decision: every file, or none (``BatchNotStored``).

        A file whose bytes were imported before (or earlier in the batch) is not stored
        again, its records would count twice: its place in the returned list says so;
        the others are stored. Imports only add, so a batch goes in over any change since
        ``expected_revision`` but another import, and then it is tried again on the new
        revision, up to ``attempts`` times. Returns (new revision, per file None or why it
        was not stored).
        """
        user = _who(user)
        if not uploads:
            raise ValueError("the batch has no files")
        cleaned = [u.cleaned() for u in uploads]
        names = [u.filename for u in cleaned]
        revision = expected_revision
        for attempt in range(1, attempts + 1):
            try:
                return self._insert_files(project_id, cleaned, user, revision)
            except Conflict as exc:
                revision = exc.current_revision
                if attempt == attempts:
                    if attempts == 1:
                        raise
                    reason = f"the project kept changing while they were saved ({attempts} tries); try again"
                    raise BatchNotStored(names, reason) from exc
            except DatabaseFailure as exc:
                if exc.kind != "locked" or attempt == attempts:
                    raise BatchNotStored(names, str(exc)) from exc
            except StoreError as exc:
                raise BatchNotStored(names, str(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_files(
        self, project_id: int, uploads: list[MeasurementUpload], user: str, expected_revision: int
    ) -> tuple[int, list[str | None]]:
        skipped: list[str | None] = []
        with self.store._change(project_id, user, expected_revision, IMPORTS) as (s, row, now):
            earlier = dict(
                s.execute(
                    select(MeasurementFileRow.sha256, MeasurementFileRow.filename).where(
                        MeasurementFileRow.project_id == project_id, MeasurementFileRow.rejection.is_(None)
                    )
                ).all()
            )
            for upload in uploads:
                if upload.rejection is None and upload.sha256 in earlier:
                    skipped.append(
                        f"{upload.filename} was already imported (as {earlier[upload.sha256]}, the same "
                        "bytes); not imported again"
                    )
                    continue
                skipped.append(None)
                if upload.rejection is None:
                    earlier[upload.sha256] = upload.filename
                self._insert_file(s, project_id, upload, user, now)
            if all(skipped):
                raise _NoChange
            return row.revision, skipped
        return expected_revision, skipped  # every file was a repeat: nothing stored

    def _insert_file(
        self, s: Session, project_id: int, upload: MeasurementUpload, user: str, now: dt.datetime
    ) -> None:
        stored = MeasurementFileRow(
            project_id=project_id, filename=upload.filename, sha256=upload.sha256, size=len(upload.data),
            kind=upload.kind, data=upload.data, records=upload.records,
            notes_json=json.dumps(upload.notes, ensure_ascii=False), rejection=upload.rejection,
            uploaded_at=now, uploaded_by=user,
        )  # fmt: skip
        s.add(stored)
        s.flush()
        chain.link(s, stored)
        summary = {
            "file": upload.filename,
            "sha256": upload.sha256,
            "kind": upload.kind,
            "refused": upload.rejection,
        }
        self.store._audit(
            s, project_id, user, "import_measurements", f"measurements {upload.filename}", None, summary, now
        )

    def measurement_files(self, project_id: int, *, with_records: bool = True) -> list[StoredMeasurementFile]:
        """Every imported file, oldest first."""
        with self.store._reading() as s:
            self.store._project(s, project_id)
            rows = s.scalars(
                select(MeasurementFileRow)
                .where(MeasurementFileRow.project_id == project_id)
                .order_by(MeasurementFileRow.id)
            ).all()
            return [
                StoredMeasurementFile(
                    r.id, r.filename, r.sha256, r.size, r.kind, r.records if with_records else None,
                    json.loads(r.notes_json), r.rejection, r.uploaded_at, r.uploaded_by,
                )
                for r in rows
            ]  # fmt: skip

    def measurement_bytes(self, project_id: int, file_id: int) -> bytes:
        with self.store._reading() as s:
            row = s.get(MeasurementFileRow, file_id)
            if row is None or row.project_id != project_id:
                raise NotFound(f"project {project_id} has no measurement file with ID {file_id}")
            return row.data

    # --- corrections and disputes -------------------------------------------------------------

    def correct(
        self,
        project_id: int,
        record: str,
        field: str,
        before: str | None,
        after: str | None,
        reason: str,
        *,
        user: str,
        expected_revision: int,
    ) -> int:
        """Correct one field of one record; the reason is required. Returns the new revision."""
        user, reason = _who(user), optional_text(reason) or ""
        record, field = _key(record, "measurement record"), _key(field, "field")
        before, after = _value(before), _value(after)
        if not reason:
            raise ValueError(f"correcting {field} of record {record} needs a reason")
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            if before == after:
                raise _NoChange
            correction = MeasurementCorrectionRow(
                project_id=project_id, record=record, field=field, before=before, after=after,
                reason=reason, at=now, who=user,
            )  # fmt: skip
            s.add(correction)
            s.flush()
            chain.link(s, correction)
            self.store._audit(
                s, project_id, user, "correct_measurement", f"measurement {record} {field}",
                {field: before}, {field: after, "reason": reason}, now,
            )  # fmt: skip
            return row.revision
        return expected_revision

    def corrections(self, project_id: int) -> list[dict[str, Any]]:
        """Every correction, oldest first (a later one of the same field wins)."""
        with self.store._reading() as s:
            rows = s.scalars(
                select(MeasurementCorrectionRow)
                .where(MeasurementCorrectionRow.project_id == project_id)
                .order_by(MeasurementCorrectionRow.id)
            ).all()
            return [
                {"record": r.record, "field": r.field, "before": r.before, "after": r.after, "reason": r.reason,
                 "at": r.at, "who": r.who}
                for r in rows
            ]  # fmt: skip

    def dispute(
        self, project_id: int, record: str, party: str, reason: str, *, user: str, expected_revision: int
    ) -> int:
        """Mark a record disputed by ``party`` (buyer or supplier); returns the new revision."""
        user, reason = _who(user), optional_text(reason) or ""
        record = _key(record, "measurement record")
        if party not in PARTIES:
            raise ValueError(f"a dispute is raised by the buyer or the supplier, not '{party}'")
        if not reason:
            what = dispute_target(record).removeprefix("measurement ")
            raise ValueError(
                f"disputing {what if record.startswith(FIGURE) else 'record ' + record} needs a reason"
            )
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            raised = MeasurementDisputeRow(
                project_id=project_id,
                record=record,
                party=party,
                reason=reason,
                opened_at=now,
                opened_by=user,
            )
            s.add(raised)
            s.flush()
            chain.link(s, raised)
            self.store._audit(
                s, project_id, user, "dispute_measurement", dispute_target(record), None,
                {"party": party, "reason": reason}, now,
            )  # fmt: skip
            return row.revision

    def settle_dispute(
        self, project_id: int, dispute_id: int, resolution: str, *, user: str, expected_revision: int
    ) -> int:
        """Close a dispute with its resolution (a correction, if any, is made separately)."""
        user, resolution = _who(user), optional_text(resolution) or ""
        if not resolution:
            raise ValueError("settling a dispute needs the resolution in words")
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            dispute = s.get(MeasurementDisputeRow, dispute_id)
            if dispute is None or dispute.project_id != project_id:
                raise NotFound(f"project '{row.name}' has no dispute with ID {dispute_id}")
            if dispute.resolved_at is not None:
                raise StoreError(
                    f"the dispute on {dispute_target(dispute.record)} was already settled by {dispute.resolved_by}"
                )
            dispute.resolved_at, dispute.resolved_by, dispute.resolution = now, user, resolution
            self.store._audit(
                s, project_id, user, "settle_dispute", dispute_target(dispute.record),
                {"party": dispute.party, "reason": dispute.reason}, {"dispute": dispute.id, "resolution": resolution}, now,
            )  # fmt: skip
            return row.revision

    def disputes(self, project_id: int, *, open_only: bool = False) -> list[dict[str, Any]]:
        with self.store._reading() as s:
            query = select(MeasurementDisputeRow).where(MeasurementDisputeRow.project_id == project_id)
            if open_only:
                query = query.where(MeasurementDisputeRow.resolved_at.is_(None))
            rows = s.scalars(query.order_by(MeasurementDisputeRow.id)).all()
            return [
                {"id": r.id, "record": r.record, "party": r.party, "reason": r.reason, "opened_at": r.opened_at,
                 "opened_by": r.opened_by, "resolved_at": r.resolved_at, "resolved_by": r.resolved_by,
                 "resolution": r.resolution}
                for r in rows
            ]  # fmt: skip

    # --- results ---------------------------------------------------------------------------------

    def save_results(
        self,
        project_id: int,
        contract_version: int,
        rows: list[tuple[str, str, dict[str, Any]]],
        *,
        user: str,
    ) -> None:
        """Replace the stored results of the periods in ``rows`` ((period, level, result) each)."""
        user = _who(user)
        now = _now()
        periods = sorted({period for period, _, _ in rows})
        with self.store._writing() as s:
            self.store._project(s, project_id)
            s.execute(
                delete(MonitoringResultRow).where(
                    MonitoringResultRow.project_id == project_id, MonitoringResultRow.period.in_(periods)
                )
            )
            s.add_all(
                MonitoringResultRow(
                    project_id=project_id, contract_version=contract_version, period=period, level=level,
                    result_json=json.dumps(result, sort_keys=True, ensure_ascii=False, default=str),
                    computed_at=now, computed_by=user,
                )
                for period, level, result in rows
            )  # fmt: skip

    def results(self, project_id: int) -> list[dict[str, Any]]:
        """The stored results, by period and level."""
        with self.store._reading() as s:
            rows = s.scalars(
                select(MonitoringResultRow)
                .where(MonitoringResultRow.project_id == project_id)
                .order_by(MonitoringResultRow.period, MonitoringResultRow.level)
            ).all()
            return [
                {"period": r.period, "level": r.level, "contract_version": r.contract_version,
                 "computed_at": r.computed_at, "computed_by": r.computed_by} | json.loads(r.result_json)
                for r in rows
            ]  # fmt: skip


def _key(value: object, what: str) -> str:
    """A record ID or field name as stored: the store's name rule (one clean line)."""
    return checked_name(str(value) if value is not None else "", what, limit=None)


def _value(value: str | None) -> str | None:
    """A corrected value as stored: the store's text rule (no control characters, NFC)."""
    return None if value is None else clean_text(str(value))
