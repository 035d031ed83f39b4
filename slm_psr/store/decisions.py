"""Per-value decisions and acknowledged PSR changes: the store's part of the buyer's day.

A flagged value of one bid (Westpark's price "1.500") is settled on its own: confirmed
as read, or corrected with a justification. Both are recorded (audit trail) and applied
to the response before any evaluation (``apply_value_decisions``), so the engine, the
review count and the workbook all see the settled value. A PSR version saved after
bids arrived stays announced until someone acknowledges it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slm_psr.model import Answer, Flag, Response
from slm_psr.store import chain, overlap
from slm_psr.store.errors import StoreError
from slm_psr.store.schema import PSRChangeAckRow, ResponseRow, ValueDecisionRow
from slm_psr.store.text import clean_name, optional_text

CONFIRM, CORRECT = "confirm", "correct"
REVIEW_FLAGS = {Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE}


def apply_value_decisions(response: Response, decisions: list[dict[str, Any]]) -> Response:
    """The response with this supplier's settled values: no review flag, the decision in the notes.

    A correction replaces the value as read (the raw text stays as submitted); a
    confirmation keeps it. Decisions for other suppliers are ignored.
    """
    mine = [
        d for d in decisions if d["supplier"] == response.supplier and d["requirement_id"] in response.answers
    ]
    if not mine:
        return response
    # the same response with the same decisions gives the same object: the engine keeps what
    # it read of a Response object (``engine.inputs.read_answers``), so a weight move or a new
    # session must not hand it a fresh copy of a decided bid
    key = (id(response), json.dumps(mine, sort_keys=True, default=str))
    with _DECIDED_LOCK:
        kept = _DECIDED.get(key)
        if kept is not None and kept[0] is response:
            _DECIDED.move_to_end(key)
            return kept[1]
    decided = _decided(response, mine)
    with _DECIDED_LOCK:
        _DECIDED[key] = (response, decided)  # keeps ``response`` alive: its id is not reused
        while len(_DECIDED) > MAX_DECIDED:
            _DECIDED.popitem(last=False)
    return decided


MAX_DECIDED = 1024  # decided responses kept per process (like the parsed ones, store.parsed)
_DECIDED: OrderedDict[tuple[int, str], tuple[Response, Response]] = OrderedDict()
_DECIDED_LOCK = threading.Lock()


def _decided(response: Response, mine: list[dict[str, Any]]) -> Response:
    answers = dict(response.answers)
    for d in mine:
        answer = answers[d["requirement_id"]]
        flags = [f for f in answer.flags if f not in REVIEW_FLAGS]
        when = f" on {d['when']:%Y-%m-%d}" if d.get("when") else ""
        if d["decision"] == CORRECT:
            flags = [f for f in flags if f not in (Flag.UNREADABLE, Flag.MISSING)]
            note = f"corrected by {d['who']}{when}: {d['justification']}"
            answers[d["requirement_id"]] = Answer.model_validate(
                answer.model_dump() | {"value": d["value"], "flags": flags, "notes": [*answer.notes, note]}
            )
        else:
            note = f"confirmed as read by {d['who']}{when}: {d['justification']}"
            answers[d["requirement_id"]] = answer.model_copy(
                update={"flags": flags, "notes": [*answer.notes, note]}
            )
    return response.model_copy(update={"answers": answers})


def decision_dict(row: ValueDecisionRow) -> dict[str, Any]:
    return {
        "supplier": row.supplier,
        "requirement_id": row.requirement_id,
        "decision": row.decision,
        "value": json.loads(row.value_json) if row.value_json is not None else None,
        "justification": row.justification,
        "who": row.set_by,
        "when": row.set_at,
    }


def read_decisions(s: Session, project_id: int) -> dict[str, Any]:
    """What ``ProjectState`` carries of this module: the value decisions and the acknowledged versions."""
    rows = s.scalars(
        select(ValueDecisionRow)
        .where(ValueDecisionRow.project_id == project_id)
        .order_by(ValueDecisionRow.supplier, ValueDecisionRow.requirement_id)
    ).all()
    acks = s.scalars(
        select(PSRChangeAckRow.version)
        .where(PSRChangeAckRow.project_id == project_id)
        .order_by(PSRChangeAckRow.version)
    ).all()
    return {"value_decisions": [decision_dict(r) for r in rows], "acknowledged_psr_versions": list(acks)}


def _who(user: str) -> str:
    from slm_psr.store.api import _who as who  # the store's one check of a user name (api imports us)

    return who(user)


class DecisionStore:
    """Store methods for per-value decisions and PSR-change acknowledgements (mixed into ``Store``)."""

    def set_value_decision(
        self,
        project_id: int,
        supplier: str,
        requirement_id: str,
        decision: str | None,
        justification: str,
        *,
        value: Any = None,
        user: str,
        expected_revision: int,
    ) -> int:
        """Settle one flagged value: "confirm" it as read, or "correct" it to ``value`` (typed, JSON).

        The justification is mandatory (it goes on record); None withdraws the decision.
        Returns the new revision.
        """
        user = _who(user)
        supplier = clean_name(supplier or "") if isinstance(supplier, str) else ""
        requirement_id = clean_name(requirement_id or "") if isinstance(requirement_id, str) else ""
        if not supplier or not requirement_id:
            raise ValueError("a value decision needs the supplier and the requirement it is for")
        target = f"value {supplier} / {requirement_id}"
        justification = optional_text(justification) or ""
        if not justification:
            raise ValueError(f"{target}: say why (it goes on record with the award)")
        if decision not in (CONFIRM, CORRECT, None):
            raise ValueError(f"{target}: decide 'confirm' (as read) or 'correct', not {decision!r}")
        if decision == CORRECT and (value is None or value == "" or value == []):
            raise ValueError(f"{target}: give the corrected value")
        value_json = json.dumps(value, ensure_ascii=False) if decision == CORRECT else None
        touches = overlap.value(supplier, requirement_id)
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):  # type: ignore[attr-defined]
            suppliers = s.scalars(
                select(ResponseRow.supplier).where(
                    ResponseRow.project_id == project_id, ResponseRow.status == "current"
                )
            ).all()
            if supplier not in suppliers:
                raise StoreError(f"{target}: project '{row.name}' has no current response from {supplier}")
            existing = s.scalar(
                select(ValueDecisionRow).where(
                    ValueDecisionRow.project_id == project_id,
                    ValueDecisionRow.supplier == supplier,
                    ValueDecisionRow.requirement_id == requirement_id,
                )
            )
            before = decision_dict(existing) if existing else None
            if decision is None:
                if existing is None:
                    raise StoreError(f"there is no decision on {target} to withdraw")
                s.delete(existing)
                after: dict[str, Any] = {"withdrawn": True, "justification": justification}
                action = "withdraw_value_decision"
            else:
                if existing is None:
                    existing = ValueDecisionRow(
                        project_id=project_id, supplier=supplier, requirement_id=requirement_id
                    )
                    s.add(existing)
                existing.decision, existing.value_json, existing.justification = (
                    decision,
                    value_json,
                    justification,
                )
                existing.set_at, existing.set_by = now, user
                after = decision_dict(existing)
                action = "set_value_decision"
            self._audit(s, project_id, user, action, target, before, after, now)  # type: ignore[attr-defined]
            return row.revision

    def acknowledge_psr_change(
        self, project_id: int, version: int, *, user: str, expected_revision: int
    ) -> int:
        """Record that someone saw PSR ``version`` was saved after bids arrived; returns the new revision."""
        user = _who(user)
        touches = overlap.ack(version)
        with self._change(project_id, user, expected_revision, touches) as (s, row, now):  # type: ignore[attr-defined]
            if not 1 <= version <= row.latest_version:
                raise StoreError(f"project '{row.name}' has no PSR version {version}")
            done = s.scalar(
                select(PSRChangeAckRow.id).where(
                    PSRChangeAckRow.project_id == project_id, PSRChangeAckRow.version == version
                )
            )
            if done is None:
                ack = PSRChangeAckRow(
                    project_id=project_id, version=version, acknowledged_at=now, acknowledged_by=user
                )
                s.add(ack)
                s.flush()
                chain.link(s, ack)
                self._audit(  # type: ignore[attr-defined]
                    s,
                    project_id,
                    user,
                    "acknowledge_psr_change",
                    f"PSR version {version} saved after bids arrived",
                    None,
                    {"version": version, "who": user},
                    now,
                )
            return row.revision
