"""Checking a project's stored history: the hash chain, the content hashes, and the audit trail replayed.

Three checks, each naming what it finds in words (``chain.Break``):

1. the hash chain (``chain.check``): history rows changed, deleted or forged;
2. the content hashes: a PSR version's text against its recorded content hash, an
   upload's bytes against the SHA-256 recorded with the response, a contract
   schedule and a measurement file against theirs;
3. the audit trail replayed: the rows that change in place (a project's latest
   PSR version, settings and archive flag; a response's status; overrides;
   evaluator scores; value decisions; acknowledged PSR changes; a dispute's
   settlement) must be what the (chained) audit entries say they became.
   A change made outside slm-psr, e.g. an evaluator score or a value decision
   edited in the database, has no audit entry and shows here.

A store action that changes one of those rows must write an audit entry that
``_replay`` understands; a new action that does not touch them needs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slm_psr.psr_file import PSRFileError, content_hash
from slm_psr.store import chain, parsed
from slm_psr.store.chain import Break
from slm_psr.store.schema import (
    AuditRow,
    ContractRow,
    EvaluatorScoreRow,
    MeasurementDisputeRow,
    MeasurementFileRow,
    OverrideRow,
    ProjectRow,
    PSRChangeAckRow,
    PSRVersionRow,
    ResponseFileRow,
    ResponseRow,
    ValueDecisionRow,
)


def check_project(
    s: Session, project: ProjectRow, *, full: bool = True, rows: dict[str, list[Any]] | None = None
) -> list[Break]:
    """Every break in the project's history, earliest first.

    ``full=False`` (what a load does) checks the content of the latest PSR version
    and of the current uploads only; ``full=True`` (``verify``) checks every version
    and every upload ever stored. ``rows`` receives the chained tables' rows the
    check read (see ``chain.check``).
    """
    rows = {} if rows is None else rows
    breaks = chain.check(s, project.id, rows)
    breaks += _psr_contents(s, project, full)
    breaks += _upload_contents(s, project.id, full)
    breaks += _record_contents(s, project.id, full)
    breaks += _replay(s, project, rows[AuditRow.__tablename__])
    return sorted(breaks, key=Break.sort_key)


def _psr_contents(s: Session, project: ProjectRow, full: bool) -> list[Break]:
    query = select(PSRVersionRow).where(PSRVersionRow.project_id == project.id)
    if not full:
        query = query.where(PSRVersionRow.version == project.latest_version)
    breaks = []
    for row in s.scalars(query):
        what = f"PSR {row.psr_id} version {row.version}"
        try:
            actual = _stored_psr_hash(row.psr_json, what)
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


@functools.lru_cache(maxsize=64)
def _stored_psr_hash(text: str, what: str) -> str:
    """The content hash of a stored PSR text, computed once per process per exact text.

    Reading and hashing a PSR of 300 requirements is most of a load's check; the same
    text always gives the same hash, and a text changed in one byte is a new entry,
    read and hashed afresh (an unreadable one raises every time: errors are not kept).
    """
    return content_hash(parsed.parsed_psr(text, what))


def forget() -> None:
    """Drop what the checks keep per process (row digests, PSR hashes): as in a new process."""
    chain.forget_digests()
    _stored_psr_hash.cache_clear()


def _upload_contents(s: Session, project_id: int, full: bool) -> list[Break]:
    response_columns = ResponseRow.id, ResponseRow.filename, ResponseRow.sha256, ResponseRow.size
    query = (
        select(*response_columns, ResponseFileRow.id, ResponseFileRow.sha256, ResponseFileRow.data)
        .join(ResponseFileRow, ResponseFileRow.id == ResponseRow.file_id)
        .where(ResponseRow.project_id == project_id)
    )
    if not full:
        query = query.where(ResponseRow.status == "current")
    breaks = []
    for response_id, filename, recorded, size, file_id, file_sha256, stored in s.execute(query):
        data = bytes(stored)
        if hashlib.sha256(data).hexdigest() != recorded or file_sha256 != recorded or len(data) != size:
            breaks.append(
                Break(
                    project_id,
                    None,
                    "response_files",
                    file_id,
                    f"the stored file of response {response_id} ({filename}) is not the file that was "
                    "uploaded (its SHA-256 differs)",
                )
            )
    return breaks


def _record_contents(s: Session, project_id: int, full: bool) -> list[Break]:
    """Contract schedules and (with ``full``) measurement files against their recorded SHA-256."""
    breaks = []
    for contract in s.scalars(select(ContractRow).where(ContractRow.project_id == project_id)):
        if hashlib.sha256(contract.schedule_json.encode("utf-8")).hexdigest() != contract.sha256:
            breaks.append(
                Break(
                    project_id,
                    None,
                    "contracts",
                    contract.id,
                    f"contract schedule version {contract.version} does not match its recorded SHA-256 "
                    "(its text was changed)",
                )
            )
    if full:
        query = select(MeasurementFileRow.id, MeasurementFileRow.filename, MeasurementFileRow.sha256,
                       MeasurementFileRow.data).where(MeasurementFileRow.project_id == project_id)  # fmt: skip
        for file_id, filename, recorded, data in s.execute(query):
            if hashlib.sha256(bytes(data)).hexdigest() != recorded:
                breaks.append(
                    Break(
                        project_id,
                        None,
                        "measurement_files",
                        file_id,
                        f"the stored measurement file {file_id} ({filename}) is not the file that was imported "
                        "(its SHA-256 differs)",
                    )
                )
    return breaks


def _rows(s: Session, model: Any, project_id: int) -> Any:
    """The project's rows of ``model``'s table as plain rows (attribute access, no ORM objects to build)."""
    table = model.__table__
    return s.execute(select(*table.c).where(table.c.project_id == project_id))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _mapping(text: str | None) -> dict[str, Any]:
    """An audit entry's before/after: a JSON object, {} where there is none (or it is not an object)."""
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else {}


@dataclass
class _Record:
    """What the audit trail says the rows that change in place became."""

    latest_version: int | None = None
    settings: Any = None
    archived: bool = False
    statuses: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    overrides: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    scores: dict[tuple[str, str, str], tuple[float, str]] = field(default_factory=dict)
    values: dict[tuple[str, str], tuple[str, Any, str, str]] = field(default_factory=dict)
    acks: set[int] = field(default_factory=set)
    settled: dict[Any, tuple[str, str]] = field(
        default_factory=dict
    )  # dispute ID (or what) -> (resolution, who)

    def play(self, entry: Any) -> None:
        """Apply one audit entry (oldest first; an ``AuditRow`` or a row of its columns).

        An action that changes no in-place row is skipped.
        """
        action = entry.action
        if action in ("add_response", "replace_response"):  # before may be a list (a batch)
            after = _mapping(entry.after)
            self.statuses[after["id"]] = ("current", None)
            for old in _listed(json.loads(entry.before) if entry.before else None):
                self.statuses[old["id"]] = ("superseded", after["id"])
            return
        before, after = _mapping(entry.before), _mapping(entry.after)
        if action in ("create_project", "copy_project"):
            self.latest_version, self.settings = after["psr_version"], after["settings"]
        elif action == "save_psr":
            self.latest_version = after["version"]
        elif action == "set_settings":
            self.settings = json.loads(entry.after) if entry.after else None
        elif action in ("archive_project", "restore_project"):
            self.archived = action == "archive_project"
        elif action == "remove_response":
            self.statuses[after["id"]] = ("removed", None)
        elif action == "set_override":
            key = (after["supplier"], after["requirement_id"] or "")
            self.overrides[key] = (after["decision"], after["justification"], after["who"])
        elif action == "withdraw_override":
            self.overrides.pop((before["supplier"], before["requirement_id"] or ""), None)
        elif action == "set_evaluator_score":
            target = (after["supplier"], after["requirement_id"], after["evaluator"])
            self.scores[target] = (after["score"], after["who"])
        elif action == "withdraw_evaluator_score":
            self.scores.pop((before["supplier"], before["requirement_id"], before["evaluator"]), None)
        elif action == "set_value_decision":
            value = (after["decision"], after.get("value"), after["justification"], after["who"])
            self.values[(after["supplier"], after["requirement_id"])] = value
        elif action == "withdraw_value_decision":
            self.values.pop((before["supplier"], before["requirement_id"]), None)
        elif action == "acknowledge_psr_change":
            self.acks.add(after["version"])
        elif action == "settle_dispute":
            # Entries since migration ``record`` name the dispute; older ones only what it was about.
            what: Any = after.get("dispute") or (entry.target, before.get("party"), before.get("reason"))
            self.settled[what] = (after.get("resolution", ""), entry.who)


def _replay(s: Session, project: ProjectRow, audit: list[Any]) -> list[Break]:
    """Compare the rows that change in place with what the audit trail says they became.

    ``audit``: the project's audit rows as the chain check read them (it hashed these very rows).
    """
    record = _Record()
    for entry in sorted(audit, key=lambda row: row.id):  # oldest first
        record.play(entry)
    breaks: list[Break] = []
    breaks += _project_breaks(project, record)
    breaks += _response_breaks(s, project.id, record)
    breaks += _override_breaks(s, project.id, record)
    breaks += _score_breaks(s, project.id, record)
    breaks += _value_breaks(s, project.id, record)
    breaks += _ack_breaks(s, project.id, record)
    breaks += _dispute_breaks(s, project.id, record)
    return breaks


def _project_breaks(project: ProjectRow, record: _Record) -> list[Break]:
    breaks = []
    name = f"project '{project.name}'"
    if record.latest_version is not None and project.latest_version != record.latest_version:
        breaks.append(
            f"{name} points at PSR version {project.latest_version}, the audit trail at version "
            f"{record.latest_version}"
        )
    if record.settings is not None and json.loads(project.settings_json) != record.settings:
        breaks.append(f"the settings of {name} differ from the last ones on record")
    if bool(project.archived) != record.archived:
        breaks.append(f"{name} is {'' if project.archived else 'not '}archived, unlike on record")
    return [Break(project.id, None, "projects", project.id, message) for message in breaks]


def _response_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    columns = ResponseRow.id, ResponseRow.filename, ResponseRow.status, ResponseRow.superseded_by
    for row in s.execute(select(*columns).where(ResponseRow.project_id == project_id)):  # not the answers
        expected = record.statuses.get(row.id)
        if expected is not None and (row.status, row.superseded_by) != expected:
            message = (
                f"response {row.id} ({row.filename}) is {row.status}, but the audit trail says {expected[0]}"
            )
            breaks.append(Break(project_id, None, "responses", row.id, message))
    return breaks


def _override_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    recorded = dict(record.overrides)
    for row in _rows(s, OverrideRow, project_id):
        what = f"override {row.supplier}" + (f" / {row.requirement_id}" if row.requirement_id else "")
        on_record = recorded.pop((row.supplier, row.requirement_id), None)
        if on_record is None:
            breaks.append(
                Break(
                    project_id,
                    None,
                    "overrides",
                    row.id,
                    f"{what} has no audit entry: it was set outside slm-psr",
                )
            )
        elif on_record != (row.decision, row.justification, row.set_by):
            message = f"{what} was changed outside slm-psr (it differs from its audit entry)"
            breaks.append(Break(project_id, None, "overrides", row.id, message))
    for supplier, requirement in recorded:
        what = f"override {supplier}" + (f" / {requirement}" if requirement else "")
        message = f"{what} is on record but missing: it was deleted outside slm-psr"
        breaks.append(Break(project_id, None, "overrides", None, message))
    return breaks


def _score_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    recorded = dict(record.scores)
    for row in _rows(s, EvaluatorScoreRow, project_id):
        what = f"score {row.supplier} / {row.requirement_id} by {row.evaluator}"
        on_record = recorded.pop((row.supplier, row.requirement_id, row.evaluator), None)
        if on_record is None:
            message = f"{what} has no audit entry: it was set outside slm-psr"
        elif on_record != (row.score, row.set_by):
            message = (
                f"{what} is {row.score:g} in the database, but {on_record[0]:g} on record: "
                "it was changed outside slm-psr"
            )
        else:
            continue
        breaks.append(Break(project_id, None, "evaluator_scores", row.id, message))
    for supplier, requirement, evaluator in recorded:
        message = (
            f"score {supplier} / {requirement} by {evaluator} is on record but missing: it was deleted "
            "outside slm-psr"
        )
        breaks.append(Break(project_id, None, "evaluator_scores", None, message))
    return breaks


def _decision_words(decision: str, value: Any) -> str:
    return (
        "confirmed as read"
        if decision == "confirm"
        else f"corrected to {json.dumps(value, ensure_ascii=False)}"
    )


def _value_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    recorded = dict(record.values)
    for row in _rows(s, ValueDecisionRow, project_id):
        what = f"the decision on value {row.supplier} / {row.requirement_id}"
        on_record = recorded.pop((row.supplier, row.requirement_id), None)
        value = json.loads(row.value_json) if row.value_json is not None else None
        if on_record is None:
            message = f"{what} has no audit entry: it was set outside slm-psr"
        elif on_record != (row.decision, value, row.justification, row.set_by):
            message = (
                f"{what} is {_decision_words(row.decision, value)} in the database, but "
                f"{_decision_words(on_record[0], on_record[1])} by {on_record[3]} on record: "
                "it was changed outside slm-psr"
            )
        else:
            continue
        breaks.append(Break(project_id, None, "value_decisions", row.id, message))
    for supplier, requirement in recorded:
        message = (
            f"the decision on value {supplier} / {requirement} is on record but missing: it was deleted "
            "outside slm-psr"
        )
        breaks.append(Break(project_id, None, "value_decisions", None, message))
    return breaks


def _ack_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    recorded = set(record.acks)
    for row in _rows(s, PSRChangeAckRow, project_id):
        if row.version not in recorded:
            message = f"the acknowledgement of PSR version {row.version} has no audit entry: it was added outside slm-psr"
            breaks.append(Break(project_id, None, "psr_change_acks", row.id, message))
        recorded.discard(row.version)
    for version in sorted(recorded):
        message = f"the acknowledgement of PSR version {version} is on record but missing: it was deleted outside slm-psr"
        breaks.append(Break(project_id, None, "psr_change_acks", None, message))
    return breaks


def _dispute_breaks(s: Session, project_id: int, record: _Record) -> list[Break]:
    breaks = []
    for row in _rows(s, MeasurementDisputeRow, project_id):
        on_record = record.settled.get(row.id) or record.settled.get(
            (f"measurement {row.record}", row.party, row.reason)
        )
        what = f"the dispute on measurement {row.record} (raised by the {row.party})"
        if row.resolved_at is None and on_record is not None:
            message = f"{what} was settled by {on_record[1]}, but is open in the database: it was reopened outside slm-psr"
        elif row.resolved_at is not None and on_record is None:
            message = f"{what} is settled in the database but not on record: it was settled outside slm-psr"
        elif on_record is not None and on_record != (row.resolution, row.resolved_by):
            message = f"the settlement of {what} differs from its audit entry: it was changed outside slm-psr"
        else:
            continue
        breaks.append(Break(project_id, None, "measurement_disputes", row.id, message))
    return breaks
