"""Checking a project's stored history: the hash chain, the content hashes, and the audit trail replayed.

Three checks, each naming what it finds in words (``chain.Break``):

1. the hash chain (``chain.check``): history rows changed, deleted or forged;
2. the content hashes: a PSR version's text against its recorded content hash, an
   upload's bytes against the SHA-256 recorded with the response;
3. the audit trail replayed: the rows that change in place (a project's latest
   PSR version, settings and archive flag; a response's status; overrides;
   evaluator scores) must be what the (chained) audit entries say they became.
   A change made outside slm-psr, e.g. an evaluator score edited in the
   database, has no audit entry and shows here.

A store action that changes one of those rows must write an audit entry that
``_replay`` understands; a new action that does not touch them needs nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slm_psr.psr_file import PSRFileError, content_hash, loads_psr
from slm_psr.store import chain
from slm_psr.store.chain import Break
from slm_psr.store.schema import (
    AuditRow,
    EvaluatorScoreRow,
    OverrideRow,
    ProjectRow,
    PSRVersionRow,
    ResponseFileRow,
    ResponseRow,
)


def check_project(s: Session, project: ProjectRow, *, full: bool = True) -> list[Break]:
    """Every break in the project's history, earliest first.

    ``full=False`` (what a load does) checks the content of the latest PSR version
    and of the current uploads only; ``full=True`` (``verify``) checks every version
    and every upload ever stored.
    """
    breaks = chain.check(s, project.id)
    breaks += _psr_contents(s, project, full)
    breaks += _upload_contents(s, project.id, full)
    breaks += _replay(s, project)
    return sorted(breaks, key=Break.sort_key)


def _psr_contents(s: Session, project: ProjectRow, full: bool) -> list[Break]:
    query = select(PSRVersionRow).where(PSRVersionRow.project_id == project.id)
    if not full:
        query = query.where(PSRVersionRow.version == project.latest_version)
    breaks = []
    for row in s.scalars(query):
        what = f"PSR {row.psr_id} version {row.version}"
        try:
            actual = content_hash(loads_psr(row.psr_json, source=what))
        except PSRFileError as exc:
            breaks.append(Break(project.id, None, "psr_versions", row.id, f"{what} cannot be read: {exc}"))
            continue
        if actual != row.content_hash:
            breaks.append(
                Break(
                    project.id,
                    None,
                    "psr_versions",
                    row.id,
                    f"{what} does not match its recorded content hash (its text was changed)",
                )
            )
    return breaks


def _upload_contents(s: Session, project_id: int, full: bool) -> list[Break]:
    query = (
        select(ResponseRow.id, ResponseRow.filename, ResponseRow.sha256, ResponseRow.size, ResponseFileRow)
        .join(ResponseFileRow, ResponseFileRow.id == ResponseRow.file_id)
        .where(ResponseRow.project_id == project_id)
    )
    if not full:
        query = query.where(ResponseRow.status == "current")
    breaks = []
    for response_id, filename, recorded, size, stored in s.execute(query):
        data = bytes(stored.data)
        if hashlib.sha256(data).hexdigest() != recorded or stored.sha256 != recorded or len(data) != size:
            breaks.append(
                Break(
                    project_id,
                    None,
                    "response_files",
                    stored.id,
                    f"the stored file of response {response_id} ({filename}) is not the file that was "
                    "uploaded (its SHA-256 differs)",
                )
            )
    return breaks


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _replay(s: Session, project: ProjectRow) -> list[Break]:
    """Compare the rows that change in place with what the audit trail says they became."""
    latest_version: int | None = None
    settings: Any = None
    archived = False
    statuses: dict[int, tuple[str, int | None]] = {}
    overrides: dict[tuple[str, str], tuple[str, str, str]] = {}
    scores: dict[tuple[str, str, str], tuple[float, str]] = {}
    for entry in s.scalars(select(AuditRow).where(AuditRow.project_id == project.id).order_by(AuditRow.id)):
        before = json.loads(entry.before) if entry.before else None
        after = json.loads(entry.after) if entry.after else None
        action = entry.action
        if action in ("create_project", "copy_project"):
            latest_version, settings = after["psr_version"], after["settings"]
        elif action == "save_psr":
            latest_version = after["version"]
        elif action == "set_settings":
            settings = after
        elif action in ("archive_project", "restore_project"):
            archived = action == "archive_project"
        elif action in ("add_response", "replace_response"):
            statuses[after["id"]] = ("current", None)
            for old in _listed(before):
                statuses[old["id"]] = ("superseded", after["id"])
        elif action == "remove_response":
            statuses[after["id"]] = ("removed", None)
        elif action == "set_override":
            key = (after["supplier"], after["requirement_id"] or "")
            overrides[key] = (after["decision"], after["justification"], after["who"])
        elif action == "withdraw_override":
            overrides.pop((before["supplier"], before["requirement_id"] or ""), None)
        elif action == "set_evaluator_score":
            scores[(after["supplier"], after["requirement_id"], after["evaluator"])] = (
                after["score"],
                after["who"],
            )
        elif action == "withdraw_evaluator_score":
            scores.pop((before["supplier"], before["requirement_id"], before["evaluator"]), None)

    breaks: list[Break] = []

    def broken(table: str, row_id: int | None, message: str) -> None:
        breaks.append(Break(project.id, None, table, row_id, message))

    name = f"project '{project.name}'"
    if latest_version is not None and project.latest_version != latest_version:
        broken(
            "projects",
            project.id,
            f"{name} points at PSR version {project.latest_version}, the audit trail at version {latest_version}",
        )
    if settings is not None and json.loads(project.settings_json) != settings:
        broken("projects", project.id, f"the settings of {name} differ from the last ones on record")
    if bool(project.archived) != archived:
        broken(
            "projects",
            project.id,
            f"{name} is {'' if project.archived else 'not '}archived, unlike on record",
        )
    for row in s.scalars(select(ResponseRow).where(ResponseRow.project_id == project.id)):
        expected = statuses.get(row.id)
        if expected is not None and (row.status, row.superseded_by) != expected:
            broken(
                "responses",
                row.id,
                f"response {row.id} ({row.filename}) is {row.status}, but the audit trail says {expected[0]}",
            )
    for row in s.scalars(select(OverrideRow).where(OverrideRow.project_id == project.id)):
        what = f"override {row.supplier}" + (f" / {row.requirement_id}" if row.requirement_id else "")
        recorded = overrides.pop((row.supplier, row.requirement_id), None)
        if recorded is None:
            broken("overrides", row.id, f"{what} has no audit entry: it was set outside slm-psr")
        elif recorded != (row.decision, row.justification, row.set_by):
            broken(
                "overrides", row.id, f"{what} was changed outside slm-psr (it differs from its audit entry)"
            )
    for supplier, requirement in overrides:
        what = f"override {supplier}" + (f" / {requirement}" if requirement else "")
        broken("overrides", None, f"{what} is on record but missing: it was deleted outside slm-psr")
    for row in s.scalars(select(EvaluatorScoreRow).where(EvaluatorScoreRow.project_id == project.id)):
        what = f"score {row.supplier} / {row.requirement_id} by {row.evaluator}"
        recorded_score = scores.pop((row.supplier, row.requirement_id, row.evaluator), None)
        if recorded_score is None:
            broken("evaluator_scores", row.id, f"{what} has no audit entry: it was set outside slm-psr")
        elif recorded_score != (row.score, row.set_by):
            broken(
                "evaluator_scores",
                row.id,
                f"{what} is {row.score:g} in the database, but {recorded_score[0]:g} on record: "
                "it was changed outside slm-psr",
            )
    for supplier, requirement, evaluator in scores:
        broken(
            "evaluator_scores",
            None,
            f"score {supplier} / {requirement} by {evaluator} is on record but missing: it was deleted "
            "outside slm-psr",
        )
    return breaks
