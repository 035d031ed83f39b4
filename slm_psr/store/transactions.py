"""The store's connection and transactions: opening, one write per change with its revision guard, audit rows."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from slm_psr.model import PSR
from slm_psr.psr_file import content_hash, dumps_psr, loads_psr
from slm_psr.store import chain, overlap
from slm_psr.store.database import WRITE, make_engine, upgrade
from slm_psr.store.errors import Archived, Conflict, NotFound, StoreError, explain
from slm_psr.store.records import ProjectInfo
from slm_psr.store.schema import AuditRow, ProjectRow, PSRVersionRow, ResponseRow
from slm_psr.store.text import checked_name, clean_name, clean_text, name_key, optional_text

DATABASE_URL_ENV = "SLM_PSR_DATABASE_URL"
# The embedded default: a SQLite file in var/ next to the package (var/ is git-ignored).
DATA_DIR = Path(__file__).resolve().parents[2] / "var"
DEFAULT_FILENAME = "slm_psr.sqlite3"


class _NoChange(Exception):
    """Raised inside ``Store._change`` to roll back a save that would change nothing."""


# --- opening ------------------------------------------------------------------------


def default_database_url() -> str:
    """``SLM_PSR_DATABASE_URL`` if set, else the SQLite file in the data folder."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or f"sqlite:///{DATA_DIR / DEFAULT_FILENAME}"


class StoreBase:
    """The connection and the transactions every part of ``Store`` runs in: revision guard, audit rows."""

    def __init__(self, engine: Engine):
        """Wrap an engine whose database is already migrated; use ``Store.open`` normally."""
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        # A load reads several tables: on PostgreSQL they must come from one snapshot.
        postgres = engine.dialect.name == "postgresql"
        self._reader = engine.execution_options(isolation_level="REPEATABLE READ") if postgres else engine

    @classmethod
    def open(cls, url: str | None = None, *, app_role: str | None = None) -> Self:
        """Connect (None: ``SLM_PSR_DATABASE_URL``, else ``var/slm_psr.sqlite3``) and migrate.

        ``app_role`` (PostgreSQL, run as the migration role): also grant that role the
        app's rights, read and insert only on history (see ``database.grant``).
        """
        engine = make_engine(url or default_database_url())
        try:
            upgrade(engine, app_role=app_role)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # --- internals --------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with Session(self._reader) as session, session.begin():
                yield session
        except DBAPIError as exc:
            raise explain(exc, self.engine.url) from exc

    @contextmanager
    def _writing(self, *, duplicate: str | None = None) -> Iterator[Session]:
        """One write transaction; a database failure comes out as ``DatabaseFailure`` in words.

        ``duplicate``: the message for a lost race on a unique name (IntegrityError).
        """
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                yield session
        except IntegrityError as exc:
            if duplicate is None:
                raise explain(exc, self.engine.url) from exc
            raise StoreError(duplicate) from None
        except DBAPIError as exc:
            raise explain(exc, self.engine.url) from exc

    @contextmanager
    def _change(
        self, project_id: int, user: str, expected_revision: int, touches: frozenset[str] | None = None
    ) -> Iterator[tuple[Session, ProjectRow, dt.datetime]]:
        """One change to a project: take its row lock, check and bump its revision, then the caller's writes.

        The lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock is taken
        at BEGIN) comes before anything is read, so a concurrent save of the same
        project waits and then sees the other's revision. A save made on an older
        revision goes in when none of the changes since touched what it ``touches``
        (``overlap``); without ``touches`` any change since is a ``Conflict``.
        A body that finds nothing to change raises ``_NoChange`` to roll back.
        """
        if isinstance(expected_revision, bool) or not isinstance(expected_revision, int):
            raise ValueError(
                f"expected_revision must be the int revision from load(), got {expected_revision!r}"
            )
        now = _now()
        try:
            with self._writing() as s:
                row = s.scalar(
                    select(ProjectRow)
                    .where(ProjectRow.id == project_id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
                if row is None:
                    raise NotFound(f"there is no project with ID {project_id}")
                if row.revision != expected_revision and not self._merges(s, row, expected_revision, touches):
                    raise Conflict(
                        row.id, row.name, expected_revision, row.revision, row.updated_by, row.updated_at
                    )
                if row.archived:
                    raise Archived(f"project '{row.name}' is archived; restore it before changing it")
                s.execute(
                    update(ProjectRow)
                    .where(ProjectRow.id == project_id)
                    .values(revision=ProjectRow.revision + 1, updated_at=now, updated_by=user)
                    .execution_options(synchronize_session=False)
                )
                row = self._project(s, project_id, refresh=True)
                yield s, row, now
        except _NoChange:
            pass  # rolled back; the caller's code after its ``with`` returns the unchanged revision

    def _merges(
        self, s: Session, row: ProjectRow, expected_revision: int, touches: frozenset[str] | None
    ) -> bool:
        """True when a save on ``expected_revision`` overlaps none of the changes since (see ``overlap``)."""
        if touches is None or not 1 <= expected_revision < row.revision:
            return False
        since = s.execute(
            select(AuditRow.revision, AuditRow.action, AuditRow.before, AuditRow.after).where(
                AuditRow.project_id == row.id, AuditRow.revision > expected_revision
            )
        ).all()
        # Every revision since must be accounted for (entries written before migration
        # ``record`` carry none): an unexplained revision is a conflict.
        if {r.revision for r in since} != set(range(expected_revision + 1, row.revision + 1)):
            return False
        return not overlap.blocking(((r.action, r.before, r.after) for r in since), touches)

    def _project(self, s: Session, project_id: int, *, refresh: bool = False) -> ProjectRow:
        row = s.get(ProjectRow, project_id, populate_existing=refresh)
        if row is None:
            raise NotFound(f"there is no project with ID {project_id}")
        return row

    def _info(self, s: Session, row: ProjectRow) -> ProjectInfo:
        count = s.scalar(
            select(func.count())
            .select_from(ResponseRow)
            .where(ResponseRow.project_id == row.id, ResponseRow.status == "current")
        )
        return _project_info(row, count or 0)

    def _psr_row(self, s: Session, project_id: int, version: int) -> PSRVersionRow:
        row = s.scalar(
            select(PSRVersionRow).where(
                PSRVersionRow.project_id == project_id, PSRVersionRow.version == version
            )
        )
        if row is None:
            raise NotFound(f"project {project_id} has no PSR version {version}")
        return row

    def _insert_project(
        self, s: Session, name: str, psr: PSR, user: str, *, settings: dict[str, Any]
    ) -> ProjectRow:
        taken = s.scalar(select(ProjectRow.name).where(ProjectRow.name_key == name_key(name)))
        if taken is not None:
            raise StoreError(_duplicate(name, taken))
        now = _now()
        row = ProjectRow(
            name=name,
            name_key=name_key(name),
            psr_id=psr.id,
            latest_version=psr.version,
            archived=False,
            settings_json=json.dumps(settings, sort_keys=True, ensure_ascii=False),
            revision=1,
            created_at=now,
            created_by=user,
            updated_at=now,
            updated_by=user,
        )
        s.add(row)
        s.flush()
        self._insert_version(s, row.id, psr, user, now)
        return row

    def _insert_version(
        self, s: Session, project_id: int, psr: PSR, user: str, now: dt.datetime
    ) -> PSRVersionRow:
        version = PSRVersionRow(
            project_id=project_id,
            version=psr.version,
            psr_id=psr.id,
            content_hash=content_hash(psr),
            psr_json=dumps_psr(psr),
            saved_at=now,
            saved_by=user,
        )
        s.add(version)
        s.flush()
        chain.link(s, version)
        return version

    def _audit(
        self,
        s: Session,
        project_id: int,
        user: str,
        action: str,
        target: str,
        before: Any,
        after: Any,
        now: dt.datetime | None = None,
    ) -> None:
        project = s.get(ProjectRow, project_id)  # in the session: the change's own revision
        entry = AuditRow(
            project_id=project_id,
            revision=project.revision if project is not None else None,
            at=now or _now(),
            who=user,
            action=action,
            target=clean_text(target),
            before=_json(before),
            after=_json(after),
        )
        s.add(entry)
        s.flush()
        chain.link(s, entry)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _who(user: str) -> str:
    if not (isinstance(user, str) and clean_name(user)):
        raise ValueError("who is making this change? pass user= (the login name, or the name the user gave)")
    return checked_name(user, "user name")


def _duplicate(name: str, taken: str | None = None) -> str:
    if taken is not None and taken != name:
        return (
            f"a project named '{taken}' already exists, and '{name}' counts as the same name "
            "(case, accents written two ways and invisible characters do not make names different); "
            "choose another name"
        )
    return f"a project named '{name}' already exists; choose another name"


def _required(value: str | None, message: str, *, name: bool = True) -> str:
    """A required text: a clean name (one line), or ``clean_text`` for free text."""
    value = (clean_name(value) if name else optional_text(value) or "") if isinstance(value, str) else ""
    if not value:
        raise ValueError(message)
    return value


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _project_info(row: ProjectRow, response_count: int) -> ProjectInfo:
    return ProjectInfo(
        id=row.id,
        name=row.name,
        psr_id=row.psr_id,
        latest_version=row.latest_version,
        archived=row.archived,
        revision=row.revision,
        response_count=response_count,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _psr_from_row(row: PSRVersionRow) -> PSR:
    return loads_psr(row.psr_json, source=f"stored PSR {row.psr_id} version {row.version}")
