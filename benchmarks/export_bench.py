"""Export benchmark: the comparison workbook against XlsxWriter writing the same cells bare.

The bare writer gets the finished cell values for free (read back from our own
output with python-calamine before the clock starts) and writes them with
``write_string``/``write_number`` and no formats, chart, print set-up or text
cleaning: the physical cost of the cells. Our time covers everything from the
evaluation object to the bytes.

    .venv/bin/python -m benchmarks.export_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from typing import Any

import python_calamine
import xlsxwriter

from benchmarks.synthetic import make_psr, make_responses
from slm_psr.excel.comparison import write_comparison


def read_cells(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's cell values, as python-calamine reads them."""
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def write_bare(cells: dict[str, list[list[Any]]]) -> bytes:
    """The same cells through XlsxWriter with nothing else: the floor we measure against."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in cells.items():
        ws = wb.add_worksheet(name)
        write_string, write_number = ws.write_string, ws.write_number
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        write_string(r, c, value)
                elif isinstance(value, (int, float)):
                    write_number(r, c, value)
                else:
                    ws.write(r, c, value)
    wb.close()
    return buf.getvalue()


def _seconds(fn: Any) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call; CPU time is steadier on a shared machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5) -> dict[str, Any]:
    """Median seconds (wall-clock and CPU) for our export and for the bare writer, and their ratios."""
    from slm_psr.engine import evaluate

    psr = make_psr(n_requirements)
    responses = make_responses(psr, n_suppliers, seed=1)
    evaluation = evaluate(psr, responses)
    files = [(r.file, r.sha256) for r in responses]

    def ours() -> bytes:
        return write_comparison(evaluation, responses, files=files)

    data = ours()
    cells = read_cells(data)
    n_cells = sum(1 for rows in cells.values() for row in rows for v in row if v not in ("", None))
    # Alternate the two so that both see the same load on a shared machine.
    ours_times, bare_times = [], []
    for _ in range(repeats):
        ours_times.append(_seconds(ours))
        bare_times.append(_seconds(lambda: write_bare(cells)))
    ours_s, ours_cpu = (statistics.median(t) for t in zip(*ours_times, strict=True))
    bare_s, bare_cpu = (statistics.median(t) for t in zip(*bare_times, strict=True))
    return {
        "n_suppliers": n_suppliers,
        "n_requirements": n_requirements,
        "repeats": repeats,
        "cells": n_cells,
        "bytes": len(data),
        "ours_s": ours_s,
        "bare_s": bare_s,
        "ratio": ours_s / bare_s,
        "ours_cpu_s": ours_cpu,
        "bare_cpu_s": bare_cpu,
        "cpu_ratio": ours_cpu / bare_cpu,
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    result = run(*args)
    print(
        f"comparison export {result['n_suppliers']} suppliers x {result['n_requirements']} requirements "
        f"({result['cells']:,} cells, {result['bytes']:,} bytes), median of {result['repeats']}: "
        f"ours {result['ours_s']:.3f} s, bare XlsxWriter {result['bare_s']:.3f} s, "
        f"ratio {result['ratio']:.2f} (CPU time: {result['ours_cpu_s']:.3f} s vs {result['bare_cpu_s']:.3f} s, "
        f"ratio {result['cpu_ratio']:.2f})"
    )
