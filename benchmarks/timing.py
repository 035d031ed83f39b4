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
