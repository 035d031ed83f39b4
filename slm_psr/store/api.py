"""The project store: projects, immutable PSR versions, uploads, decisions and their audit trail.

One ``Store`` per process (it holds the connection pool); every method is one
transaction, so a crash or an error leaves the last committed state. Every change
writes an audit row in the same transaction: who (passed in by the caller), when
(UTC), the action, what it touched, and the before/after as JSON text.

Two people editing one project: each change passes the ``revision`` the caller
loaded; the store bumps it with ``UPDATE ... WHERE revision = expected`` and raises
``Conflict`` when someone else saved in between, so nothing is overwritten silently.

Audit actions: create_project, copy_project, archive_project, restore_project,
save_psr, add_response, replace_response, remove_response, set_override,
withdraw_override, set_evaluator_score, withdraw_evaluator_score, set_settings.

The store imports only the model: overrides and evaluator scores go in and come out
as plain dicts, which the engine and the UI turn into their own types.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from slm_psr.model import PSR, Override, Response, decision_word
from slm_psr.psr_file import content_hash, dumps_psr, loads_psr
from slm_psr.store import chain, integrity, overlap, parsed, psr_saves
from slm_psr.store.database import WRITE, make_engine, upgrade
from slm_psr.store.decisions import DecisionStore, apply_value_decisions, read_decisions
from slm_psr.store.errors import (
    Archived,
    Conflict,
    DatabaseFailure,
    NotFound,
    StoreError,
    Tampered,
    explain,
)
from slm_psr.store.schema import (
    AuditRow,
    EvaluatorScoreRow,
    OverrideRow,
    ProjectRow,
    PSRVersionRow,
    ResponseFileRow,
    ResponseRow,
)
from slm_psr.store.text import checked_name, clean_name, clean_text, name_key, optional_text

DATABASE_URL_ENV = "SLM_PSR_DATABASE_URL"
# The embedded default: a SQLite file in var/ next to the package (var/ is git-ignored).
DATA_DIR = Path(__file__).resolve().parents[2] / "var"
DEFAULT_FILENAME = "slm_psr.sqlite3"


# --- what the store hands out -------------------------------------------------------


@dataclass(frozen=True)
class ProjectInfo:
    """A line of the projects list."""

    id: int
    name: str
    psr_id: str
    latest_version: int
    archived: bool
    revision: int
    response_count: int  # current responses (not superseded or removed)
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class PSRVersionInfo:
    """One saved PSR version (without its text; ``Store.load_psr`` reads that)."""

    version: int
    psr_id: str
    content_hash: str
    saved_at: dt.datetime
    saved_by: str


@dataclass(frozen=True)
class StoredResponse:
    """An uploaded file and what was read from it (or why it was refused).

    ``status`` is ``current``, ``superseded`` (replaced by response ``superseded_by``)
    or ``removed``. ``psr_version`` is the project's PSR version at upload time.
    """

    id: int
    filename: str
    supplier: str | None
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: dt.datetime
    psr_version: int
    response: Response | None
    rejection: str | None
    status: str = "current"
    superseded_by: int | None = None
    removed_by: str | None = None
    removed_at: dt.datetime | None = None
    removed_reason: str | None = None
    # What the import said: {"notes": [...], "review": [...]} (ImportResult.stored_review); None if not kept.
    import_review: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProjectState:
    """Everything needed to show a project and recompute its result.

    ``psr`` is the latest version (``psr.version == psr_version``); ``psr.evaluation``
    holds the published evaluation settings (change them with ``save_psr``) and
    ``settings`` any further options the app keeps per project (``set_settings``).
    Overrides: dicts with supplier, requirement_id (None = the whole bid), decision
    ("accept"/"reject"), justification, who, when. Evaluator scores: dicts with
    supplier, requirement_id, evaluator, score (0-10), who, when.
    Pass ``revision`` back as ``expected_revision`` when saving.
    """

    project: ProjectInfo
    psr: PSR
    psr_version: int
    psr_hash: str
    responses: list[StoredResponse]
    overrides: list[dict[str, Any]]
    evaluator_scores: list[dict[str, Any]]
    settings: dict[str, Any]
    revision: int
    value_decisions: list[dict[str, Any]] = field(default_factory=list)  # see ``decisions``
    acknowledged_psr_versions: list[int] = field(default_factory=list)
    # A team's view (slm_psr.service.team.view): prices sealed; the lead's moderated scores.
    sealed: bool = False
    moderated: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.project.id

    @property
    def name(self) -> str:
        return self.project.name

    def accepted_responses(self) -> list[Response]:
        """The parsed responses of the current uploads that were read, with the settled values applied."""
        return [self.decided(r.response) for r in self.responses if r.response is not None]

    def decided(self, response: Response) -> Response:
        """A response with the buyer's per-value decisions applied (see ``decisions``)."""
        return apply_value_decisions(response, self.value_decisions)

    def psr_changed_after_bids(self) -> list[int]:
        """PSR versions saved after the first current bid arrived and not acknowledged yet."""
        if not self.responses:
            return []
        first = min(r.psr_version for r in self.responses)
        done = set(self.acknowledged_psr_versions)
        return [v for v in range(first + 1, self.psr_version + 1) if v not in done]

    def override_models(self) -> list[Override]:
        fields = ("supplier", "decision", "justification", "requirement_id", "who", "when")
        return [Override(**{f: o.get(f) for f in fields}) for o in self.overrides]

    def evaluator_score_rows(self) -> list[dict[str, Any]]:
        """Scores as the engine takes them: supplier, requirement, evaluator, score."""
        return [
            {
                "supplier": s["supplier"],
                "requirement": s["requirement_id"],
                "evaluator": s["evaluator"],
                "score": s["score"],
            }
            for s in self.evaluator_scores
        ]


@dataclass(frozen=True)
class ProjectCheck:
    """What ``verify`` found for one project: its chain length, head hash and every break in words."""

    project_id: int
    name: str
    entries: int
    head: str  # the last chain hash: file it with a decision to pin the history up to there
    breaks: list[str]

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change; ``before`` and ``after`` are JSON text (None where nothing was)."""

    id: int
    project_id: int
    who: str
    when: dt.datetime  # UTC
    action: str
    target: str  # what was changed, in words: "override Acme / SD-02", "PSR MS-2027-01 version 3"
    before: str | None
    after: str | None


@dataclass(frozen=True)
class BatchStored:
    """A batch that went in whole: the new revision, every file name, how many tries it took."""

    revision: int
    filenames: list[str]
    attempts: int

    @property
    def message(self) -> str:
        count = len(self.filenames)
        return f"all {count} file{'s' if count != 1 else ''} stored: {', '.join(self.filenames)}"


class BatchNotStored(StoreError):
    """A batch that did not go in: none of its files were stored (``filenames``)."""

    def __init__(self, filenames: list[str], reason: str):
        self.filenames = filenames
        count = len(filenames)
        files = "the file" if count == 1 else f"the {count} files"
        super().__init__(f"none of {files} ({', '.join(filenames)}) were stored: {reason}")


@dataclass(frozen=True)
class _Upload:
    """One uploaded file, checked and cleaned, ready to insert."""

    filename: str
    data: bytes
    sha256: str
    supplier: str | None
    response_json: str | None
    rejection: str | None
    import_review: str | None = None  # what the import said, as JSON
    keep_both: bool = False  # the buyer chose to keep the current response of this supplier too


def _upload(
    filename: str,
    data: bytes,
    response: Response | None,
    rejection: str | None,
    import_review: dict[str, Any] | None = None,
    *,
    keep_both: bool = False,
) -> _Upload:
    """Check an upload before anything is written; ValueError naming the file."""
    filename = clean_name(filename) if isinstance(filename, str) else ""
    if not filename:
        raise ValueError("the uploaded file needs a name")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"{filename}: pass the file's bytes, not {type(data).__name__}")
    data = bytes(data)
    rejection = optional_text(rejection)
    if response is None and not rejection:
        raise ValueError(f"{filename}: give the parsed response or the reason the file was refused")
    digest = hashlib.sha256(data).hexdigest()
    supplier = None
    response_json = None
    if response is not None:
        if response.sha256 and response.sha256 != digest:
            raise ValueError(
                f"{filename}: the response was read from a file with SHA-256 {response.sha256[:12]}…, "
                f"not from these bytes ({digest[:12]}…)"
            )
        supplier = clean_name(response.supplier) or None
        response = response.model_copy(
            update={"sha256": digest, "file": response.file or filename, "supplier": supplier or ""}
        )
        response_json = response.model_dump_json()
    return _Upload(
        filename, data, digest, supplier, response_json, rejection, _json(import_review), keep_both
    )


class _NoChange(Exception):
    """Raised inside ``Store._change`` to roll back a save that would change nothing."""


# --- opening ------------------------------------------------------------------------


def default_database_url() -> str:
    """``SLM_PSR_DATABASE_URL`` if set, else the SQLite file in the data folder."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or f"sqlite:///{DATA_DIR / DEFAULT_FILENAME}"


# --- the store ----------------------------------------------------------------------


class Store(DecisionStore):
    """Projects and everything decided in them; see the module docstring."""

    def __init__(self, engine: Engine):
        """Wrap an engine whose database is already migrated; use ``Store.open`` normally."""
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        # A load reads several tables: on PostgreSQL they must come from one snapshot.
        postgres = engine.dialect.name == "postgresql"
        self._reader = engine.execution_options(isolation_level="REPEATABLE READ") if postgres else engine

    @classmethod
    def open(cls, url: str | None = None, *, app_role: str | None = None) -> Store:
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # --- reading ----------------------------------------------------------------

    def list_projects(self, include_archived: bool = False) -> list[ProjectInfo]:
        """Projects by name; archived ones only when asked."""
        with self._reading() as s:
            query = select(ProjectRow).order_by(ProjectRow.name)
            if not include_archived:
                query = query.where(ProjectRow.archived.is_(False))
            rows = s.scalars(query).all()
            counts = dict(
                s.execute(
                    select(ResponseRow.project_id, func.count())
                    .where(ResponseRow.status == "current")
                    .group_by(ResponseRow.project_id)
                ).all()
            )
            return [_project_info(row, counts.get(row.id, 0)) for row in rows]

    def project(self, project_id: int) -> ProjectInfo:
        with self._reading() as s:
            return self._info(s, self._project(s, project_id))

    def find_project(self, wanted: str) -> ProjectInfo:
        """A project by name, or by ID written ``#12``; never a guess.

        Names compare as the store keeps them unique (case, Unicode composition and
        invisible characters aside). A plain "12" is a name; when no project has it
        but project #12 exists, the message says so.
        """
        wanted = wanted.strip() if isinstance(wanted, str) else ""
        with self._reading() as s:
            if wanted.startswith("#") and wanted[1:].isdigit():
                return self._info(s, self._project(s, int(wanted[1:])))
            row = s.scalar(select(ProjectRow).where(ProjectRow.name_key == name_key(wanted)))
            if row is not None:
                return self._info(s, row)
            hint = ""
            if wanted.isdigit() and s.get(ProjectRow, int(wanted)) is not None:
                hint = f"; to open project ID {wanted}, write #{wanted}"
            projects = s.execute(
                select(ProjectRow.id, ProjectRow.name).order_by(ProjectRow.id).limit(20)
            ).all()
            listed = ", ".join(f"#{i} {n}" for i, n in projects) or "none"
            raise NotFound(f"there is no project '{wanted}' in {self.url}{hint}; projects: {listed}")

    def verify(self, project_id: int | None = None) -> list[ProjectCheck]:
        """Check the whole history of one project (or of every project): see ``integrity``."""
        with self._reading() as s:
            if project_id is not None:
                rows = [self._project(s, project_id)]
            else:
                rows = list(s.scalars(select(ProjectRow).order_by(ProjectRow.id)))
            checks = []
            for row in rows:
                entries, head = chain.head(s, row.id)
                breaks = integrity.check_project(s, row, full=True)
                checks.append(ProjectCheck(row.id, row.name, entries, head, [b.message for b in breaks]))
            return checks

    def load(self, project_id: int) -> ProjectState:
        """The project as it is now: latest PSR, current responses, decisions, revision.

        Its history is checked first (``integrity``, current content only): altered
        history raises ``Tampered`` naming the first altered row, and nothing is read.
        """
        with self._reading() as s:
            row = self._project(s, project_id)
            breaks = integrity.check_project(s, row, full=False)
            if breaks:
                raise Tampered(row.name, breaks)
            version = self._psr_row(s, project_id, row.latest_version)
            responses = s.scalars(
                select(ResponseRow)
                .where(ResponseRow.project_id == project_id, ResponseRow.status == "current")
                .order_by(ResponseRow.id)
            ).all()
            overrides = s.scalars(
                select(OverrideRow)
                .where(OverrideRow.project_id == project_id)
                .order_by(OverrideRow.supplier, OverrideRow.requirement_id)
            ).all()
            scores = s.scalars(
                select(EvaluatorScoreRow)
                .where(EvaluatorScoreRow.project_id == project_id)
                .order_by(
                    EvaluatorScoreRow.supplier, EvaluatorScoreRow.requirement_id, EvaluatorScoreRow.evaluator
                )
            ).all()
            return ProjectState(
                project=_project_info(row, len(responses)),
                psr=_psr_from_row(version),
                psr_version=version.version,
                psr_hash=version.content_hash,
                responses=_stored_responses(responses),
                overrides=[_override_dict(o) for o in overrides],
                evaluator_scores=[_score_dict(e) for e in scores],
                settings=json.loads(row.settings_json),
                revision=row.revision,
                **read_decisions(s, project_id),
            )

    def load_psr(self, project_id: int, version: int | None = None) -> PSR:
        """A saved PSR version (None: the latest), exactly as it was saved (its content hash is checked)."""
        with self._reading() as s:
            row = self._project(s, project_id)
            stored = self._psr_row(s, project_id, version or row.latest_version)
            psr = _psr_from_row(stored)
            if content_hash(psr) != stored.content_hash:
                message = (
                    f"PSR {stored.psr_id} version {stored.version} does not match its recorded content hash "
                    "(its text was changed)"
                )
                raise Tampered(row.name, [chain.Break(row.id, None, "psr_versions", stored.id, message)])
            return psr

    def psr_versions(self, project_id: int) -> list[PSRVersionInfo]:
        """Every saved PSR version of the project, oldest first."""
        with self._reading() as s:
            self._project(s, project_id)
            rows = s.scalars(
                select(PSRVersionRow)
                .where(PSRVersionRow.project_id == project_id)
                .order_by(PSRVersionRow.version)
            ).all()
            return [PSRVersionInfo(r.version, r.psr_id, r.content_hash, r.saved_at, r.saved_by) for r in rows]

    def response_history(self, project_id: int) -> list[StoredResponse]:
        """All uploads of the project, superseded and removed ones included, oldest first."""
        with self._reading() as s:
            self._project(s, project_id)
            rows = s.scalars(
                select(ResponseRow).where(ResponseRow.project_id == project_id).order_by(ResponseRow.id)
            ).all()
            return _stored_responses(rows)

    def response_bytes(self, response_id: int) -> bytes:
        """The uploaded file exactly as received (checked against the SHA-256 recorded at upload)."""
        with self._reading() as s:
            found = s.execute(
                select(ResponseFileRow.data, ResponseRow.sha256, ResponseRow.filename, ProjectRow.name)
                .join(ResponseRow, ResponseRow.file_id == ResponseFileRow.id)
                .join(ProjectRow, ProjectRow.id == ResponseRow.project_id)
                .where(ResponseRow.id == response_id)
            ).first()
            if found is None:
                raise NotFound(f"there is no response with ID {response_id}")
            data, recorded, filename, project_name = found
            data = bytes(data)
            if hashlib.sha256(data).hexdigest() != recorded:
                message = (
                    f"the stored file of response {response_id} ({filename}) is not the file that was "
                    "uploaded (its SHA-256 differs)"
                )
                raise Tampered(project_name, [chain.Break(0, None, "response_files", None, message)])
            return data

    def audit(self, project_id: int) -> list[AuditEntry]:
        """The project's audit trail, oldest first."""
        with self._reading() as s:
            self._project(s, project_id)
            rows = s.scalars(
                select(AuditRow).where(AuditRow.project_id == project_id).order_by(AuditRow.id)
            ).all()
            return [
                AuditEntry(r.id, r.project_id, r.who, r.at, r.action, r.target, r.before, r.after)
                for r in rows
            ]

    # --- projects ---------------------------------------------------------------

    def create_project(self, name: str, psr: PSR, *, user: str) -> ProjectInfo:
        """A new project whose first PSR version is ``psr`` (its version number is kept)."""
        user, name = _who(user), _project_name(name)
        with self._writing(duplicate=_duplicate(name)) as s:
            row = self._insert_project(s, name, psr, user, settings={})
            self._audit(
                s, row.id, user, "create_project", f"project {name}", None, _project_summary(row, psr)
            )
            return self._info(s, row)

    def copy_project(
        self, project_id: int, new_name: str, *, user: str, psr_id: str | None = None
    ) -> ProjectInfo:
        """A new tender from an old one: its latest PSR (as version 1) and settings, no responses.

        ``psr_id`` gives the new tender's PSR its own ID (default: keep the old one).
        """
        user, new_name = _who(user), _project_name(new_name)
        with self._writing(duplicate=_duplicate(new_name)) as s:
            source = self._project(s, project_id)
            old = _psr_from_row(self._psr_row(s, project_id, source.latest_version))
            data = old.model_dump(mode="json") | {"version": 1, "id": psr_id or old.id}
            psr = PSR.model_validate(data)
            row = self._insert_project(s, new_name, psr, user, settings=json.loads(source.settings_json))
            before = {"project_id": source.id, "name": source.name, "psr_version": old.version}
            self._audit(
                s,
                row.id,
                user,
                "copy_project",
                f"project {new_name} from project {source.name}",
                before,
                _project_summary(row, psr),
            )
            return self._info(s, row)

    def archive_project(self, project_id: int, *, user: str, archived: bool = True) -> int:
        """Archive (read-only, hidden from the default list) or restore; returns the new revision."""
        user = _who(user)
        now = _now()
        with self._writing() as s:
            changed = s.execute(
                update(ProjectRow)
                .where(ProjectRow.id == project_id, ProjectRow.archived.is_not(archived))
                .values(archived=archived, revision=ProjectRow.revision + 1, updated_at=now, updated_by=user)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
            row = self._project(s, project_id, refresh=True)
            if not changed:
                return row.revision  # already archived (or restored)
            action = "archive_project" if archived else "restore_project"
            self._audit(
                s,
                project_id,
                user,
                action,
                f"project {row.name}",
                {"archived": not archived},
                {"archived": archived},
            )
            return row.revision

    def set_settings(
        self, project_id: int, settings: dict[str, Any], *, user: str, expected_revision: int
    ) -> int:
        """Replace the project's own evaluation options (a JSON object); returns the new revision."""
        user = _who(user)
        if not isinstance(settings, dict):
            raise ValueError("project settings are a dict of option names to values")
        try:
            text = json.dumps(settings, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"project settings must be plain JSON data (text, numbers, lists): {exc}"
            ) from None
        settings = json.loads(text)  # what a reload will give back (tuples become lists)
        touches = frozenset({overlap.SETTINGS})
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            before = json.loads(row.settings_json)
            if before == settings:
                raise _NoChange
            row.settings_json = text
            self._audit(s, project_id, user, "set_settings", "project settings", before, settings, now)
            return row.revision
        return expected_revision  # the settings were already these

    # --- the PSR ----------------------------------------------------------------

    def save_psr(
        self, project_id: int, psr: PSR, *, user: str, expected_revision: int, base_version: int | None = None
    ) -> int:
        """Save ``psr`` as the next version (saved versions never change); returns the new revision.

        The version number is assigned here (latest + 1). Saving a PSR whose content
        equals the latest version changes nothing and returns the same revision.
        ``base_version``: the version ``psr`` was edited from; a version saved since is
        merged with it field by field (``psr_saves``; ``PSRClash`` when both changed a
        field). Without it, any PSR saved since ``expected_revision`` is a ``Conflict``.
        """
        user = _who(user)
        touches = frozenset({overlap.PSR}) if base_version is None else frozenset()
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            latest = self._psr_row(s, project_id, row.latest_version)
            merged: dict[str, Any] = {}
            if base_version is not None and base_version != row.latest_version:
                base = _psr_from_row(self._psr_row(s, project_id, base_version))
                psr, kept = psr_saves.merged(base, psr, _psr_from_row(latest), latest.saved_by)
                merged = {"merged": {"edited_from": base_version, "kept": kept}}
            if latest.content_hash == content_hash(psr):
                raise _NoChange
            number = row.latest_version + 1
            psr = psr.model_copy(update={"version": number})
            version = self._insert_version(s, project_id, psr, user, now)
            row.latest_version, row.psr_id = number, psr.id
            before, after = _psr_changes(json.loads(latest.psr_json), json.loads(version.psr_json))
            self._audit(
                s,
                project_id,
                user,
                "save_psr",
                f"PSR {psr.id} version {number}",
                {"version": latest.version, "content_hash": latest.content_hash, "changes": before},
                {"version": number, "content_hash": version.content_hash, "changes": after} | merged,
                now,
            )
            return row.revision
        return expected_revision  # same content as the latest version: nothing saved

    # --- responses --------------------------------------------------------------

    def add_response(
        self,
        project_id: int,
        filename: str,
        data: bytes,
        response: Response | None,
        rejection: str | None,
        *,
        user: str,
        expected_revision: int,
        import_review: dict[str, Any] | None = None,
        keep_both: bool = False,
    ) -> int:
        """Keep an uploaded file with what was read from it, or why it was refused.

        The original bytes are stored with their SHA-256. A current response from the
        same supplier or with the same filename is superseded (kept on record, no
        longer current), unless ``keep_both`` (the buyer's choice when a new file
        names a supplier that has a response from another file). ``import_review``
        keeps what the import said (its notes and the values to review, as worded
        then), so the app shows it later. Returns the new revision.
        """
        user = _who(user)
        upload = _upload(filename, data, response, rejection, import_review, keep_both=keep_both)
        # read against the PSR of the caller's revision; a new upload of the same supplier overlaps
        touches = frozenset({overlap.PSR, overlap.supplier(upload.supplier)})
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            self._store_upload(s, row, now, user, upload)
            return row.revision

    def add_responses(
        self,
        project_id: int,
        uploads: Sequence[tuple[str, bytes, Response | None, str | None]]
        | Sequence[tuple[str, bytes, Response | None, str | None, dict[str, Any] | None]],
        *,
        user: str,
        expected_revision: int,
        psr_version: int | None = None,
        attempts: int = 8,
        keep_both: bool = False,
    ) -> BatchStored:
        """Store a batch of uploads as one decision: every file, or none.

        ``uploads``: (file name, bytes, parsed response or None, rejection or None[,
        what the import said]).
        Uploads only add, so when a colleague saved something meanwhile the batch is
        tried again on the new revision, up to ``attempts`` times, unless the PSR
        moved on from ``psr_version`` (the version the files were read against):
        then they must be read again. ``keep_both``: no file supersedes a current
        response of the same supplier from another file (the buyer's choice). Any refusal is a ``BatchNotStored`` whose
        message says that none of the files (named) went in, and why.
        """
        user = _who(user)
        prepared = [_upload(*item, keep_both=keep_both) for item in uploads]
        names = [u.filename for u in prepared]
        if not prepared:
            raise ValueError("the batch has no files")
        revision = expected_revision
        # Uploads only add: they merge with any change but a PSR save when the version read against is unknown.
        touches = frozenset() if psr_version is not None else frozenset({overlap.PSR})
        for attempt in range(1, attempts + 1):
            try:
                with self._change(project_id, user, revision, touches) as (s, row, now):
                    if psr_version is not None and row.latest_version != psr_version:
                        saver = self._psr_row(s, row.id, row.latest_version).saved_by
                        raise StoreError(
                            f"the PSR was changed to version {row.latest_version} by {saver} while "
                            f"the files were read against version {psr_version}; upload them again"
                        )
                    for upload in prepared:
                        self._store_upload(s, row, now, user, upload)
                    return BatchStored(row.revision, names, attempt)
            except Conflict as exc:
                revision = exc.current_revision
                if attempt == attempts:
                    raise BatchNotStored(
                        names,
                        f"the project kept changing while they were saved ({attempts} tries); try again",
                    ) from exc
            except DatabaseFailure as exc:
                if exc.kind != "locked" or attempt == attempts:
                    raise BatchNotStored(names, str(exc)) from exc
            except StoreError as exc:
                raise BatchNotStored(names, str(exc)) from exc
            time.sleep(random.uniform(0.005, 0.02) * attempt)  # let the other writer finish
        raise AssertionError("unreachable")  # pragma: no cover

    def _store_upload(
        self, s: Session, row: ProjectRow, now: dt.datetime, user: str, upload: _Upload
    ) -> None:
        """Insert one upload (file bytes, response row, audit entry) inside a change."""
        # only the names of the current rows (not their answers' JSON): the cost of a save
        # must not grow with the responses stored before it
        current = s.execute(
            select(ResponseRow.id, ResponseRow.filename, ResponseRow.supplier).where(
                ResponseRow.project_id == row.id, ResponseRow.status == "current"
            )
        ).all()
        key = name_key(upload.supplier) if upload.supplier else None
        replaced = [
            s.get_one(ResponseRow, r.id)
            for r in current
            if not upload.keep_both
            and (r.filename == upload.filename or (key and r.supplier and name_key(r.supplier) == key))
        ]
        stored_file = ResponseFileRow(sha256=upload.sha256, size=len(upload.data), data=upload.data)
        s.add(stored_file)
        s.flush()
        new = ResponseRow(
            project_id=row.id,
            file_id=stored_file.id,
            filename=upload.filename,
            supplier=upload.supplier,
            sha256=upload.sha256,
            size=len(upload.data),
            response_json=upload.response_json,
            rejection=upload.rejection,
            psr_version=row.latest_version,
            uploaded_at=now,
            uploaded_by=user,
            status="current",
            import_review=upload.import_review,
        )
        s.add(new)
        s.flush()
        chain.link(s, new)
        for old in replaced:
            old.status, old.superseded_by = "superseded", new.id
        before = [_response_summary(r) for r in replaced]
        self._audit(
            s,
            row.id,
            user,
            "replace_response" if replaced else "add_response",
            f"response {upload.filename}" + (f" ({upload.supplier})" if upload.supplier else ""),
            (before[0] if len(before) == 1 else before) or None,
            _response_summary(new),
            now,
        )

    def remove_response(
        self, project_id: int, response_id: int, *, user: str, expected_revision: int, reason: str = ""
    ) -> int:
        """Take a response out of the evaluation (kept on record); returns the new revision."""
        user = _who(user)
        touches = frozenset({overlap.RESPONSES})
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            response = s.get(ResponseRow, response_id)
            if response is None or response.project_id != project_id:
                raise NotFound(f"project '{row.name}' has no response with ID {response_id}")
            if response.status != "current":
                raise StoreError(
                    f"response {response.filename} is already {response.status}; only current ones can be removed"
                )
            before = _response_summary(response)
            response.status = "removed"
            response.removed_at, response.removed_by = now, user
            response.removed_reason = _required(
                reason, f"say why {response.filename} is removed: the reason goes on record", name=False
            )
            after = _response_summary(response) | {"reason": response.removed_reason}
            target = f"response {response.filename}" + (
                f" ({response.supplier})" if response.supplier else ""
            )
            self._audit(s, project_id, user, "remove_response", target, before, after, now)
            return row.revision

    # --- decisions --------------------------------------------------------------

    def set_override(
        self,
        project_id: int,
        supplier: str,
        decision: str | None,
        justification: str,
        *,
        user: str,
        expected_revision: int,
        requirement_id: str | None = None,
    ) -> int:
        """Overrule the knock-out gate for a supplier (or one of its requirements).

        ``decision`` is "accept" or "reject"; None withdraws the override. The
        justification is mandatory either way: it goes on record. Returns the new revision.
        """
        user = _who(user)
        supplier = _required(supplier, "the override needs the supplier it applies to")
        justification = _required(
            justification,
            "an override needs a justification: say why the decision differs from the rules (it goes on record)",
            name=False,
        )
        if decision is not None:
            decision = decision_word(str(decision))
            if decision not in ("accept", "reject"):
                raise ValueError(
                    f"override decision '{decision}': use 'accept' or 'reject' (or None to withdraw the override)"
                )
        requirement = clean_name(requirement_id or "")
        target = f"override {supplier}" + (f" / {requirement}" if requirement else "")
        touches = overlap.override(supplier, requirement)
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            existing = s.scalar(
                select(OverrideRow).where(
                    OverrideRow.project_id == project_id,
                    OverrideRow.supplier == supplier,
                    OverrideRow.requirement_id == requirement,
                )
            )
            before = _override_dict(existing) if existing else None
            if decision is None:
                if existing is None:
                    raise StoreError(f"there is no {target} to withdraw")
                s.delete(existing)
                after: dict[str, Any] | None = {"withdrawn": True, "justification": justification}
                action = "withdraw_override"
            else:
                if existing is None:
                    existing = OverrideRow(
                        project_id=project_id, supplier=supplier, requirement_id=requirement
                    )
                    s.add(existing)
                existing.decision, existing.justification = decision, justification
                existing.set_at, existing.set_by = now, user
                after = _override_dict(existing)
                action = "set_override"
            self._audit(s, project_id, user, action, target, before, after, now)
            return row.revision

    def set_evaluator_score(
        self,
        project_id: int,
        supplier: str,
        requirement_id: str,
        evaluator: str,
        score: float | None,
        *,
        user: str,
        expected_revision: int,
    ) -> int:
        """One evaluator's 0-10 score for a supplier on a requirement (None withdraws it)."""
        user = _who(user)
        supplier = _required(supplier, "the score needs the supplier it is for")
        requirement_id = _required(requirement_id, "the score needs the requirement it is for")
        evaluator = _required(evaluator, "the score needs the evaluator's name")
        target = f"score {supplier} / {requirement_id} by {evaluator}"
        if score is not None:
            if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
                raise ValueError(f"{target}: the score must be a number from 0 to 10, got {score!r}")
            if not 0 <= score <= 10:
                raise ValueError(f"{target}: the score {score:g} must be from 0 to 10")
            score = float(score)
        touches = overlap.score(supplier, requirement_id, evaluator)
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):
            psr = json.loads(self._psr_row(s, project_id, row.latest_version).psr_json)
            if requirement_id not in {r["id"] for r in psr["requirements"]}:
                raise StoreError(
                    f"{target}: PSR {psr['id']} version {row.latest_version} has no requirement {requirement_id}"
                )
            existing = s.scalar(
                select(EvaluatorScoreRow).where(
                    EvaluatorScoreRow.project_id == project_id,
                    EvaluatorScoreRow.supplier == supplier,
                    EvaluatorScoreRow.requirement_id == requirement_id,
                    EvaluatorScoreRow.evaluator == evaluator,
                )
            )
            before = _score_dict(existing) if existing else None
            if score is None:
                if existing is None:
                    raise StoreError(f"there is no {target} to withdraw")
                s.delete(existing)
                after, action = None, "withdraw_evaluator_score"
            else:
                if existing is None:
                    existing = EvaluatorScoreRow(
                        project_id=project_id,
                        supplier=supplier,
                        requirement_id=requirement_id,
                        evaluator=evaluator,
                    )
                    s.add(existing)
                existing.score, existing.set_at, existing.set_by = score, now, user
                after, action = _score_dict(existing), "set_evaluator_score"
            self._audit(s, project_id, user, action, target, before, after, now)
            return row.revision

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


# --- helpers ------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _who(user: str) -> str:
    if not (isinstance(user, str) and clean_name(user)):
        raise ValueError("who is making this change? pass user= (the login name, or the name the user gave)")
    return checked_name(user, "user name")


def _project_name(name: str) -> str:
    if not (isinstance(name, str) and clean_name(name)):
        raise ValueError("the project needs a name")
    return checked_name(name, "project name")


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


def _project_summary(row: ProjectRow, psr: PSR) -> dict[str, Any]:
    return {
        "name": row.name,
        "psr_id": psr.id,
        "psr_version": psr.version,
        "content_hash": content_hash(psr),
        "settings": json.loads(row.settings_json),
    }


def _psr_from_row(row: PSRVersionRow) -> PSR:
    return loads_psr(row.psr_json, source=f"stored PSR {row.psr_id} version {row.version}")


def _stored_responses(rows: Sequence[ResponseRow]) -> list[StoredResponse]:
    with parsed.collector_paused():  # see store.parsed: the parse is most of a load
        return [_stored_response(r) for r in rows]


def _stored_response(row: ResponseRow) -> StoredResponse:
    return StoredResponse(
        id=row.id,
        filename=row.filename,
        supplier=row.supplier,
        sha256=row.sha256,
        size=row.size,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        psr_version=row.psr_version,
        response=parsed.parsed_response(row.response_json) if row.response_json else None,
        rejection=row.rejection,
        status=row.status,
        superseded_by=row.superseded_by,
        removed_by=row.removed_by,
        removed_at=row.removed_at,
        removed_reason=row.removed_reason,
        import_review=json.loads(row.import_review) if row.import_review else None,
    )


def _response_summary(row: ResponseRow) -> dict[str, Any]:
    answers = len(json.loads(row.response_json).get("answers", {})) if row.response_json else 0
    return {
        "id": row.id,
        "filename": row.filename,
        "supplier": row.supplier,
        "sha256": row.sha256,
        "size": row.size,
        "answers": answers,
        "rejection": row.rejection,
        "status": row.status,
    }


def _override_dict(row: OverrideRow) -> dict[str, Any]:
    return {
        "supplier": row.supplier,
        "requirement_id": row.requirement_id or None,
        "decision": row.decision,
        "justification": row.justification,
        "who": row.set_by,
        "when": row.set_at,
    }


def _score_dict(row: EvaluatorScoreRow) -> dict[str, Any]:
    return {
        "supplier": row.supplier,
        "requirement_id": row.requirement_id,
        "evaluator": row.evaluator,
        "score": row.score,
        "who": row.set_by,
        "when": row.set_at,
    }


def _psr_changes(before: Any, after: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What differs between two PSR JSON documents, by readable path.

    Lists of objects with an ``id`` (services, requirements) are matched by ID, so a
    changed weight reads ``requirements[SD-02].weight`` rather than a list index. A
    path missing on one side (an added or dropped requirement) shows None there.
    """
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}

    def keyed(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(x, dict) and "id" in x for x in value)

    def walk(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in dict.fromkeys([*a, *b]):
                if key in ("version", "content_hash") and not path:
                    continue
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        elif keyed(a) and keyed(b) and (a or b):
            a_by_id = {x["id"]: x for x in a}
            b_by_id = {x["id"]: x for x in b}
            for item in dict.fromkeys([*a_by_id, *b_by_id]):
                walk(a_by_id.get(item), b_by_id.get(item), f"{path}[{item}]")
            order_a = [i for i in a_by_id if i in b_by_id]
            order_b = [i for i in b_by_id if i in a_by_id]
            if order_a != order_b:
                old[f"{path} order"], new[f"{path} order"] = order_a, order_b
        elif a != b:
            old[path], new[path] = a, b

    walk(before, after, "")
    return old, new
