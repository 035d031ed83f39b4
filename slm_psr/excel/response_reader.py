"""Reading one filled questionnaire: its version, answer tables matched by requirement ID, supplier, what to review."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from slm_psr.excel.answer_cells import (
    HEADER_SEARCH_ROWS,
    _blank,
    _column_letter,
    _get,
    _header,
    _int_or_none,
    _is_fraction_candidate,
    _Rejected,
    _short,
    _Table,
    _text,
)
from slm_psr.excel.import_report import ReviewItem
from slm_psr.excel.questionnaire import (
    AMOUNT_HEADER,
    ANSWER_HEADER,
    ANSWERS_SHEET,
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
from slm_psr.excel.response_sheets import _Sheets
from slm_psr.model import Answer, Flag, Requirement, Response
from slm_psr.wording import offered_value

REVIEW_FLAGS = (Flag.AMBIGUOUS, Flag.NEEDS_REVIEW, Flag.OUT_OF_RANGE, Flag.UNREADABLE)


class _Reader(_Sheets):
    """Reads one filled questionnaire into ``result``: meta, answer tables, supplier, review words."""

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
            answer = self.readings.read(req, None, None, cell="", hours_per_business_day=self._hours)
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
        fractions = [_is_fraction_candidate(req, value) for req, value, _ref, _comment in pending]
        cells = self._cell_info(
            table.sheet, [p[2] for p, fraction in zip(pending, fractions, strict=True) if fraction]
        )
        hours = self._hours
        read = self.readings.read
        for (req, value, ref, comment), fraction in zip(pending, fractions, strict=True):
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
            if info is not None and fraction:
                number_format = self._format(info.style)
            answer = read(
                req,
                None if _blank(value) else value,
                number_format,
                cell=where,
                hours_per_business_day=hours,
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
