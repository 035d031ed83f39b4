"""The store's overrides of the knock-out gate and evaluators' 0-10 scores, each set or withdrawn on record."""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import select

from slm_psr.model import decision_word
from slm_psr.store import overlap
from slm_psr.store.errors import StoreError
from slm_psr.store.schema import EvaluatorScoreRow, OverrideRow
from slm_psr.store.text import clean_name
from slm_psr.store.transactions import StoreBase, _required, _who


class OverrideStore(StoreBase):
    """Overrides and evaluator scores (mixed into ``Store``)."""

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
