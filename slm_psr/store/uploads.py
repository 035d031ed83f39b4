"""The store's uploaded responses: the files as received, what was read from them, superseded and removed ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slm_psr.model import Response
from slm_psr.store import chain, overlap, parsed
from slm_psr.store.errors import Conflict, DatabaseFailure, NotFound, StoreError, Tampered
from slm_psr.store.records import BatchNotStored, BatchStored, StoredResponse
from slm_psr.store.schema import ProjectRow, ResponseFileRow, ResponseRow
from slm_psr.store.text import clean_name, name_key, optional_text
from slm_psr.store.transactions import StoreBase, _json, _required, _who


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


class ResponseStore(StoreBase):
    """Uploaded responses (mixed into ``Store``)."""

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


def _stored_responses(rows: Sequence[ResponseRow]) -> list[StoredResponse]:
    with parsed.collector_paused(collect_after=True):  # see store.parsed: the parse is most of a load
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
