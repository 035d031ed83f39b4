"""Import benchmark: filled questionnaires read end to end, against the bare readers.

``run`` writes ``n_suppliers`` filled questionnaires for a synthetic PSR into a
temporary folder, once, and then times, alternating so that all three see the
same load on a shared machine:

- ours: ``read_responses`` on the files' bytes (security preflight, cell reading,
  typed values, notes, review flags), each time as for files never seen (the
  caches of ``slm_psr.values`` emptied first);
- bare python-calamine reading the cells our reader reads (the sheets Supplier,
  Answers, Prices and _psr) into Python lists, nothing checked, nothing typed;
- ``pandas.read_excel(engine="openpyxl")`` reading the same sheets.

The preflight alone is timed as well, to show where our time goes.

Every file holds its own supplier's answers (``synthetic.make_responses``: text as
people type it, numbers, percent cells holding fractions, a few left empty), in
the questionnaire as openpyxl saves it (as ``data/demo/make_responses.py`` fills
the demo answers): the template is saved by openpyxl once, and each answer cell is
written into its XML as openpyxl writes a filled cell, so that 100 files take a
second to make rather than a minute.

    .venv/bin/python -m benchmarks.import_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd
import python_calamine

from benchmarks.synthetic import make_psr, make_responses
from benchmarks.timing import medians_side_by_side
from slm_psr import values as values_module
from slm_psr.excel.preflight import preflight
from slm_psr.excel.questionnaire import (
    AMOUNT_COL,
    ANSWER_COL,
    ANSWERS_SHEET,
    HEADER_ROW,
    META_SHEET,
    PRICES_SHEET,
    SUPPLIER_FIELDS,
    SUPPLIER_FIRST_ROW,
    SUPPLIER_SHEET,
    write_questionnaire,
)
from slm_psr.excel.responses import read_responses
from slm_psr.model import PSR, Kind, Response

READ_SHEETS = (SUPPLIER_SHEET, ANSWERS_SHEET, PRICES_SHEET, META_SHEET)  # what our reader reads
# An empty answer cell as openpyxl saves it, and the same cell filled as openpyxl writes it.
_EMPTY_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)" s="([0-9]+)" t="n" />')
_TEXT_CELL = b'<c r="%s" s="%s" t="inlineStr"><is><t>%s</t></is></c>'
_NUMBER_CELL = b'<c r="%s" s="%s" t="n"><v>%s</v></c>'


def _typed(req_kind: Kind, answer: Any, number: int) -> Any:
    """What a person would have in the cell: the raw text, or the number Excel keeps for it."""
    if not answer.raw:
        return None  # left empty
    if req_kind is Kind.PRICE:
        return answer.value
    if req_kind is Kind.AVAILABILITY and number % 2:
        return answer.value / 100  # 99.9 typed into the percent cell is stored as 0.999
    if req_kind in (Kind.TIME_LIMIT, Kind.NUMBER) and number % 2 == 0:
        return answer.value
    return answer.raw


def _cell(ref: bytes, style: bytes, value: Any) -> bytes:
    if isinstance(value, str):
        return _TEXT_CELL % (ref, style, escape(value).encode())
    return _NUMBER_CELL % (ref, style, repr(float(value)).encode())


class _Template:
    """The questionnaire as openpyxl saves it, and where each answer goes."""

    def __init__(self, psr: PSR):
        wb = openpyxl.load_workbook(io.BytesIO(write_questionnaire(psr)))
        self.rows: dict[str, tuple[str, int]] = {}  # requirement ID -> (sheet, row)
        for sheet_name in (ANSWERS_SHEET, PRICES_SHEET):
            ws = wb[sheet_name]
            for row in range(HEADER_ROW + 2, ws.max_row + 1):
                if ws.cell(row, 1).value:
                    self.rows[str(ws.cell(row, 1).value)] = (sheet_name, row)
        out = io.BytesIO()
        wb.save(out)
        with zipfile.ZipFile(out) as archive:
            self.parts = {info.filename: archive.read(info) for info in archive.infolist()}
        # openpyxl writes the sheets in workbook order as sheet1.xml, sheet2.xml, ...
        self.sheet_part = {name: f"xl/worksheets/sheet{i + 1}.xml" for i, name in enumerate(wb.sheetnames)}

    def filled(self, psr: PSR, response: Response, number: int) -> bytes:
        """The questionnaire with ``response`` typed in: the bytes of an .xlsx file."""
        cells: dict[str, dict[bytes, Any]] = {SUPPLIER_SHEET: {}, ANSWERS_SHEET: {}, PRICES_SHEET: {}}
        contact = {**response.contact, "company": response.supplier, "phone": f"+49 30 5550 {number:04d}"}
        for offset, (key, _label) in enumerate(SUPPLIER_FIELDS):
            if key in contact:
                cells[SUPPLIER_SHEET][f"B{SUPPLIER_FIRST_ROW + offset + 1}".encode()] = contact[key]
        answer_col = {ANSWERS_SHEET: ANSWER_COL, PRICES_SHEET: AMOUNT_COL}
        for req in psr.requirements:
            answer = response.answers.get(req.id)
            if answer is None or req.id not in self.rows:
                continue
            sheet, row = self.rows[req.id]
            value = _typed(req.kind, answer, number)
            col = answer_col[sheet]
            if value is not None:
                cells[sheet][f"{chr(65 + col)}{row}".encode()] = value
            if answer.comment:
                cells[sheet][f"{chr(66 + col)}{row}".encode()] = answer.comment
        parts = dict(self.parts)
        for sheet, values in cells.items():

            def fill(match: re.Match[bytes], values: dict[bytes, Any] = values) -> bytes:
                value = values.get(match[1])
                return match[0] if value is None else _cell(match[1], match[2], value)

            part = self.sheet_part[sheet]
            parts[part] = _EMPTY_CELL.sub(fill, parts[part])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        return out.getvalue()


def make_files(psr: PSR, n_suppliers: int, directory: Path, seed: int = 1) -> list[Path]:
    """``n_suppliers`` filled questionnaires for ``psr`` in ``directory``, each with its own answers."""
    template = _Template(psr)
    paths = []
    for number, response in enumerate(make_responses(psr, n_suppliers, seed=seed)):
        path = directory / f"response_{number + 1:03d}.xlsx"
        path.write_bytes(template.filled(psr, response, number))
        paths.append(path)
    return paths


def read_bare_calamine(data: bytes) -> list[list[list[Any]]]:
    """The cells our reader reads, by python-calamine and nothing else."""
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [wb.get_sheet_by_name(name).to_python() for name in READ_SHEETS]


def read_pandas_openpyxl(data: bytes) -> dict[str, pd.DataFrame]:
    """The same sheets through pandas and openpyxl."""
    return pd.read_excel(io.BytesIO(data), sheet_name=list(READ_SHEETS), header=None, engine="openpyxl")


def forget_parsed_texts() -> None:
    """Empty the caches ``slm_psr.values`` reads answers through, as for files never seen.

    Within one import, texts repeated across files ('ja', '24/7') rightly come from
    the cache; but re-reading the same 100 files would measure nothing but hits.
    """
    for value in vars(values_module).values():
        cache_clear = getattr(value, "cache_clear", None)
        if callable(cache_clear):
            cache_clear()


def run(n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5) -> dict[str, Any]:
    """Median seconds to import every file (ours, preflight only, bare calamine, pandas) and the ratios."""
    psr = make_psr(n_requirements)
    with tempfile.TemporaryDirectory(prefix="slm-psr-bench-") as folder:
        paths = make_files(psr, n_suppliers, Path(folder))
        files = [(path.name, path.read_bytes()) for path in paths]
    report = read_responses(psr, files)
    if report.rejected:
        raise RuntimeError(f"the benchmark's own files were rejected: {report.rejected[0].rejection}")

    def ours() -> object:
        forget_parsed_texts()
        return read_responses(psr, files)

    contenders: dict[str, Callable[[], object]] = {
        "ours": ours,
        "preflight": lambda: [preflight(data, name) for name, data in files],
        "calamine": lambda: [read_bare_calamine(data) for _, data in files],
        "pandas": lambda: [read_pandas_openpyxl(data) for _, data in files],
    }
    medians = medians_side_by_side(contenders, repeats)
    return {
        "n_suppliers": n_suppliers,
        "n_requirements": n_requirements,
        "repeats": repeats,
        "bytes": sum(len(data) for _, data in files),
        "answers": sum(len(r.answers) for r in report.responses),
        "to_review": sum(len(r.review) for r in report.results),
        "ours_s": medians["ours"],
        "preflight_s": medians["preflight"],
        "calamine_s": medians["calamine"],
        "pandas_s": medians["pandas"],
        "ratio": medians["ours"] / medians["calamine"],
        "preflight_ratio": medians["preflight"] / medians["calamine"],
        "pandas_ratio": medians["ours"] / medians["pandas"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    result = run(*args)
    print(
        f"import {result['n_suppliers']} files x {result['n_requirements']} requirements "
        f"({result['bytes']:,} bytes), median of {result['repeats']}: ours {result['ours_s']:.3f} s "
        f"(preflight {result['preflight_s']:.3f} s), bare calamine {result['calamine_s']:.3f} s, "
        f"pandas/openpyxl {result['pandas_s']:.3f} s; ratio to calamine {result['ratio']:.2f}"
    )
