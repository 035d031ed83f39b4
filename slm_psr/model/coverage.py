"""A weekly service window (24/7, Mon-Fri 08:00-18:00) as minute intervals of the week."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import (
    BaseModel,
    ConfigDict,
)

if TYPE_CHECKING:
    pass


# --- coverage windows -------------------------------------------------------------

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MINUTES_PER_WEEK = 7 * 24 * 60
_SPAN = re.compile(
    r"^(?P<d1>[A-Z][a-z]{2})(?:-(?P<d2>[A-Z][a-z]{2}))?\s+"
    r"(?P<h1>\d{2}):(?P<m1>\d{2})-(?P<h2>\d{2}):(?P<m2>\d{2})$"
)


class CoverageWindow(BaseModel):
    """A weekly service window as minute intervals of the week (Monday 00:00 = 0).

    Written canonically as ``24/7`` or ``Mon-Fri 08:00-18:00, Sat 09:00-13:00``.
    A span whose end is before its start runs over midnight into the next day.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    intervals: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> CoverageWindow:
        """Read the canonical form; raises ``ValueError`` naming what is wrong."""
        text = " ".join(str(text).split())
        if text == "24/7":
            return cls(text=text, intervals=((0, _MINUTES_PER_WEEK),))
        raw: list[tuple[int, int]] = []
        for part in text.split(","):
            m = _SPAN.match(part.strip())
            if not m or m["d1"] not in DAY_NAMES or (m["d2"] and m["d2"] not in DAY_NAMES):
                raise ValueError(
                    f"'{part.strip()}' is not a service window like 'Mon-Fri 08:00-18:00' or '24/7'"
                )
            first = DAY_NAMES.index(m["d1"])
            last = DAY_NAMES.index(m["d2"]) if m["d2"] else first
            days = range(first, last + 1) if last >= first else [*range(first, 7), *range(0, last + 1)]
            start = int(m["h1"]) * 60 + int(m["m1"])
            end = int(m["h2"]) * 60 + int(m["m2"])
            if start > 24 * 60 or end > 24 * 60 or int(m["m1"]) > 59 or int(m["m2"]) > 59:
                raise ValueError(f"'{part.strip()}' has a time past 24:00")
            if start == end:
                raise ValueError(f"'{part.strip()}' starts and ends at the same time")
            for day in days:
                base = day * 1440
                if end > start:
                    raw.append((base + start, base + end))
                else:  # over midnight
                    raw.append((base + start, base + 1440 + end))
        return cls(text=text, intervals=_merge(raw))

    @classmethod
    def from_intervals(cls, intervals: list[tuple[int, int]]) -> CoverageWindow:
        merged = _merge(intervals)
        return cls(text=_describe(merged), intervals=merged)

    @property
    def hours_per_week(self) -> float:
        return sum(end - start for start, end in self.intervals) / 60

    def covers(self, other: CoverageWindow) -> bool:
        """True when every minute of ``other`` lies inside this window."""
        return not other.missing_from(self)

    def missing_from(self, offered: CoverageWindow) -> list[tuple[int, int]]:
        """The parts of this window that ``offered`` does not cover."""
        missing: list[tuple[int, int]] = []
        for start, end in self.intervals:
            cursor = start
            for o_start, o_end in offered.intervals:
                if o_end <= cursor or o_start >= end:
                    continue
                if o_start > cursor:
                    missing.append((cursor, o_start))
                cursor = max(cursor, o_end)
                if cursor >= end:
                    break
            if cursor < end:
                missing.append((cursor, end))
        return missing

    def __str__(self) -> str:
        return self.text


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort, wrap past Sunday midnight back to Monday, and join touching intervals."""
    flat: list[tuple[int, int]] = []
    for start, end in intervals:
        if end > _MINUTES_PER_WEEK:
            flat.append((start, _MINUTES_PER_WEEK))
            flat.append((0, end - _MINUTES_PER_WEEK))
        else:
            flat.append((start, end))
    merged: list[list[int]] = []
    for start, end in sorted(flat):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _describe(intervals: tuple[tuple[int, int], ...]) -> str:
    """Canonical text for intervals: full week as 24/7, else per-day spans."""
    if intervals == ((0, _MINUTES_PER_WEEK),):
        return "24/7"
    parts = []
    for start, end in intervals:
        while start < end:
            day, minute = divmod(start, 1440)
            stop = min(end, (day + 1) * 1440)
            parts.append((day, minute, stop - day * 1440))
            start = stop
    by_time: dict[tuple[int, int], list[int]] = {}
    for day, s, e in parts:
        by_time.setdefault((s, e), []).append(day)
    spans = []
    for (s, e), days in sorted(by_time.items(), key=lambda kv: (kv[1][0], kv[0])):
        runs: list[list[int]] = []
        for d in days:
            if runs and d == runs[-1][-1] + 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        for run in runs:
            label = DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
            spans.append((run[0], f"{label} {s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"))
    return ", ".join(text for _, text in sorted(spans))
