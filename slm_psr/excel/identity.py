"""Which stored response a new upload would replace: a response is identified by its file and its company.

A file whose company cell names a supplier that already has a response from another
file must not silently replace it (anyone can type a competitor's name); nor may a
file that happens to share another supplier's file name. Such an upload is a
``CLASH`` and the buyer decides: replace, keep both, or cancel. The same file again
(byte for byte) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from slm_psr.sanitise import clean_text


class StoredUpload(Protocol):
    """What is known of a current response (``store.StoredResponse`` has these)."""

    filename: str
    supplier: str | None
    sha256: str


class UploadMatch(StrEnum):
    NEW = "new"  # no current response shares its file name or company
    IDENTICAL = "identical"  # the same bytes as a current response: nothing to do
    UPDATE = "update"  # the same file name and company: a corrected file replaces the earlier one
    CLASH = "clash"  # another file names the same company, or the same file name another company


@dataclass(frozen=True)
class UploadCheck:
    match: UploadMatch
    other_file: str | None = None  # the stored response it would replace
    message: str = ""  # for the buyer; empty for NEW


def check_upload(
    current: Iterable[StoredUpload], filename: str, sha256: str, supplier: str | None
) -> UploadCheck:
    """How an upload (its name, bytes' SHA-256 and the company read from it) relates to the current responses."""
    current = list(current)
    shown = clean_text(filename)
    for stored in current:
        if stored.sha256 == sha256:
            return UploadCheck(
                UploadMatch.IDENTICAL,
                stored.filename,
                f'"{shown}" is identical to "{clean_text(stored.filename)}", already read; nothing changed.',
            )
    company = (supplier or "").strip().casefold()
    for stored in current:
        same_name = stored.filename == filename
        same_company = bool(company) and (stored.supplier or "").strip().casefold() == company
        if same_name and (same_company or not company or not stored.supplier):
            return UploadCheck(
                UploadMatch.UPDATE,
                stored.filename,
                f'"{shown}" replaces the earlier upload of the same name (kept on record).',
            )
        if same_name or same_company:
            them = clean_text(stored.supplier or "another supplier")
            named = clean_text((supplier or "").strip())
            why = (
                f'names {named}, who already has a response from "{clean_text(stored.filename)}"'
                if same_company
                else f"has the same file name as the response of {them}, but names {named}"
            )
            return UploadCheck(
                UploadMatch.CLASH,
                stored.filename,
                f'"{shown}" {why}. Replace that response, keep both, or cancel this upload?',
            )
    return UploadCheck(UploadMatch.NEW)
