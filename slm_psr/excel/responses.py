"""Supplier answers: the bytes of filled questionnaires in, typed Responses with notes out.

Every file passes ``preflight`` first; a file that fails it is never parsed. Values
are read with python-calamine; the sheet XML is streamed only when a cell needs more
than its value: a formula without a saved value, or the number format of a
percent answer typed as a fraction (0.995 in a cell formatted as 99.5%).
Answers are matched by requirement ID, never by row position.

This module is the entry point (one file or a batch, each refused or read); the
reading is in ``response_reader`` (on ``response_sheets`` and ``answer_cells``) and
the results in ``import_report``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from slm_psr.collector import collector_paused
from slm_psr.excel.answer_cells import _Rejected
from slm_psr.excel.import_report import ImportReport, ImportResult, ReviewItem
from slm_psr.excel.preflight import MB, Limits, PreflightReport, RejectedFile, display_name, preflight
from slm_psr.excel.response_reader import REVIEW_FLAGS, _Reader
from slm_psr.model import PSR
from slm_psr.psr_file import content_hash
from slm_psr.values import BatchReadings

# Re-exported: the import's results are imported from here.
__all__ = [
    "REVIEW_FLAGS",
    "ImportReport",
    "ImportResult",
    "ReviewItem",
    "file_sha256",
    "read_response",
    "read_responses",
    "read_with_budget",
]


# --- entry points -----------------------------------------------------------------


def read_responses(
    psr: PSR, files: Iterable[tuple[str, bytes]], *, limits: Limits | None = None
) -> ImportReport:
    """Read every file; each gets its result, accepted or rejected."""
    psr_hash = content_hash(psr)  # once for all files
    budget = _TextBudget(limits or Limits())
    readings = BatchReadings()  # answer texts repeated across the files are read once
    # The batch's answers (100 files x 300: 30,000 pydantic objects) all stay alive, and
    # the collector's passes over them grew to a quarter of the import; reading makes next
    # to no reference cycles (the preflight's XML guards let go of their parsers).
    with collector_paused(collect_after=True):
        results = [_read(psr, data, name, psr_hash, limits, budget, readings) for name, data in files]
    return ImportReport(psr.id, psr.version, results)


def read_with_budget(
    psr: PSR,
    data: bytes,
    filename: str,
    limits: Limits,
    spent: int,
    psr_hash: str | None = None,
    readings: BatchReadings | None = None,
) -> tuple[ImportResult, int]:
    """One file of a batch whose earlier files expanded to ``spent`` characters; and what this one adds.

    ``psr_hash`` is ``content_hash(psr)`` when the caller computed it once for its batch;
    ``readings`` the batch's answer readings (see ``values.BatchReadings``), kept by the caller.
    """
    budget = _TextBudget(limits, spent)
    result = _read(psr, data, filename, psr_hash or content_hash(psr), limits, budget, readings)
    return result, budget.spent - spent


def file_sha256(data: bytes) -> str:
    """The SHA-256 that identifies an uploaded file's bytes."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class _TextBudget:
    """The text one import may expand to over all its files (``Limits.max_batch_expanded_text``)."""

    limits: Limits
    spent: int = 0

    def spend(self, report: PreflightReport) -> None:
        room = self.limits.max_batch_expanded_text - self.spent
        if report.expanded_text > room:
            raise _Rejected(
                f'"{report.filename}" is not read in this import: with the files before it, the text of '
                f"all files together would exceed {self.limits.max_batch_expanded_text / MB:,.0f} MB "
                f"(this one expands to {report.expanded_text / MB:,.1f} MB once read); import it on its own.",
                "too_much_text",
            )
        self.spent += report.expanded_text


def read_response(psr: PSR, data: bytes, filename: str, *, limits: Limits | None = None) -> ImportResult:
    """Read one supplier's filled questionnaire. Never raises for a bad file: it is rejected.

    ``limits`` are the preflight's (file size, unpacked size, sheet extent); default: ``Limits()``.
    """
    return _read(psr, data, filename, content_hash(psr), limits)


def _read(
    psr: PSR,
    data: bytes,
    filename: str,
    psr_hash: str,
    limits: Limits | None,
    budget: _TextBudget | None = None,
    readings: BatchReadings | None = None,
) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(filename=filename, sha256=file_sha256(data))
    try:
        report = preflight(data, filename, limits=limits)
    except RejectedFile as exc:
        result.rejection, result.rejection_code = exc.reason, str(exc.code)
    else:
        try:
            if budget is not None:
                budget.spend(report)  # before python-calamine materialises anything
            _Reader(psr, psr_hash, data, filename, report, result, readings).read()
        except _Rejected as exc:
            result.rejection, result.rejection_code = str(exc), exc.code
        except Exception as exc:  # a file that passed preflight but still breaks a parser
            result.rejection = (
                f'"{display_name(filename)}" could not be read ({type(exc).__name__}: {exc}); '
                "open it in Excel or LibreOffice, save it as .xlsx and send it again."
            )
            result.rejection_code = "unreadable"
    if result.rejection:
        result.response = None
    result.seconds = time.perf_counter() - started
    return result
