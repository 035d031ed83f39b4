"""The store's PSR versions: every save is a new, immutable version; read one back, list them, what changed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from slm_psr.model import PSR
from slm_psr.psr_file import content_hash
from slm_psr.store import chain, overlap, psr_saves
from slm_psr.store.errors import Tampered
from slm_psr.store.records import PSRVersionInfo
from slm_psr.store.schema import PSRVersionRow
from slm_psr.store.transactions import StoreBase, _NoChange, _psr_from_row, _who


class PSRVersionStore(StoreBase):
    """Saved PSR versions (mixed into ``Store``)."""

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
