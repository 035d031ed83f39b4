"""Import benchmark: filled questionnaires read end to end, against the bare readers.

``run`` writes ``n_suppliers`` filled questionnaires for a synthetic PSR into a
temporary folder, once, and then times, alternating so that all three see the
same load on a shared machine:

- ours: ``read_responses`` on the files' bytes (security preflight, cell reading,
  typed values, notes, review flags);
- bare python-calamine reading the cells our reader reads (the sheets Supplier,
  Answers, Prices and _psr) into Python lists, nothing checked, nothing typed;
- ``pandas.read_excel(engine="openpyxl")`` reading the same sheets.

The preflight alone is timed as well, to show where our time goes.

The answers are typed into the questionnaire with openpyxl, as a person would in
Excel (as ``data/demo/make_responses.py`` does), for a few base suppliers; every
file then gets its own supplier name and price, written into the saved workbook's
XML, so that 100 files take a second to make rather than a minute.

    .venv/bin/python -m benchmarks.import_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd
import python_calamine

from benchmarks.synthetic import make_psr, make_responses
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
BASE_SUPPLIERS = 4  # typed with openpyxl; the other files are variations of these
_NAME_MARK = "Bench supplier {:03d} placeholder"
_PRICE_MARK = 987654.25  # the first price item of every base file, replaced per file


def _typed(req_kind: Kind, answer: Any, base: int) -> Any:
    """What a person would have in the cell: the raw text, or the number Excel keeps for it."""
    if not answer.raw:
        return None  # left empty
    if req_kind is Kind.AVAILABILITY and base % 2:
        return answer.value / 100  # 99.9 typed into the percent cell is stored as 0.999
    if req_kind in (Kind.TIME_LIMIT, Kind.NUMBER) and base % 2 == 0:
        return answer.value
    return answer.raw


def _fill(questionnaire: bytes, psr: PSR, response: Response, base: int) -> bytes:
    """The questionnaire with ``response``'s answers typed in, saved by openpyxl."""
    wb = openpyxl.load_workbook(io.BytesIO(questionnaire))
    supplier = wb[SUPPLIER_SHEET]
    contact = {**response.contact, "company": _NAME_MARK.format(base), "phone": "+49 30 5550 100"}
    for offset, (key, _label) in enumerate(SUPPLIER_FIELDS):
        if key in contact:
            supplier.cell(SUPPLIER_FIRST_ROW + offset + 1, 2).value = contact[key]
    first_price = next(r.id for r in psr.requirements if r.kind is Kind.PRICE)
    for sheet_name, col in ((ANSWERS_SHEET, ANSWER_COL), (PRICES_SHEET, AMOUNT_COL)):
        ws = wb[sheet_name]
        for row in range(HEADER_ROW + 2, ws.max_row + 1):
            rid = ws.cell(row, 1).value
            if rid not in response.answers:
                continue
            req = psr.requirement(rid)
            answer = response.answers[rid]
            value = _PRICE_MARK if rid == first_price else _typed(req.kind, answer, base)
            if req.kind is Kind.PRICE and rid != first_price:
                value = answer.value
            if value is not None:
                ws.cell(row, col + 1).value = value
            if answer.comment:
                ws.cell(row, col + 2).value = answer.comment
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _vary(base: bytes, base_number: int, supplier: str, price: float) -> bytes:
    """A base file with another supplier name and first price, its zip written anew."""
    source = zipfile.ZipFile(io.BytesIO(base))
    name_mark = escape(_NAME_MARK.format(base_number)).encode()
    price_mark = f">{_PRICE_MARK!r}<".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                part = part.replace(name_mark, escape(supplier).encode())
                part = part.replace(price_mark, f">{price!r}<".encode())
            target.writestr(info.filename, part)
    return out.getvalue()


def make_files(psr: PSR, n_suppliers: int, directory: Path, seed: int = 1) -> list[Path]:
    """``n_suppliers`` filled questionnaires for ``psr`` in ``directory``; their paths."""
    responses = make_responses(psr, n_suppliers, seed=seed)
    questionnaire = write_questionnaire(psr)
    bases = [_fill(questionnaire, psr, responses[b], b) for b in range(min(BASE_SUPPLIERS, n_suppliers))]
    paths = []
    for number, response in enumerate(responses):
        base = number % len(bases)
        price = round(_PRICE_MARK / 200 + 37.5 * number, 2)
        path = directory / f"response_{number + 1:03d}.xlsx"
        path.write_bytes(_vary(bases[base], base, response.supplier, price))
        paths.append(path)
    return paths


def read_bare_calamine(data: bytes) -> list[list[list[Any]]]:
    """The cells our reader reads, by python-calamine and nothing else."""
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [wb.get_sheet_by_name(name).to_python() for name in READ_SHEETS]


def read_pandas_openpyxl(data: bytes) -> dict[str, pd.DataFrame]:
    """The same sheets through pandas and openpyxl."""
    return pd.read_excel(io.BytesIO(data), sheet_name=list(READ_SHEETS), header=None, engine="openpyxl")


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run(n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5) -> dict[str, Any]:
    """Median seconds to import every file (ours, preflight only, bare calamine, pandas) and the ratios."""
    psr = make_psr(n_requirements)
    with tempfile.TemporaryDirectory(prefix="slm-psr-bench-") as folder:
        paths = make_files(psr, n_suppliers, Path(folder))
        files = [(path.name, path.read_bytes()) for path in paths]
    report = read_responses(psr, files)
    if report.rejected:
        raise RuntimeError(f"the benchmark's own files were rejected: {report.rejected[0].rejection}")

    contenders: dict[str, Callable[[], object]] = {
        "ours": lambda: read_responses(psr, files),
        "preflight": lambda: [preflight(data, name) for name, data in files],
        "calamine": lambda: [read_bare_calamine(data) for _, data in files],
        "pandas": lambda: [read_pandas_openpyxl(data) for _, data in files],
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, action in contenders.items():
            times[name].append(_seconds(action))
    medians = {name: statistics.median(values) for name, values in times.items()}
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
