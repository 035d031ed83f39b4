"""The store's one error type, and database failures said in words with what to do.

Every public ``Store`` method raises ``StoreError`` (or a subclass) and nothing
else from the database: ``explain`` turns a driver's error (SQLite, psycopg) into a
``DatabaseFailure`` whose ``kind`` says what happened (read-only, full disk,
unreachable server, locked, newer schema, ...) and whose message says it to a
person. The transaction was rolled back, so nothing half-done is left behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL


class StoreError(Exception):
    """A store operation that cannot be done; the message says why in plain words."""


class NotFound(StoreError, LookupError):
    """No project, response or PSR version with that ID or name."""


class Archived(StoreError):
    """The project is archived (read-only); restore it before changing it."""


class Conflict(StoreError):
    """Someone else saved the project after the caller loaded it.

    The caller keeps its edits: reload, apply them again, save with the new revision.
    """

    def __init__(
        self,
        project_id: int,
        project_name: str,
        expected_revision: int,
        current_revision: int,
        changed_by: str,
        changed_at: dt.datetime,
    ):
        self.project_id = project_id
        self.project_name = project_name
        self.expected_revision = expected_revision
        self.current_revision = current_revision
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(
            f"project '{project_name}' was changed by {changed_by} at {when_text(changed_at)} "
            f"since you opened it (revision {expected_revision}, now {current_revision}); "
            "your edits are kept — reload and apply them again"
        )


class Tampered(StoreError):
    """The project's stored history was altered outside slm-psr; nothing is computed from it.

    ``breaks`` lists every place found (``chain.Break``), earliest first; the
    message names the first.
    """

    def __init__(self, project_name: str, breaks: list[Any]):
        self.breaks = breaks
        more = (
            f" (and {len(breaks) - 1} more; run `python -m slm_psr verify` for all)"
            if len(breaks) > 1
            else ""
        )
        super().__init__(
            f"the history of project '{project_name}' was altered outside slm-psr: {breaks[0].message}{more}. "
            "Nothing is computed from altered history: restore the database from a backup, "
            "or ask the administrator to investigate"
        )


class DatabaseFailure(StoreError):
    """The database could not do what was asked; ``kind`` names the failure.

    Kinds: ``read-only``, ``full``, ``unreachable``, ``locked``, ``newer schema``,
    ``older schema``, ``not allowed``, ``login``, ``not a store``, ``refused``.
    """

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


def when_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    return Path(database).expanduser() if database not in ("", ":memory:") else None


def _read_only_file(path: Path | None) -> bool:
    if path is None:
        return False
    if path.exists():
        return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    return path.parent.exists() and not os.access(path.parent, os.W_OK)


def explain(exc: BaseException, url: URL) -> DatabaseFailure:
    """A driver error as a ``DatabaseFailure`` in words (the original stays as ``__cause__``)."""
    where = url.render_as_string(hide_password=True)
    detail = _first_line(exc)
    low = detail.lower()
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or ""
    os_errno = getattr(orig, "errno", None)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if (
            "readonly" in low
            or "read-only" in low
            or os_errno in (errno.EROFS, errno.EACCES)
            or ("unable to open database file" in low and _read_only_file(path))
        ):
            return DatabaseFailure(
                "read-only",
                f"the project store {path or where} is read-only (the file or its folder cannot be written): "
                "nothing was saved. Give the app write access to the file and its folder, or open a copy",
            )
        if "disk is full" in low or "disk i/o error" in low or os_errno == errno.ENOSPC:
            return DatabaseFailure(
                "full",
                f"the disk holding the project store {path or where} is full (or failing): nothing was saved. "
                "Free some space and try again",
            )
        if "locked" in low or "busy" in low:
            return DatabaseFailure(
                "locked",
                f"the project store {path or where} is locked by another program (a backup, a database "
                "browser?) and stayed locked for 30 seconds: nothing was saved. Close the other program and try again",
            )
        if "not a database" in low or "malformed" in low:
            return DatabaseFailure(
                "not a store",
                f"{path or where} is not an slm-psr project store, or it is damaged ({detail}): "
                "restore it from a backup or point SLM_PSR_DATABASE_URL at the right file",
            )
        if "unable to open database file" in low:
            return DatabaseFailure(
                "unreachable",
                f"the project store {path or where} cannot be opened (does its folder exist?): {detail}",
            )
    else:
        if code == "53100" or "no space left" in low or "could not extend file" in low:
            return DatabaseFailure(
                "full",
                f"the PostgreSQL server at {where} has no disk space left: nothing was saved. "
                "Ask its administrator to free space, then try again",
            )
        if code == "25006" or "read-only transaction" in low or "recovery is in progress" in low:
            return DatabaseFailure(
                "read-only",
                f"the PostgreSQL database at {where} is read-only (a standby, or set read-only): nothing was saved. "
                "Point SLM_PSR_DATABASE_URL at the primary server",
            )
        if code == "42501" or "permission denied" in low or "must be owner" in low:
            return DatabaseFailure(
                "not allowed",
                f"the database user of {where} may not do this ({detail}): nothing was saved. "
                "History is insert-only for the app's role; schema changes need the migration role "
                "(`python -m slm_psr migrate`)",
            )
        if code in ("28P01", "28000") or "authentication failed" in low or "password" in low:
            return DatabaseFailure(
                "login",
                f"the PostgreSQL server at {where} refused the login ({detail}): check the user and password "
                "in SLM_PSR_DATABASE_URL",
            )
        if code == "3D000" or ("database" in low and "does not exist" in low):
            return DatabaseFailure(
                "unreachable",
                f"there is no database {url.database!r} on the PostgreSQL server at {where}: "
                "create it (see README, 'A team') or fix SLM_PSR_DATABASE_URL",
            )
        if code in ("40001", "40P01", "55P03", "57014") or "deadlock" in low or "lock" in low:
            return DatabaseFailure(
                "locked",
                f"the PostgreSQL database at {where} was busy (a lock or a timeout) and gave up: nothing was "
                "saved. Try again",
            )
        if code.startswith(("08", "57P")) or any(
            words in low
            for words in (
                "connection",
                "could not connect",
                "server closed",
                "timeout expired",
                "terminating",
            )
        ):
            return DatabaseFailure(
                "unreachable",
                f"cannot reach the PostgreSQL server at {where} ({detail}): nothing was saved. "
                "Check that it is running and reachable, then try again",
            )
        if code == "P0001":  # raised by our append-only triggers
            return DatabaseFailure("refused", f"the database refused the change: {detail}")
    return DatabaseFailure("refused", f"the project store {where} refused the operation: {detail}")
