"""The store's contract SLA schedules: versions of a project's schedule, drafts and confirmed ones.

Same rules as ``slm_psr.store.api``: each change is one transaction that bumps the
project's revision (``expected_revision`` guards against a concurrent change) and
writes an audit row (actions save_contract, confirm_contract). Every version is
history: the database refuses to change or delete one. A draft that changes is
saved as a new version; confirming a draft stores it again as a new, confirmed
version that names the draft it confirms; a confirmed schedule is never changed,
a change to it is a new version (which needs confirming again).

Schedules cross this layer as the JSON dicts of ``slm_psr.model.SLASchedule``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from slm_psr.store import chain
from slm_psr.store.api import NotFound, Store, StoreError, _NoChange, _who
from slm_psr.store.schema import ContractRow
from slm_psr.store.text import clean_name, optional_text

DRAFT, CONFIRMED = "draft", "confirmed"


@dataclass(frozen=True)
class StoredSchedule:
    """One stored version of a project's contract SLA schedule."""

    version: int
    supplier: str
    status: str  # draft or confirmed
    psr_version: int
    schedule: dict[str, Any]
    sha256: str  # over the schedule's canonical JSON
    confirms: int | None
    note: str | None
    saved_at: dt.datetime
    saved_by: str

    @property
    def confirmed(self) -> bool:
        return self.status == CONFIRMED


def canonical(schedule: dict[str, Any]) -> str:
    return json.dumps(schedule, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ContractStore:
    """Contract SLA schedules of the store's projects; wraps a :class:`Store`."""

    def __init__(self, store: Store):
        self.store = store

    def save_contract(
        self,
        project_id: int,
        schedule: dict[str, Any],
        *,
        user: str,
        expected_revision: int,
        confirm: bool = False,
        note: str = "",
    ) -> tuple[int, int]:
        """Store a new version of the schedule (a draft, or confirmed at once); returns (version, revision).

        Saving the same schedule as the latest version of the same status changes nothing.
        """
        supplier = clean_name(str(schedule.get("supplier") or ""))
        if not supplier:
            raise StoreError("a contract schedule names the supplier it was built for; this one names none")
        return self._insert(
            project_id, schedule, CONFIRMED if confirm else DRAFT, None, user, expected_revision, note
        )

    def confirm_contract(
        self, project_id: int, version: int, *, user: str, expected_revision: int, note: str = ""
    ) -> tuple[int, int]:
        """Confirm a stored draft: it is stored again as a new, confirmed version; returns (version, revision)."""
        draft = self.contract(project_id, version)
        if draft.confirmed:
            raise StoreError(
                f"contract schedule version {version} is already confirmed; a confirmed schedule is final"
            )
        return self._insert(project_id, draft.schedule, CONFIRMED, version, user, expected_revision, note)

    def contracts(self, project_id: int) -> list[StoredSchedule]:
        """Every stored version, oldest first."""
        with self.store._reading() as s:
            self.store._project(s, project_id)
            rows = s.scalars(
                select(ContractRow).where(ContractRow.project_id == project_id).order_by(ContractRow.version)
            ).all()
            return [_stored(r) for r in rows]

    def contract(
        self, project_id: int, version: int | None = None, *, confirmed: bool = False
    ) -> StoredSchedule:
        """A version (default the latest; with ``confirmed`` the latest confirmed one); ``NotFound`` if none."""
        versions = self.contracts(project_id)
        if confirmed:
            versions = [v for v in versions if v.confirmed]
        if version is not None:
            versions = [v for v in versions if v.version == version]
        if not versions:
            what = f"version {version}" if version is not None else ("a confirmed" if confirmed else "a")
            raise NotFound(f"project {project_id} has no {what} contract schedule".replace("no a ", "no "))
        return versions[-1]

    def _insert(
        self,
        project_id: int,
        schedule: dict[str, Any],
        status: str,
        confirms: int | None,
        user: str,
        expected_revision: int,
        note: str,
    ) -> tuple[int, int]:
        user = _who(user)
        text = canonical(schedule)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        supplier = clean_name(str(schedule["supplier"]))
        version = 0
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            latest = s.scalar(
                select(ContractRow)
                .where(ContractRow.project_id == project_id)
                .order_by(ContractRow.version.desc())
                .limit(1)
            )
            if latest is not None and latest.sha256 == digest and latest.status == status:
                version = latest.version
                raise _NoChange
            version = (
                s.scalar(select(func.max(ContractRow.version)).where(ContractRow.project_id == project_id))
                or 0
            ) + 1
            contract = ContractRow(
                project_id=project_id,
                version=version,
                supplier=supplier,
                status=status,
                psr_version=int(schedule.get("psr_version") or 0),
                schedule_json=text,
                sha256=digest,
                confirms=confirms,
                note=optional_text(note),
                saved_at=now,
                saved_by=user,
            )
            s.add(contract)
            s.flush()
            chain.link(s, contract)
            action = "confirm_contract" if status == CONFIRMED else "save_contract"
            after = {"version": version, "supplier": supplier, "status": status, "sha256": digest}
            if confirms is not None:
                after["confirms"] = confirms
            before = {"version": latest.version, "status": latest.status} if latest is not None else None
            self.store._audit(
                s, project_id, user, action, f"contract schedule with {supplier}", before, after, now
            )
            return version, row.revision
        return version, expected_revision  # nothing changed (rolled back)


def _stored(row: ContractRow) -> StoredSchedule:
    return StoredSchedule(
        version=row.version,
        supplier=row.supplier,
        status=row.status,
        psr_version=row.psr_version,
        schedule=json.loads(row.schedule_json),
        sha256=row.sha256,
        confirms=row.confirms,
        note=row.note,
        saved_at=row.saved_at,
        saved_by=row.saved_by,
    )
