"""The store's projects: list, find, load, verify and read the audit trail; create, copy, archive, settings."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update

from slm_psr.model import PSR
from slm_psr.psr_file import content_hash
from slm_psr.store import chain, integrity, overlap, parsed
from slm_psr.store.decisions import read_decisions
from slm_psr.store.errors import NotFound, Tampered
from slm_psr.store.overrides import _override_dict, _score_dict
from slm_psr.store.records import AuditEntry, ProjectCheck, ProjectInfo, ProjectState
from slm_psr.store.schema import AuditRow, EvaluatorScoreRow, OverrideRow, ProjectRow, ResponseRow
from slm_psr.store.text import checked_name, clean_name, name_key
from slm_psr.store.transactions import (
    StoreBase,
    _duplicate,
    _NoChange,
    _now,
    _project_info,
    _psr_from_row,
    _who,
)
from slm_psr.store.uploads import _stored_responses


class ProjectStore(StoreBase):
    """Projects as a whole (mixed into ``Store``)."""

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
            checked: dict[str, list[Any]] = {}  # the rows the check read: the state is made of these
            breaks = integrity.check_project(s, row, full=False, rows=checked)
            if breaks:
                raise Tampered(row.name, breaks)
            version = self._psr_row(s, project_id, row.latest_version)
            responses = sorted(
                (r for r in checked[ResponseRow.__tablename__] if r.status == "current"), key=lambda r: r.id
            )
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
                # the check above parsed this very text: share its parse (a ProjectState is read, never changed)
                psr=parsed.parsed_psr(
                    version.psr_json, f"stored PSR {version.psr_id} version {version.version}"
                ),
                psr_version=version.version,
                psr_hash=version.content_hash,
                responses=_stored_responses(responses),
                overrides=[_override_dict(o) for o in overrides],
                evaluator_scores=[_score_dict(e) for e in scores],
                settings=json.loads(row.settings_json),
                revision=row.revision,
                **read_decisions(s, project_id),
            )

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


def _project_name(name: str) -> str:
    if not (isinstance(name, str) and clean_name(name)):
        raise ValueError("the project needs a name")
    return checked_name(name, "project name")


def _project_summary(row: ProjectRow, psr: PSR) -> dict[str, Any]:
    return {
        "name": row.name,
        "psr_id": psr.id,
        "psr_version": psr.version,
        "content_hash": content_hash(psr),
        "settings": json.loads(row.settings_json),
    }
