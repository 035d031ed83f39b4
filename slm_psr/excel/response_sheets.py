"""A filled questionnaire's sheets: bounded rows of cleaned values, notes by sheet and cell, cell formats and formulas."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

import python_calamine

from slm_psr.excel.answer_cells import MAX_CELLS, MAX_ROWS, _blank, _column_letter, _Rejected, _short
from slm_psr.excel.cells import CellInfo, cell_info, formulas_calculated, number_formats, unusable_formula
from slm_psr.excel.import_report import ImportResult, ReviewItem
from slm_psr.excel.preflight import PreflightReport, display_name
from slm_psr.excel.preflight.text_encoding import utf8_package
from slm_psr.excel.questionnaire import META_SHEET
from slm_psr.model import PSR
from slm_psr.sanitise import clean_text, needs_cleaning, raw_digest
from slm_psr.values import BatchReadings


class _Sheets:
    """A filled questionnaire's sheets as rows of clean values, and its sheet XML only when a cell needs it."""

    def __init__(
        self,
        psr: PSR,
        psr_hash: str,
        data: bytes,
        filename: str,
        report: PreflightReport,
        result: ImportResult,
        readings: BatchReadings | None = None,
    ):
        self.psr = psr
        # the answer cells' readings, shared by the files of one import batch
        self.readings = readings if readings is not None else BatchReadings()
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

    def note(self, text: str, sheet: str | None = None, cell: str | None = None) -> None:
        where = self.filename + (f", sheet {sheet}" if sheet else "") + (f", cell {cell}" if cell else "")
        self.file_notes.append(f"{where}: {text}")

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
        # The usual sheet has nothing to clean: one search over all its texts at once
        # (joined by a line break, which is kept) says so, and only a sheet where it
        # finds something is gone through cell by cell.
        texts = [value for row in rows for value in row if isinstance(value, str)]
        if not needs_cleaning("\n".join(texts)):
            return rows
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

    def _unusable_formula(self, info: CellInfo, value: Any) -> tuple[str, str] | None:
        """See ``cells.unusable_formula``; whether the workbook vouches for its values is read once."""
        if self._calc_vouched is None:
            self._calc_vouched = formulas_calculated(self.zip.read(self.report.workbook_part))
        return unusable_formula(info, _short(value), calculated=self._calc_vouched)
