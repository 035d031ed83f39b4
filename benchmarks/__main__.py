"""``python -m benchmarks [--smoke] [--repeats N]``: every benchmark, one table of medians and ratios.

Each row times slm-psr and the bare library doing the same physical work in the
same run, alternating, so the ratio holds on a busy machine even when the
absolute times do not. A benchmark whose code is not there yet (or fails) gets a
row saying so; the others still run. ``--smoke`` runs everything at a tiny size
(CI uses it to keep the benchmarks working; it says nothing about speed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# One BLAS thread, set before the benchmarks load numpy: on a shared 2-core machine a
# threaded matrix product waits for its other thread and the bare numpy floor jumps.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# (n_suppliers, n_requirements) per benchmark: the sizes, and the smoke sizes.
# monitor: (n_tickets, n_outage_records).
# The hostile import's size is the amplification file's (rows, columns) of repeated cells.
FULL = {
    "import": (100, 300),
    "eval": (1000, 500),
    "export": (100, 300),
    "page": (100, 300),
    "monitor": (50_000, 100_000),
    "robustness": (100, 300),
    "award": (50, 20),  # suppliers x lots
    "hostile": (4000, 100),
    "peer": (1000, 500),
    "store": (100, 300),
}
# The sizes of issue 21's table, measured against the peer up to the "peer" size above.
PEER_SIZES = ((10, 50), (100, 300), (300, 500), (1000, 500))
SMOKE = {
    "import": (3, 20),
    "eval": (12, 20),
    "export": (3, 20),
    "page": (3, 20),
    "monitor": (500, 1_000),
    "robustness": (6, 20),
    "award": (5, 3),
    "hostile": (200, 10),
    "peer": (12, 20),
    "store": (3, 20),
}
HEADER = ("benchmark", "size", "slm-psr", "baseline (bare)", "ratio", "target", "met")


@dataclass
class Row:
    benchmark: str
    size: str = ""
    ours: str = ""
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.benchmark, self.size, self.ours, self.baseline, self.ratio, self.target, self.met)


def seconds(value: float) -> str:
    """A duration as people read it: '850 ms', '1.31 s', '0.42 ms'."""
    if value >= 1:
        return f"{value:.2f} s"
    ms = value * 1000
    return f"{ms:.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.0f}x"


def met(ok: bool) -> str:
    return "yes" if ok else "no"


def machine() -> str:
    """nproc, CPU model, Python version and date: what a reader needs to compare numbers."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), model
            )
    except OSError:
        pass
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{cpus} CPUs ({model}), Python {platform.python_version()}, {now}"


# --- one function per benchmark: its rows ---------------------------------------------


def import_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import import_bench

    r = import_bench.run(n_suppliers, n_requirements, repeats)
    size = f"{n_suppliers} files x {n_requirements} req."
    return [
        Row(
            "import, end to end (preflight + typed answers)",
            size,
            seconds(r["ours_s"]),
            f"python-calamine {seconds(r['calamine_s'])}",
            ratio(r["ratio"]),
            "<= 2.5x calamine",  # issue 21
            met(r["ratio"] <= 2.5),
        ),
        Row(
            "import: of which the security preflight",
            size,
            seconds(r["preflight_s"]),
            f"python-calamine {seconds(r['calamine_s'])}",
            ratio(r["preflight_ratio"]),
        ),
        Row(
            "import, against pandas.read_excel(openpyxl)",
            size,
            seconds(r["ours_s"]),
            f"pandas/openpyxl {seconds(r['pandas_s'])}",
            ratio(r["pandas_ratio"]),
        ),
    ]


def eval_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import eval_bench

    r = eval_bench.run(n_suppliers, n_requirements, repeats)
    size = f"{n_suppliers} x {n_requirements} req."
    numpy = f"numpy weighted sum {seconds(r['numpy_s'])}"
    return [
        Row(
            "evaluation numbers: engine.compute (knock-outs, points, method, ranking)",
            size,
            seconds(r["compute_s"]),
            numpy,
            ratio(r["compute_ratio"]),
            "< 100 ms",
            met(r["compute_s"] < 0.1),
        ),
        Row(
            "evaluation: engine.evaluate (reasons, leave-one-out; score table when read)",
            size,
            seconds(r["evaluate_s"]),
            f"engine.compute {seconds(r['compute_s'])}",
            ratio(r["evaluate_over_compute"]),
            "<= 10x compute",
            met(r["evaluate_over_compute"] <= 10),
        ),
        Row(
            "  the same with the answers read afresh (a new set of bids: nothing kept)",
            size,
            seconds(r["first_s"]),
            f"engine.compute {seconds(r['compute_s'])}",
            ratio(r["first_over_compute"]),
        ),
        Row(
            "evaluation with its score table read (one row per supplier and requirement)",
            size,
            seconds(r["scores_s"]),
            numpy,
            ratio(r["scores_s"] / r["numpy_s"]),
        ),
    ]


def spread(median: float, low: float, high: float) -> str:
    """A median with the fastest and slowest run: '850 ms (812-903)'."""
    return f"{seconds(median)} ({seconds(low)} - {seconds(high)})"


def peer_rows(n_bids: int, n_criteria: int, repeats: int) -> list[Row]:
    from benchmarks import peer_bench

    rows: list[Row] = []
    sizes = [(b, c) for b, c in PEER_SIZES if b <= n_bids and c <= n_criteria] or [(n_bids, n_criteria)]
    for bids, criteria in sizes:
        r = peer_bench.run(bids, criteria, repeats)
        size = f"{bids} x {criteria} criteria"
        peer = f"bid-evaluation 0.1.0 {spread(r['peer_s'], r['peer_min_s'], r['peer_max_s'])}"
        rows += [
            Row(
                f"engine.evaluate against the peer (same matrix; totals agree to {r['difference']:.0e})",
                size,
                spread(r["evaluate_s"], r["evaluate_min_s"], r["evaluate_max_s"]),
                peer,
                f"{ratio(r['peer_over_evaluate'])} faster",
                ">= 3x faster",
                met(r["peer_over_evaluate"] >= 3),
            ),
            Row(
                "  the same with the answers read afresh (a new set of bids: nothing kept)",
                size,
                spread(r["evaluate_first_s"], r["evaluate_first_min_s"], r["evaluate_first_max_s"]),
                peer,
                f"{ratio(r['peer_over_first'])} faster",
                ">= 3x faster",
                met(r["peer_over_first"] >= 3),
            ),
            Row(
                "  the same, with the score table read (.scores, one row per cell)",
                size,
                spread(r["evaluate_scores_s"], r["evaluate_scores_min_s"], r["evaluate_scores_max_s"]),
                peer,
                f"{ratio(r['peer_over_scores'])} faster",
            ),
            Row(
                "  engine.evaluate against its arithmetic (engine.compute)",
                size,
                spread(r["evaluate_s"], r["evaluate_min_s"], r["evaluate_max_s"]),
                f"compute {spread(r['compute_s'], r['compute_min_s'], r['compute_max_s'])}",
                ratio(r["evaluate_over_compute"]),
                "<= 10x compute",
                met(r["evaluate_over_compute"] <= 10),
            ),
            Row(
                "  the same with the answers read afresh, against its arithmetic",
                size,
                spread(r["evaluate_first_s"], r["evaluate_first_min_s"], r["evaluate_first_max_s"]),
                f"compute {spread(r['compute_s'], r['compute_min_s'], r['compute_max_s'])}",
                ratio(r["first_over_compute"]),
            ),
        ]
    return rows


def store_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import store_bench

    r = store_bench.run(n_suppliers, n_requirements, repeats)
    size = f"{n_suppliers} x {n_requirements} req."
    grows = r["save, full project"] / r["save, one file"]
    return [
        Row(
            "Store.load, nothing kept yet in the process (history checked)",
            size,
            seconds(r["first load"]),
            f"the same rows again {seconds(r['load'])}",
            ratio(r["first load"] / r["load"]),
        ),
        Row(
            f"add_response into a project of {n_suppliers} files",
            size,
            seconds(r["save, full project"]),
            f"into a project of one file {seconds(r['save, one file'])}",
            ratio(grows),
            "<= 1.25x (no growth)",
            met(grows <= 1.25),
        ),
    ]


def export_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import export_bench

    r = export_bench.run(n_suppliers, n_requirements, repeats)
    return [
        Row(
            "comparison workbook export",
            f"{n_suppliers} x {n_requirements} req. ({r['cells']:,} cells)",
            seconds(r["ours_s"]),
            f"XlsxWriter {seconds(r['bare_s'])}",
            ratio(r["ratio"]),
            "<= 1.5x XlsxWriter",
            met(r["ratio"] <= 1.5),
        )
    ]


def page_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import page_bench

    r = page_bench.run(n_suppliers, n_requirements, repeats)
    size = f"{n_suppliers} suppliers x {n_requirements} req."
    floor = f"AppTest, title only {seconds(r['floor_s'])}"
    return [
        Row(
            "Comparison page rerun (AppTest)",
            size,
            seconds(r["rerun_s"]),
            floor,
            ratio(r["rerun_ratio"]),
            "< 300 ms",
            met(r["rerun_s"] < 0.3),
        ),
        Row(
            "Comparison page after a weight move (AppTest)",
            size,
            seconds(r["weight_s"]),
            floor,
            ratio(r["weight_ratio"]),
            "< 300 ms",
            met(r["weight_s"] < 0.3),
        ),
        Row(
            "a new session landing on the Comparison page (AppTest, same process)",
            size,
            seconds(r["new_session_s"]),
            f"warm rerun of the page {seconds(r['warm_rerun_s'])}",
            ratio(r["new_session_ratio"]),
            "<= 1.5x warm rerun",
            met(r["new_session_ratio"] <= 1.5),
        ),
        Row(
            "the same, CPU time of the process (the machine's other work left out)",
            size,
            seconds(r["new_session_cpu_s"]),
            f"warm rerun of the page {seconds(r['warm_rerun_cpu_s'])}",
            ratio(r["new_session_cpu_ratio"]),
            "<= 1.5x warm rerun",
            met(r["new_session_cpu_ratio"] <= 1.5),
        ),
        Row(
            "the same, with the component scan of every new AppTest (a server scans once)",
            size,
            seconds(r["new_session_scan_s"]),
            f"warm rerun of the page {seconds(r['warm_rerun_s'])}",
            ratio(r["new_session_scan_ratio"]),
        ),
    ]


def monitor_rows(n_tickets: int, n_outages: int, repeats: int) -> list[Row]:
    from benchmarks import monitor_bench

    r = monitor_bench.run(n_tickets, n_outages, repeats)
    return [
        Row(
            "monitoring: attainment of a year, 5 levels (DST, exclusions, business clock, holidays)",
            f"{n_tickets:,} tickets + {n_outages:,} outages",
            seconds(r["ours_s"]),
            f"bare pandas {seconds(r['pandas_s'])}",
            ratio(r["ratio"]),
            "< 1 s",
            met(r["ours_s"] < 1),
        )
    ]


def hostile_rows(rows: int, cols: int, _repeats: int) -> list[Row]:
    from benchmarks import hostile_bench

    r = hostile_bench.run(rows, cols)
    outcome = "refused, good file read" if r["bomb_refused"] and r["good_read"] else "NOT as intended"
    bare = "finished" if r["bare_finished"] else "stopped at 1 GB"
    return [
        Row(
            f"import of a batch with the amplification file (CLI + worker peak RSS; {outcome})",
            f"{r['file_bytes'] / 1024**2:.1f} MB file -> {r['expanded_chars'] / 1e9:,.2f} G characters",
            f"{r['peak_mb']:,.0f} MB",
            f"python-calamine alone: {bare}",
            "",
            "< 1 GB",
            met(r["peak_mb"] < 1024 and r["bomb_refused"] and r["good_read"]),
        )
    ]


def robustness_rows(n_suppliers: int, n_requirements: int, repeats: int) -> list[Row]:
    from benchmarks import robustness_bench

    r = robustness_bench.run(n_suppliers, n_requirements, repeats)
    size = f"{r['ranked']} ranked bids, {r['draws']:,} draws"
    return [
        Row(
            "SMAA-2 acceptability (weights uniform on the simplex)",
            size,
            seconds(r["smaa_s"]),
            f"numpy draws x criteria + argsort {seconds(r['numpy_s'])}",
            ratio(r["ratio"]),
            "< 1 s",
            met(r["smaa_s"] < 1),
        ),
        Row(
            "stability intervals (price and every service weight)",
            f"{r['ranked']} ranked bids",
            seconds(r["stability_s"]),
        ),
    ]


def award_rows(n_suppliers: int, n_lots: int, repeats: int) -> list[Row]:
    from benchmarks import award_bench

    r = award_bench.run(n_suppliers, n_lots, repeats)
    return [
        Row(
            "award across lots: MILP (HiGHS) to proven optimality, bundles and rules",
            f"{n_suppliers} suppliers x {n_lots} lots ({r['options']:,} options, {r['bundles']} bundles)",
            seconds(r["ours_s"]),
            f"LP relaxation {seconds(r['lp_s'])}",
            ratio(r["ratio"]),
            "< 5 s, optimal",
            met(r["ours_s"] < 5 and bool(r["optimal"])),
        )
    ]


BENCHMARKS: dict[str, tuple[str, Callable[[int, int, int], list[Row]], str]] = {
    # key: (what, rows, the row when its code is not there yet)
    "import": ("import", import_rows, "n/a (import not ready)"),
    "eval": ("evaluation", eval_rows, "n/a (engine not ready)"),
    "peer": (
        "against bid-evaluation",
        peer_rows,
        "n/a (bid-evaluation not installed: pip install -r requirements-dev.txt)",
    ),
    "store": ("store", store_rows, "n/a (store not ready)"),
    "export": ("comparison export", export_rows, "n/a (comparison workbook not ready)"),
    "page": ("Comparison page rerun", page_rows, "n/a (app not ready)"),
    "monitor": ("monitoring attainment", monitor_rows, "n/a (monitoring not ready)"),
    "robustness": ("robustness", robustness_rows, "n/a (robustness not ready)"),
    "award": ("award across lots", award_rows, "n/a (award not ready)"),
    "hostile": ("hostile import memory", hostile_rows, "n/a (not ready)"),
}


def collect(sizes: dict[str, tuple[int, int]], repeats: int, only: Sequence[str] = ()) -> list[Row]:
    """Every benchmark's rows; one that cannot run yet gets a row saying why."""
    rows: list[Row] = []
    for key, (what, make_rows, not_ready) in BENCHMARKS.items():
        if only and key not in only:
            continue
        n_suppliers, n_requirements = sizes[key]
        started = time.perf_counter()
        try:
            rows.extend(make_rows(n_suppliers, n_requirements, repeats))
        except (ImportError, FileNotFoundError) as exc:  # its code is not there yet
            rows.append(Row(what, f"{n_suppliers} x {n_requirements}", not_ready, _why(exc)))
        except Exception as exc:  # a benchmark that breaks must not hide the others
            rows.append(Row(what, f"{n_suppliers} x {n_requirements}", "failed", _why(exc)))
        print(f"  {what}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def _why(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 100 else text[:97] + "..."


def table(rows: Sequence[Row]) -> str:
    """A Markdown table (pasted as it is into benchmarks/RESULTS.md)."""
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]

    def format_line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([format_line(HEADER), rule, *(format_line(row.cells()) for row in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run every benchmark; print one table of medians and ratios."
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: checks that it works")
    parser.add_argument("--repeats", type=int, help="runs per contender (default 5, smoke 1)")
    parser.add_argument(
        "--only", action="append", choices=list(BENCHMARKS), default=[], help="run only this benchmark"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else 1 if args.smoke else 5
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    sizes = SMOKE if args.smoke else FULL
    print(f"slm-psr benchmarks{' (smoke size)' if args.smoke else ''}: medians of {repeats} run(s),")
    print("ratios measured side by side in the same run.")
    print(f"Machine: {machine()}", flush=True)
    rows = collect(sizes, repeats, args.only)
    if args.smoke:
        for row in rows:  # the targets are for the full sizes
            row.met = "-" if row.met else ""
    print()
    print(table(rows))
    return 1 if any(row.ours == "failed" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
