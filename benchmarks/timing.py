"""Timing shared by the benchmarks: contenders run alternately, medians reported."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def medians_side_by_side(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median wall-clock seconds per contender; one run of each in turn, so load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, action in contenders.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def spread_side_by_side(
    contenders: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[float, float, float]]:
    """(median, fastest, slowest) wall-clock seconds per contender, run alternately as above."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, action in contenders.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(v), min(v), max(v)) for name, v in times.items()}


def wall_and_cpu_side_by_side(
    contenders: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall-clock and median CPU seconds of the whole process (every thread) per contender.

    Run alternately as above. On a shared machine the CPU time leaves out the waits for
    the other users' work, which the wall clock counts.
    """
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, action in contenders.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            action()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    return (
        {name: statistics.median(v) for name, v in wall.items()},
        {name: statistics.median(v) for name, v in cpu.items()},
    )
