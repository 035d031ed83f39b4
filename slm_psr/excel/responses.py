"""Supplier answers: the bytes of filled questionnaires in, typed Responses with notes out.

Every file passes ``preflight`` first; a file that fails it is never parsed. Values
are read with python-calamine; the sheet XML is streamed only when a cell needs more
than its value: a formula without a saved value, or the number format of a
percent answer typed as a fraction (0.995 in a cell formatted as 99.5%).
Answers are matched by requirement ID, never by row position.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import python_calamine

from slm_psr.excel.cells import CellInfo, cell_info, formulas_calculated, number_formats, unusable_formula
from slm_psr.excel.preflight import MB, Limits, PreflightReport, RejectedFile, display_name, preflight
from slm_psr.excel.preflight.text_encoding import utf8_package
from slm_psr.excel.questionnaire import (
    AMOUNT_HEADER,
    ANSWER_HEADER,
    ANSWERS_SHEET,
    COMMENT_HEADER,
    CONTRACT_SHEET,
    ID_HEADER,
    INSTRUCTIONS_SHEET,
    META_KEYS,
    META_SHEET,
    PRICES_SHEET,
    ROW_MAP_HEADER,
    SUPPLIER_FIELDS,
    SUPPLIER_SHEET,
)
from slm_psr.model import PSR, Answer, Flag, Requirement, Response
from slm_psr.psr_file import content_hash
from slm_psr.sanitise import clean_text, needs_cleaning, raw_digest
from slm_psr.values import parse_answer
from slm_psr.wording import offered_value

MAX_ROWS = 5000  # rows read per sheet; a questionnaire has one per requirement
MAX_CELLS = 500_000  # extent (rows x columns) of a sheet handed to python-calamine: about 16 MB
HEADER_SEARCH_ROWS = 30  # a table's header row is looked for in this many rows
REVIEW_FLAGS = (Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE, Flag.UNREADABLE)


# --- results ----------------------------------------------------------------------


@dataclass
class ReviewItem:
    """An answer a person must look at before it counts: where, what was typed, why."""

    requirement_id: str
    cell: str  # "Answers!G7"
    raw: str
    value: str  # as read, in words ('99.5 %'), or '-' when nothing could be read
    flags: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        why = "; ".join(self.notes)
        return f"{self.requirement_id} ({self.cell}): '{self.raw}' -> {self.value} ({', '.join(self.flags)}): {why}"


@dataclass
class ImportResult:
    """One file: its typed response, or why it was rejected; and what to check."""

    filename: str
    sha256: str
    response: Response | None = None
    rejection: str | None = None  # the reason, in words for the buyer and the supplier
    rejection_code: str | None = None
    notes: list[str] = field(default_factory=list)  # each names file, sheet, cell, expected and found
    review: list[ReviewItem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    @property
    def supplier(self) -> str:
        return self.response.supplier if self.response else PurePath(self.filename).stem

    @property
    def unanswered(self) -> list[str]:
        if not self.response:
            return []
        return [rid for rid, a in self.response.answers.items() if Flag.MISSING in a.flags]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "accepted": self.accepted,
            "rejection": self.rejection,
            "rejection_code": self.rejection_code,
            "supplier": self.supplier,
            "unanswered": self.unanswered,
            "review": [item.to_dict() for item in self.review],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 4),
            "response": self.response.model_dump(mode="json") if self.response else None,
        }

    def stored_review(self) -> dict[str, Any]:
        """What the import said, to keep with the stored response: its notes and the values to
        review as worded now (the Responses page shows them as the import report did)."""
        return {"notes": list(self.notes), "review": [item.to_dict() for item in self.review]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        """The result ``to_dict`` wrote (from a worker process, see ``excel.isolation``)."""
        response = data.get("response")
        return cls(
            filename=data["filename"],
            sha256=data["sha256"],
            response=Response.model_validate(response) if response is not None else None,
            rejection=data.get("rejection"),
            rejection_code=data.get("rejection_code"),
            notes=list(data.get("notes", [])),
            review=[ReviewItem(**item) for item in data.get("review", [])],
            seconds=float(data.get("seconds", 0.0)),
        )

    def summary(self) -> str:
        if not self.accepted:
            return f"{self.filename}: REJECTED: {self.rejection}"
        response = self.response
        assert response is not None
        parts = [f"{self.filename}: accepted, {response.supplier}, {len(response.answers)} requirements"]
        if self.unanswered:
            parts.append(f"unanswered: {', '.join(self.unanswered)}")
        if self.review:
            parts.append(f"{len(self.review)} value{'s' if len(self.review) != 1 else ''} to review")
        lines = ["; ".join(parts)]
        lines.extend(f"    review {item}" for item in self.review)
        return "\n".join(lines)


@dataclass
class ImportReport:
    """All files of one import, in the order given; a bad file never stops the others."""

    psr_id: str
    psr_version: int
    results: list[ImportResult]

    @property
    def rejected(self) -> list[ImportResult]:
        return [r for r in self.results if not r.accepted]

    @property
    def responses(self) -> list[Response]:
        return [r.response for r in self.results if r.response is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "psr_id": self.psr_id,
            "psr_version": self.psr_version,
            "files": len(self.results),
            "accepted": len(self.results) - len(self.rejected),
            "rejected": len(self.rejected),
            "to_review": sum(len(r.review) for r in self.results),
            "results": [r.to_dict() for r in self.results],
        }

    def summary(self) -> str:
        n = len(self.results)
        reviews = sum(len(r.review) for r in self.results)
        head = (
            f"{n} file{'s' if n != 1 else ''} for {self.psr_id} version {self.psr_version}: "
            f"{n - len(self.rejected)} read, {len(self.rejected)} rejected, {reviews} values to review"
        )
        return "\n".join([head, *(r.summary() for r in self.results)])


# --- entry points -----------------------------------------------------------------


def read_responses(
    psr: PSR, files: Iterable[tuple[str, bytes]], *, limits: Limits | None = None
) -> ImportReport:
    """Read every file; each gets its result, accepted or rejected."""
    psr_hash = content_hash(psr)  # once for all files
    budget = _TextBudget(limits or Limits())
    results = [_read(psr, data, name, psr_hash, limits, budget) for name, data in files]
    return ImportReport(psr.id, psr.version, results)


def read_with_budget(
    psr: PSR, data: bytes, filename: str, limits: Limits, spent: int
) -> tuple[ImportResult, int]:
    """One file of a batch whose earlier files expanded to ``spent`` characters; and what this one adds."""
    budget = _TextBudget(limits, spent)
    result = _read(psr, data, filename, content_hash(psr), limits, budget)
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
            _Reader(psr, psr_hash, data, filename, report, result).read()
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


class _Rejected(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


# --- the reader -------------------------------------------------------------------


@dataclass
class _Table:
    """A located answer table: sheet, header row and the columns that matter (0-based)."""

    sheet: str
    rows: list[list[Any]]
    header_row: int
    id_col: int
    answer_col: int
    comment_col: int | None


class _Reader:
    def __init__(
        self,
        psr: PSR,
        psr_hash: str,
        data: bytes,
        filename: str,
        report: PreflightReport,
        result: ImportResult,
    ):
        self.psr = psr
        self.psr_hash = psr_hash
        self.requirements = {r.id: r for r in psr.requirements}  # PSR.requirement() is a linear search
        # Sheets in UTF-16 or another legal encoding are read as UTF-8 (see preflight).
        self.data = utf8_package(data, report.encodings)
        self.filename = display_name(filename)
        self.report = report
        self.result = result
        self.workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        self.sheet_names = list(self.workbook.sheet_names)
        self._zip: zipfile.ZipFile | None = None
        self._sheet_rows: dict[str, list[list[Any]] | None] = {}
        self._formats: list[str] | None = None
        self._calc_vouched: bool | None = None
        self._company_review: list[ReviewItem] = []
        self._rows_beyond: dict[str, int] = {}  # sheet -> first row past MAX_ROWS with a value (0-based)
        self._new_requirements: set[str] = set()  # in the PSR, not in the version the file was made for
        self._dropped_requirements: set[str] = set()  # the other way round
        self.file_notes: list[str] = []

    # notes -------------------------------------------------------------------------

    def note(self, text: str, sheet: str | None = None, cell: str | None = None) -> None:
        where = self.filename + (f", sheet {sheet}" if sheet else "") + (f", cell {cell}" if cell else "")
        self.file_notes.append(f"{where}: {text}")

    # the whole file ----------------------------------------------------------------

    def read(self) -> None:
        for text in self.report.notes:
            if f"'{META_SHEET}'" not in text:  # our own technical sheet is hidden on purpose
                self.note(text)
        meta = self._meta()
        answers_table = self._find_table(ANSWERS_SHEET, ANSWER_HEADER, exact=True)
        prices_table = self._find_table(PRICES_SHEET, AMOUNT_HEADER, exact=False)
        if answers_table is None and prices_table is None:
            raise _Rejected(
                f'"{self.filename}" has no sheet with the questionnaire\'s answer table (a header row '
                f"with '{ID_HEADER}' and '{ANSWER_HEADER}'); send the questionnaire for {self.psr.id} "
                "filled in, not another document.",
                "not_a_questionnaire",
            )
        self._check_version(meta)
        answers: dict[str, Answer] = {}
        found_rows: dict[str, int] = {}
        for table in (answers_table, prices_table, self._contract_table()):
            if table is not None:
                self._read_table(table, answers, found_rows)
        self._check_rows(meta, found_rows)
        missing_rows = [r.id for r in self.psr.requirements if r.id not in answers]
        for rid in missing_rows:
            req = self.requirements[rid]
            answer = parse_answer(req, None, None, cell="", hours_per_business_day=self._hours)
            answer.notes.append("not in the workbook; counted as unanswered")
            answers[rid] = answer
        deleted = [rid for rid in missing_rows if rid not in self._new_requirements]
        if deleted:
            self.note(
                f"requirements not in the workbook (rows deleted?): {', '.join(deleted)}; "
                "they count as unanswered"
            )
        ordered = {r.id: answers[r.id] for r in self.psr.requirements}
        supplier, contact = self._supplier()
        if (
            not contact.get("company")
            and not self._company_review
            and all(Flag.MISSING in answer.flags for answer in ordered.values())
        ):
            raise _Rejected(
                f'"{self.filename}" is the blank questionnaire; nothing was answered (no company name, '
                "no answer to any requirement). Ask the supplier to fill it in and send it again.",
                "blank",
            )
        from slm_psr.excel.lots import read_lots  # these use this module's cell helpers
        from slm_psr.excel.options import read_options

        options = read_options(self)
        lots, bundles = read_lots(self)
        response = Response(
            supplier=supplier,
            file=self.filename,
            sha256=self.result.sha256,
            contact=contact,
            psr_id=str(meta.get("psr_id", "")),
            psr_version=_int_or_none(meta.get("psr_version")),
            psr_hash=str(meta.get("content_hash", "")),
            answers=ordered,
            notes=list(self.file_notes),
            options=options,
            lots=lots,
            bundles=bundles,
        )
        self.result.response = response
        self.result.notes = [*self.file_notes, *self._answer_notes(ordered)]
        self.result.review = [
            *self._company_review,
            *(self._review_item(a) for a in ordered.values() if any(f in REVIEW_FLAGS for f in a.flags)),
        ]

    @property
    def _hours(self) -> float:
        return self.psr.evaluation.hours_per_business_day

    # sheets ------------------------------------------------------------------------

    def _rows(self, sheet: str, *, needed: bool) -> list[list[Any]] | None:
        """A worksheet's values from A1; None for a sheet that is no part of a questionnaire.

        python-calamine allocates every cell of a sheet's extent before returning any,
        so a sheet whose real extent is larger than ``MAX_CELLS`` is never handed to it:
        the file is rejected when the sheet is ``needed``, else the sheet is skipped.
        """
        if sheet not in self._sheet_rows:
            info = next((s for s in self.report.sheets if s.name == sheet), None)
            rows, cols = info.real_extent if info else (0, 0)
            if info is None or info.kind != "worksheet":
                self._sheet_rows[sheet] = None
            elif rows * cols > MAX_CELLS:
                if needed:
                    raise _Rejected(
                        f"\"{self.filename}\": the sheet '{sheet}' has cells as far as row {rows:,}, column "
                        f"{cols:,}, far more than the questionnaire; delete what was added below or beside "
                        "the answers (Ctrl+End shows the last cell), save and send it again.",
                        "sheet_too_large",
                    )
                self.note(
                    f"the sheet is too large to be part of the questionnaire ({rows:,} rows, {cols:,} columns); not read",
                    sheet,
                )
                self._sheet_rows[sheet] = None
            else:
                # All rows of the (bounded) extent, so that what lies past MAX_ROWS is seen.
                values = self.workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=rows)
                self._sheet_rows[sheet] = self._cleaned(sheet, self._cut(sheet, values, needed=needed))
        return self._sheet_rows[sheet]

    def _cut(self, sheet: str, rows: list[list[Any]], *, needed: bool) -> list[list[Any]]:
        """The first ``MAX_ROWS`` rows; values further down refuse the file (a questionnaire sheet) or are noted."""
        beyond = next(
            (index for index in range(MAX_ROWS, len(rows)) if any(not _blank(v) for v in rows[index])), None
        )
        if beyond is None:
            return rows[:MAX_ROWS]
        if needed:
            raise self._too_many_rows(sheet, beyond)
        self._rows_beyond[sheet] = beyond
        self.note(f"only the first {MAX_ROWS:,} rows are read; row {beyond + 1:,} and below are not", sheet)
        return rows[:MAX_ROWS]

    def _too_many_rows(self, sheet: str, beyond: int) -> _Rejected:
        return _Rejected(
            f"\"{self.filename}\": the sheet '{sheet}' has values below row {MAX_ROWS:,} (the first in row "
            f"{beyond + 1:,}), and a questionnaire answer is read to row {MAX_ROWS:,} only; delete what "
            "was added below the answers, save and send it again.",
            "too_many_rows",
        )

    def _cleaned(self, sheet: str, rows: list[list[Any]]) -> list[list[Any]]:
        """The rows with control and text-direction characters taken out of every text (see ``sanitise``).

        Each changed cell gets a note with the SHA-256 of its text as written; the
        file's own bytes and hash are kept by the caller.
        """
        for row_index, row in enumerate(rows):
            for col_index, value in enumerate(row):
                if isinstance(value, str) and needs_cleaning(value):
                    row[col_index] = clean_text(value, lines=True)
                    if sheet != META_SHEET:
                        self.note(
                            "control or text-direction characters removed from the text (the text as "
                            f"written has SHA-256 {raw_digest(value)})",
                            sheet,
                            f"{_column_letter(col_index)}{row_index + 1}",
                        )
        return rows

    def _meta(self) -> dict[str, Any]:
        """The hidden sheet's keys and its row map (under the key 'rows': ID -> (sheet, row))."""
        if META_SHEET not in self.sheet_names:
            self.note(
                f"no hidden sheet '{META_SHEET}', so the request version this questionnaire was made "
                "for is unknown; answers matched by requirement ID"
            )
            return {}
        meta: dict[str, Any] = {}
        row_map: dict[str, tuple[str, int]] = {}
        in_map = False
        for row in self._rows(META_SHEET, needed=True) or []:
            first = _text(row[0]) if row else ""
            if in_map:
                row_number = _int_or_none(row[2]) if first and len(row) > 2 else None
                if row_number:
                    row_map[first] = (_text(row[1]), row_number)
            elif first == ROW_MAP_HEADER[0]:
                in_map = tuple(([_text(v) for v in row[:4]] + [""] * 4)[:4]) == ROW_MAP_HEADER
            elif first in META_KEYS:
                meta[first] = row[1] if len(row) > 1 else ""
        meta["rows"] = row_map
        return meta

    def _check_version(self, meta: dict[str, Any]) -> None:
        if not meta.get("psr_id"):
            return
        psr = self.psr
        made_for, version = str(meta["psr_id"]), _int_or_none(meta.get("psr_version"))
        if made_for != psr.id:
            raise _Rejected(
                f'"{self.filename}" is the questionnaire made for request {made_for}, not for '
                f"{psr.id}; import it into its own project.",
                "other_psr",
            )
        row_map = meta.get("rows", {})
        if version != psr.version:
            new = [r.id for r in psr.requirements if r.id not in row_map]
            self._new_requirements = set(new)
            dropped = [rid for rid in row_map if rid not in {r.id for r in psr.requirements}]
            self._dropped_requirements = set(dropped)
            text = (
                f"questionnaire made for version {version}, PSR is version {psr.version}; "
                "answers matched by requirement ID"
            )
            if new:
                text += f"; new requirements unanswered: {', '.join(new)}"
            if dropped:
                text += f"; answers to requirements no longer in the PSR ignored: {', '.join(dropped)}"
            self.note(text, META_SHEET)
        elif meta.get("content_hash") and meta["content_hash"] != self.psr_hash:
            self.note(
                f"the PSR changed after this questionnaire was made (both say version {psr.version}, "
                "the content differs); answers matched by requirement ID; check what the supplier was shown",
                META_SHEET,
            )

    def _contract_table(self) -> _Table | None:
        """The contract-terms sheet, when the PSR asks about its contract terms and the sheet is there.

        Only by its name: it has the same header row as the answers sheet. Without it,
        its questions count as unanswered (reported like any missing row).
        """
        terms = self.psr.contract_terms
        if terms is None or not terms.question_ids() or CONTRACT_SHEET not in self.sheet_names:
            return None
        rows = self._rows(CONTRACT_SHEET, needed=False)
        located = _header(rows, ANSWER_HEADER, exact=True) if rows else None
        if rows is None or located is None:
            self.note(
                f"no header row with '{ID_HEADER}' and '{ANSWER_HEADER}'; its answers were not read",
                CONTRACT_SHEET,
            )
            return None
        header_row, cols = located
        return _Table(CONTRACT_SHEET, rows, header_row, *cols)

    def _find_table(self, expected: str, answer_header: str, *, exact: bool) -> _Table | None:
        """The sheet named ``expected``, or else the first sheet with the same header row."""
        candidates = [expected] if expected in self.sheet_names else []
        candidates += [
            s
            for s in self.sheet_names
            if s not in (expected, META_SHEET, INSTRUCTIONS_SHEET, SUPPLIER_SHEET, CONTRACT_SHEET)
        ]
        for sheet in candidates:
            rows = self._rows(sheet, needed=sheet == expected)
            located = _header(rows, answer_header, exact=exact) if rows else None
            if located is None:
                continue
            header_row, cols = located
            if sheet in self._rows_beyond:  # the table after all: what lies below it counts
                raise self._too_many_rows(sheet, self._rows_beyond[sheet])
            if sheet != expected:
                self.note(
                    f"the sheet '{expected}' was renamed to '{sheet}'; found it by its header row "
                    f"(row {header_row + 1})",
                    sheet,
                )
            return _Table(sheet, rows, header_row, *cols)  # type: ignore[arg-type]
        return None

    def _read_table(self, table: _Table, answers: dict[str, Answer], found_rows: dict[str, int]) -> None:
        psr = self.psr
        known = self.requirements
        pending: list[tuple[Requirement, Any, str, str]] = []  # requirement, value, cell ref, comment
        found_here: set[str] = set()
        answer_column = _column_letter(table.answer_col)
        for index in range(table.header_row + 1, len(table.rows)):
            row = table.rows[index]
            rid = _text(_get(row, table.id_col))
            value = _get(row, table.answer_col)
            ref = f"{answer_column}{index + 1}"
            if not rid:
                if not _blank(value):
                    self.note(
                        f"an answer ('{_short(value)}') in a row without a requirement ID; ignored",
                        table.sheet,
                        ref,
                    )
                continue
            if rid not in known:
                if rid.lower() == ID_HEADER.lower() or rid in self._dropped_requirements:
                    continue  # a repeated header, or already reported as dropped from the PSR
                self.note(
                    f"row {index + 1} has ID '{rid}', which is not a requirement of {psr.id} version "
                    f"{psr.version}; its answer ('{_short(value)}') is ignored",
                    table.sheet,
                )
                continue
            if rid in answers or rid in found_here:
                self.note(
                    f"{rid} appears again in row {index + 1}; the first row is used, this one ignored",
                    table.sheet,
                )
                continue
            comment = _text(_get(row, table.comment_col)) if table.comment_col is not None else ""
            pending.append((known[rid], value, ref, comment))
            found_here.add(rid)
            found_rows[rid] = index + 1
        cells = self._cell_info(table.sheet, [p[2] for p in pending if _is_fraction_candidate(p[0], p[1])])
        for req, value, ref, comment in pending:
            where = f"{table.sheet}!{ref}"
            info = cells.get(ref)
            if info is not None and info.formula is not None:
                refused = self._unusable_formula(info, value)
                if refused is not None:
                    answers[req.id] = Answer(
                        requirement_id=req.id,
                        raw=refused[0],
                        flags=[Flag.UNREADABLE],
                        notes=[refused[1]],
                        comment=comment,
                        cell=where,
                    )
                    continue
            number_format = None
            if info is not None and _is_fraction_candidate(req, value):
                number_format = self._format(info.style)
            answer = parse_answer(
                req,
                None if _blank(value) else value,
                number_format,
                cell=where,
                hours_per_business_day=self._hours,
            )
            if info is not None and info.formula is not None:
                # Calculated by a spreadsheet program, but still a formula: a person confirms it.
                if Flag.NEEDS_REVIEW not in answer.flags:
                    answer.flags.append(Flag.NEEDS_REVIEW)
                answer.notes.append(
                    f"formula: confirm the value (the cell holds {info.formula_words}; its saved value was used)"
                )
            if comment and not answer.comment:
                answer.comment = comment
            if not answer.cell:
                answer.cell = where
            answers[req.id] = answer

    def _unusable_formula(self, info: CellInfo, value: Any) -> tuple[str, str] | None:
        """See ``cells.unusable_formula``; whether the workbook vouches for its values is read once."""
        if self._calc_vouched is None:
            self._calc_vouched = formulas_calculated(self.zip.read(self.report.workbook_part))
        return unusable_formula(info, _short(value), calculated=self._calc_vouched)

    def _check_rows(self, meta: dict[str, Any], found_rows: dict[str, int]) -> None:
        moved = [
            (rid, meta_row, found_rows[rid])
            for rid, (_sheet, meta_row) in meta.get("rows", {}).items()
            if rid in found_rows and found_rows[rid] != meta_row
        ]
        if moved:
            examples = ", ".join(f"{rid} from row {a} to row {b}" for rid, a, b in moved[:3])
            self.note(
                f"{len(moved)} rows were moved ({examples}{', ...' if len(moved) > 3 else ''}); "
                "answers matched by requirement ID"
            )

    def _supplier(self) -> tuple[str, dict[str, str]]:
        labels = {label.lower(): key for key, label in SUPPLIER_FIELDS}
        sheets = [SUPPLIER_SHEET] if SUPPLIER_SHEET in self.sheet_names else []
        sheets += [s for s in self.sheet_names if s not in (SUPPLIER_SHEET, META_SHEET)]
        contact: dict[str, str] = {}
        cells: dict[str, str] = {}
        for sheet in sheets:
            rows = (self._rows(sheet, needed=sheet == SUPPLIER_SHEET) or [])[:HEADER_SEARCH_ROWS]
            for index, row in enumerate(rows):
                key = labels.get(_text(_get(row, 0)).lower())
                if key and key not in contact:
                    value = _get(row, 1)
                    if isinstance(value, dt.datetime):
                        value = value.date()
                    text = value.isoformat() if isinstance(value, dt.date) else _text(value)
                    if text:
                        contact[key] = text
                    cells[key] = f"{sheet}!B{index + 1}"
            if cells:
                if sheet != SUPPLIER_SHEET:
                    self.note(f"the sheet '{SUPPLIER_SHEET}' was renamed to '{sheet}'", sheet)
                break
        self._check_company_formula(cells.get("company"), contact)
        company = contact.get("company", "")
        if not company and not self._company_review:
            stem = PurePath(self.filename).stem
            where = cells.get("company", f"{SUPPLIER_SHEET}!B?")
            self.note(f"no company name in {where}; the supplier is named after the file: '{stem}'")
            company = stem
        elif not company:
            company = PurePath(self.filename).stem
        return company, contact

    def _check_company_formula(self, cell: str | None, contact: dict[str, str]) -> None:
        """A company name given as a formula: flagged; not used at all when the workbook cannot vouch for it."""
        if not cell:
            return
        sheet, _, ref = cell.partition("!")
        info = self._cell_info(sheet, [ref]).get(ref)
        if info is None or info.formula is None:
            return
        shown = contact.get("company", "")
        refused = self._unusable_formula(info, shown)
        stem = PurePath(self.filename).stem
        if refused is not None:
            contact.pop("company", None)
            raw, why = refused
            why = f"{why}; the supplier is named after the file, '{stem}', until a person decides"
            value = f"'{stem}' (the file's name)"
        else:
            raw = info.formula_raw
            why = f"formula: confirm the value (the company name is {info.formula_words}; its saved value was used)"
            value = f"'{shown}'"
        self.note(f"the company name: {why}", sheet, ref)
        self._company_review.append(
            ReviewItem(
                requirement_id="company name",
                cell=cell,
                raw=raw,
                value=value,
                flags=[Flag.NEEDS_REVIEW.value],
                notes=[why],
            )
        )

    # the sheet XML, only when needed -----------------------------------------------

    @property
    def zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self.data))
        return self._zip

    def _cell_info(self, sheet: str, refs: Sequence[str]) -> dict[str, CellInfo]:
        """Style index of the cells ``refs``, and every formula cell of the sheet (see ``cells.cell_info``)."""
        part = self.report.sheet_parts.get(sheet)
        if part is None:
            return {}
        xml = self.report.sheet_xml.get(part)  # kept by the preflight, which checked it
        return cell_info(xml if xml is not None else self.zip.read(part), refs)

    def _format(self, style: int) -> str:
        """The number format code of a cell style index (cellXfs in xl/styles.xml)."""
        if self._formats is None:
            try:
                self._formats = number_formats(self.zip.read("xl/styles.xml"))
            except KeyError:
                self._formats = []
        return self._formats[style] if 0 <= style < len(self._formats) else "General"

    # results -----------------------------------------------------------------------

    def _answer_notes(self, answers: dict[str, Answer]) -> list[str]:
        lines = []
        for answer in answers.values():
            if not answer.notes or not answer.cell:
                continue
            req = self.requirements[answer.requirement_id]
            sheet, _, ref = answer.cell.rpartition("!")
            for text in answer.notes:
                lines.append(
                    f"{self.filename}, sheet {sheet}, cell {ref} ({req.id} {req.kind.label}): {text}"
                )
        return lines

    def _review_item(self, answer: Answer) -> ReviewItem:
        req = self.requirements[answer.requirement_id]
        value = offered_value(req, answer)
        return ReviewItem(
            requirement_id=answer.requirement_id,
            cell=answer.cell,
            raw=answer.raw,
            value=value,
            flags=[f.value for f in answer.flags],
            notes=list(answer.notes),
        )


def _header(
    rows: list[list[Any]], answer_header: str, *, exact: bool
) -> tuple[int, tuple[int, int, int | None]] | None:
    """Row and (ID, answer, comment) columns of the first row that looks like the table header."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [_text(v).lower() for v in row]
        if ID_HEADER.lower() not in texts:
            continue
        wanted = answer_header.lower()
        answer_col = next(
            (i for i, t in enumerate(texts) if (t == wanted if exact else t.startswith(wanted))), None
        )
        if answer_col is None:
            continue
        comment_col = next((i for i, t in enumerate(texts) if t == COMMENT_HEADER.lower()), None)
        return index, (texts.index(ID_HEADER.lower()), answer_col, comment_col)
    return None


def _is_fraction_candidate(req: Requirement, value: Any) -> bool:
    """A number that may be a percent typed into a percent-formatted cell (0.995 for 99.5 %)."""
    return (
        req.kind.spec.percent_answer(req)
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value < 1.5
    )


def _get(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and 0 <= col < len(row) else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(_text(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int_or_none(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
