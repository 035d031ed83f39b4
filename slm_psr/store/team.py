"""The store's accounts (users, the account trail) and each project's team records.

Accounts belong to the whole store: ``users`` is changed in place (role, password,
active), and every change, sign-in, failed sign-in and sign-out is an
``account_events`` row whose ``chain_hash`` covers the row and the hash before it
(the account trail belongs to no project, so it has its own chain; ``verify_accounts``
checks it). Passwords arrive here already hashed: hashing is the service's job.

Team records are per project and history (append-only, on the project's hash
chain): a declaration of interest, an assignment of criteria, a submission of
scores, the closing of scoring, a moderated score, the freeze of the quality
scores and the opening of the price envelope. Each is written in one change with
an audit row, like every other project change (``Store._change``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from slm_psr.store import chain
from slm_psr.store.api import Store, _now, _who
from slm_psr.store.errors import NotFound, StoreError
from slm_psr.store.schema import AccountEventRow, ProjectRoleRow, TeamRecordRow, UserRow
from slm_psr.store.text import checked_name, clean_text, name_key

ROLES = ("lead", "evaluator", "observer", "admin")
# What an account may be on one project: a project role, no access, or back to its store-wide role.
PROJECT_ROLES = ("lead", "evaluator", "observer", "none", "default")
ACCOUNT_LOCK = 0x5EA1ED  # the advisory lock that keeps the account trail's chain in one line
TEAM_KINDS = (
    "declaration",
    "assignment",
    "justification",
    "submission",
    "close_scoring",
    "moderation",
    "freeze",
    "open_envelope",
)

chain.register(
    TeamRecordRow,
    describe=lambda r: f"team record {r['id']} ({r['kind']} {r['subject']}, by {r['by']})",
)
chain.register(
    ProjectRoleRow,
    describe=lambda r: f"project role {r['id']} ({r['name']}: {r['role']}, set by {r['by']})",
)


@dataclass(frozen=True)
class User:
    """An account as the store hands it out (the password hash stays inside ``password_hash``)."""

    id: int
    name: str
    role: str
    active: bool
    password_hash: str
    created_at: dt.datetime
    created_by: str
    changed_at: dt.datetime
    changed_by: str


@dataclass(frozen=True)
class AccountEvent:
    id: int
    at: dt.datetime
    name: str
    action: str  # user_added, role_set, password_set, deactivated, login, login_failed, logout
    detail: str | None
    by: str


@dataclass(frozen=True)
class TeamRecord:
    id: int
    kind: str
    subject: str
    data: dict[str, Any]
    at: dt.datetime
    by: str


def _user(row: UserRow) -> User:
    return User(
        row.id,
        row.name,
        row.role,
        row.active,
        row.password_hash,
        row.created_at,
        row.created_by,
        row.changed_at,
        row.changed_by,
    )


def _event_hash(previous: str, row: AccountEventRow) -> str:
    values = {"at": row.at, "name": row.name, "action": row.action, "detail": row.detail, "by": row.by}
    return hashlib.sha256(f"{previous}\n{chain.digest(values)}".encode()).hexdigest()


class TeamStore:
    """Accounts and team records over a :class:`Store` (its engine, revision guard and audit trail)."""

    def __init__(self, store: Store):
        self.store = store

    # --- accounts -----------------------------------------------------------------

    def has_users(self) -> bool:
        """True once any account exists: the app then asks everyone to sign in."""
        with self.store._reading() as s:
            return bool(s.scalar(select(func.count()).select_from(UserRow)))

    def users(self) -> list[User]:
        with self.store._reading() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name_key))]

    def user(self, name: str) -> User:
        """The account called ``name`` (compared as project names are: case and spacing aside)."""
        with self.store._reading() as s:
            row = s.scalar(select(UserRow).where(UserRow.name_key == name_key(name or "")))
            if row is None:
                raise NotFound(f"there is no account called '{clean_text(name or '')}'")
            return _user(row)

    def add_user(self, name: str, role: str, password_hash: str, *, by: str) -> User:
        name, by = checked_name(name, "account name"), _who(by)
        _check_role(role)
        now = _now()
        with self.store._writing(duplicate=f"there is already an account called '{name}'") as s:
            if s.scalar(select(UserRow.id).where(UserRow.name_key == name_key(name))) is not None:
                raise StoreError(f"there is already an account called '{name}'")
            row = UserRow(
                name=name,
                name_key=name_key(name),
                role=role,
                password_hash=password_hash,
                active=True,
                created_at=now,
                created_by=by,
                changed_at=now,
                changed_by=by,
            )
            s.add(row)
            s.flush()
            self._event(
                s, name, "user_added", f"role {role}; password {_fingerprint(password_hash)}", by, now
            )
            return _user(row)

    def set_password(self, name: str, password_hash: str, *, by: str) -> None:
        detail = f"password {_fingerprint(password_hash)}"
        self._update(name, by, "password_set", detail, password_hash=password_hash)

    def set_role(self, name: str, role: str, *, by: str) -> None:
        _check_role(role)
        self._update(name, by, "role_set", f"role {role}", role=role)

    def set_active(self, name: str, active: bool, *, by: str) -> None:
        self._update(name, by, "activated" if active else "deactivated", None, active=active)

    def _update(self, name: str, by: str, action: str, detail: str | None, **values: Any) -> None:
        by, now = _who(by), _now()
        with self.store._writing() as s:
            row = s.scalar(select(UserRow).where(UserRow.name_key == name_key(name or "")))
            if row is None:
                raise NotFound(f"there is no account called '{clean_text(name or '')}'")
            for key, value in values.items():
                setattr(row, key, value)
            row.changed_at, row.changed_by = now, by
            self._event(s, row.name, action, detail, by, now)

    def record_event(self, name: str, action: str, detail: str | None = None) -> None:
        """A sign-in, failed sign-in or sign-out of ``name`` (recorded by the one it concerns)."""
        name = clean_text(name or "")[:200] or "(no name given)"
        with self.store._writing() as s:
            self._event(s, name, action, detail, name, _now())

    def failures_since(self, name: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Failed sign-ins of ``name`` after its last sign-in and after ``since``; the latest one's time."""
        key = clean_text(name or "")[:200]
        with self.store._reading() as s:
            last_ok = s.scalar(
                select(func.max(AccountEventRow.id)).where(
                    AccountEventRow.name == key, AccountEventRow.action == "login"
                )
            )
            query = select(func.count(), func.max(AccountEventRow.at)).where(
                AccountEventRow.name == key,
                AccountEventRow.action == "login_failed",
                AccountEventRow.at >= since,
                AccountEventRow.id > (last_ok or 0),
            )
            count, latest = s.execute(query).one()
        return int(count or 0), latest

    def account_events(self, name: str | None = None) -> list[AccountEvent]:
        with self.store._reading() as s:
            query = select(AccountEventRow).order_by(AccountEventRow.id)
            if name is not None:
                query = query.where(AccountEventRow.name == name)
            return [AccountEvent(r.id, r.at, r.name, r.action, r.detail, r.by) for r in s.scalars(query)]

    def verify_accounts(self) -> list[str]:
        """Every place where the account trail differs from what was written, in words (empty: intact).

        The trail's chain, then each account replayed from it: the role, whether it is
        switched on and (for changes recorded since fingerprints) the password hash must be
        what the trail says they became; an account changed in SQL shows here.
        """
        breaks, previous = [], ""
        with self.store._reading() as s:
            events = list(s.scalars(select(AccountEventRow).order_by(AccountEventRow.id)))
            for row in events:
                if row.chain_hash != _event_hash(previous, row):
                    breaks.append(
                        f"account event {row.id} ({row.action} {row.name}) was altered or one before it deleted"
                    )
                previous = row.chain_hash
            users = s.scalars(select(UserRow).order_by(UserRow.name_key))
            return breaks + [line for user in users for line in _replayed(user, events)]

    def account_breaks(self, name: str) -> list[str]:
        """Where the account ``name`` differs from its trail (see ``verify_accounts``); checked at each sign-in."""
        with self.store._reading() as s:
            user = s.scalar(select(UserRow).where(UserRow.name_key == name_key(name or "")))
            if user is None:
                return []
            query = (
                select(AccountEventRow).where(AccountEventRow.name == user.name).order_by(AccountEventRow.id)
            )
            return _replayed(user, list(s.scalars(query)))

    def _event(self, s: Any, name: str, action: str, detail: str | None, by: str, now: dt.datetime) -> None:
        if s.bind.dialect.name == "postgresql":  # one writer at a time, so the trail stays one line
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCOUNT_LOCK})
        previous = s.scalar(select(AccountEventRow.chain_hash).order_by(AccountEventRow.id.desc()).limit(1))
        row = AccountEventRow(at=now, name=name, action=action, detail=detail, by=by, chain_hash="")
        # Hash what a reload gives back (UTC, microseconds), so verify recomputes the same.
        row.chain_hash = _event_hash(previous or "", row)
        s.add(row)
        s.flush()

    # --- roles per project ------------------------------------------------------------

    def project_roles(self, project_id: int | None = None) -> dict[tuple[int, str], str]:
        """(project, account name) -> the role set there last (``default`` rows left out).

        ``project_id`` None: every project's, for listing the projects an account may open.
        """
        with self.store._reading() as s:
            query = select(ProjectRoleRow.project_id, ProjectRoleRow.name, ProjectRoleRow.role).order_by(
                ProjectRoleRow.id
            )
            if project_id is not None:
                query = query.where(ProjectRoleRow.project_id == project_id)
            latest = {(p, name): role for p, name, role in s.execute(query)}
        return {key: role for key, role in latest.items() if role != "default"}

    def set_project_role(
        self, project_id: int, name: str, role: str, *, by: str, expected_revision: int
    ) -> int:
        """``name``'s role on one project (see ``PROJECT_ROLES``), audited and chained; the new revision.

        An administrator's role is the same on every project, so it is never set here.
        """
        if role not in PROJECT_ROLES:
            raise ValueError(f"a role on a project is one of {', '.join(PROJECT_ROLES)}, not '{role}'")
        user, by = self.user(name), _who(by)
        if user.role == "admin":
            raise ValueError(
                f"{user.name} is an administrator: that role is the same on every project (change it with "
                "`users role` without --project)"
            )
        with self.store._change(project_id, by, expected_revision) as (s, row, now):
            record = ProjectRoleRow(project_id=project_id, name=user.name, role=role, at=now, by=by)
            s.add(record)
            s.flush()
            chain.link(s, record)
            self.store._audit(
                s, project_id, by, "team_role", f"role of {user.name} on this project", None,
                {"account": user.name, "role": role}, now,
            )  # fmt: skip
            self._event(s, user.name, "project_role_set", f"{role} on project {project_id}", by, now)
            return row.revision
        raise AssertionError("unreachable")  # pragma: no cover

    # --- team records of a project -------------------------------------------------

    def records(self, project_id: int) -> list[TeamRecord]:
        with self.store._reading() as s:
            rows = s.scalars(
                select(TeamRecordRow).where(TeamRecordRow.project_id == project_id).order_by(TeamRecordRow.id)
            )
            return [TeamRecord(r.id, r.kind, r.subject, json.loads(r.data_json), r.at, r.by) for r in rows]

    def add_record(
        self,
        project_id: int,
        kind: str,
        subject: str,
        data: dict[str, Any],
        *,
        target: str,
        user: str,
        expected_revision: int,
    ) -> int:
        """One team record with its audit row (action ``team_<kind>``); returns the new revision."""
        if kind not in TEAM_KINDS:
            raise ValueError(f"a team record is one of {', '.join(TEAM_KINDS)}, not '{kind}'")
        user = _who(user)
        data_json = json.dumps(data, sort_keys=True, ensure_ascii=False)
        with self.store._change(project_id, user, expected_revision) as (s, row, now):
            record = TeamRecordRow(
                project_id=project_id, kind=kind, subject=subject, data_json=data_json, at=now, by=user
            )
            s.add(record)
            s.flush()
            chain.link(s, record)
            self.store._audit(s, project_id, user, f"team_{kind}", target, None, data, now)
            return row.revision
        raise AssertionError("unreachable")  # pragma: no cover


def _fingerprint(password_hash: str) -> str:
    """A short SHA-256 of the stored hash: on the trail, so a hash swapped in SQL shows (it reveals nothing)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


_ROLE_IN = re.compile(r"\brole (\w+)")
_PASSWORD_IN = re.compile(r"\bpassword ([0-9a-f]{16})\b")


def _replayed(user: UserRow, events: list[AccountEventRow]) -> list[str]:
    """How ``user``'s row differs from what its account events say it became (empty: as recorded)."""
    role = active = fingerprint = None
    for e in events:
        if e.name != user.name:
            continue
        if e.action in ("user_added", "role_set") and (found := _ROLE_IN.search(e.detail or "")):
            role = found.group(1)
        if e.action in ("user_added", "password_set"):
            found = _PASSWORD_IN.search(e.detail or "")
            fingerprint = found.group(1) if found else None  # a change recorded before fingerprints
        if e.action in ("user_added", "activated", "deactivated"):
            active = e.action != "deactivated"
    if role is None:
        return [
            f"account {user.name} has no 'added' entry on the account trail: it was added outside slm-psr"
        ]
    breaks = []
    if user.role != role:
        breaks.append(
            f"account {user.name} is {user.role} but the account trail says {role}: changed outside slm-psr"
        )
    if user.active != active:
        breaks.append(f"account {user.name} was switched {'on' if user.active else 'off'} outside slm-psr")
    if fingerprint is not None and _fingerprint(user.password_hash) != fingerprint:
        breaks.append(f"account {user.name}'s password was replaced outside slm-psr")
    return breaks


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"a role is one of {', '.join(ROLES)}, not '{role}'")
