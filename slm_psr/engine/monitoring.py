"""Monitoring: which records measure which service level, and the result per period and service level.

A :class:`Measure` says how one service level of the contract is measured (its
metric, committed level, coverage window, the records that belong to it); the
metric is one entry of :data:`METRICS`, the registry, so a new way of measuring is
one function and its tests. :func:`attainment` runs every measure over every
period and returns one row per period and service level (the result API the
reports and the pages read): attained, committed, met, margin, remaining budget
and the figures behind them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slm_psr.engine.attainment import (
    Schedule,
    availability,
    build_schedule,
    downtime_budget,
    judge,
    period_bounds,
    period_of,
    ticket_budget,
    ticket_shares,
    to_seconds,
)
from slm_psr.model import CoverageWindow


@dataclass(frozen=True)
class Measure:
    """How one service level is measured."""

    level: str  # the service level's ID, e.g. "HO-01"
    metric: str  # a key of METRICS
    committed: float  # percent for availability and ticket shares, else the value in its unit
    window: CoverageWindow = field(default_factory=lambda: CoverageWindow.parse("24/7"))
    name: str = ""  # what it is, in words
    match: tuple[str, ...] = ()  # service names/IDs in the records that belong to it (any case)
    priorities: tuple[int, ...] = ()  # tickets: the priorities it covers (1 = highest); empty: all
    limit_minutes: float | None = None  # tickets: the time limit on the window's clock
    higher_is_better: bool = True  # measured values
    holidays: frozenset[dt.date] = frozenset()  # closed days of the window (not for 24/7)


@dataclass
class Records:
    """Parsed measurements (frames as read by ``slm_psr.excel.measurements``), possibly empty."""

    outages: pd.DataFrame = field(default_factory=pd.DataFrame)
    tickets: pd.DataFrame = field(default_factory=pd.DataFrame)
    values: pd.DataFrame = field(default_factory=pd.DataFrame)


# The result frame's columns, in order; reports and pages read these names.
RESULT_COLUMNS = [
    "period", "level", "name", "metric", "attained", "committed", "met", "margin", "budget", "budget_unit",
    "scheduled_minutes", "excluded_minutes", "down_minutes", "open_outages", "tickets", "within", "pending",
    "disputed", "measured_by",
]  # fmt: skip


def _matching(frame: pd.DataFrame, column: str, names: tuple[str, ...]) -> np.ndarray:
    if frame.empty:
        return np.zeros(0, bool)
    if not names:
        return np.ones(len(frame), bool)
    wanted = {n.casefold().strip() for n in names}
    return frame[column].astype(str).str.strip().str.casefold().isin(wanted).to_numpy()


def _disputed(frame: pd.DataFrame, mask: np.ndarray, opened: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Disputed records per period (by their start/opening time)."""
    if "disputed" not in frame or not len(frame):
        return np.zeros(len(bounds) - 1, np.int64)
    k = period_of(opened, bounds)
    hit = mask & frame["disputed"].to_numpy(bool) & (k >= 0)
    return np.bincount(k[hit], minlength=len(bounds) - 1)


def _availability(
    m: Measure, r: Records, schedule: Schedule, bounds: np.ndarray, as_of: float
) -> pd.DataFrame:
    o = r.outages
    mask = _matching(o, "service", m.match)
    if mask.any():
        start, end = to_seconds(o["start"])[mask], to_seconds(o["end"])[mask]
        open_ended = np.isnan(end)
        end = np.where(open_ended, as_of, end)  # an open outage runs until the computation's end
        frame = availability(schedule, bounds, start, end, o["excluded"].to_numpy(bool)[mask])
        k = period_of(start[open_ended], bounds)
        frame["open_outages"] = np.bincount(k[k >= 0], minlength=len(bounds) - 1)
        frame["disputed"] = _disputed(o, mask, to_seconds(o["start"]), bounds)
    else:
        frame = availability(schedule, bounds, np.zeros(0), np.zeros(0), np.zeros(0, bool))
        frame["open_outages"] = 0
        frame["disputed"] = 0
    frame = judge(frame, m.committed)
    frame["budget"] = downtime_budget(frame, m.committed)
    frame["budget_unit"] = "minutes of downtime"
    return frame


def _ticket_metric(stop_column: str) -> Callable[..., pd.DataFrame]:
    def compute(m: Measure, r: Records, schedule: Schedule, bounds: np.ndarray, as_of: float) -> pd.DataFrame:
        if m.limit_minutes is None:
            raise ValueError(f"{m.level}: a ticket measure needs its time limit")
        t = r.tickets
        mask = _matching(t, "service", m.match)
        if len(t) and m.priorities:
            mask &= t["priority"].isin(list(m.priorities)).to_numpy(bool)
        if mask.any():
            opened = to_seconds(t["opened"])
            frame = ticket_shares(
                schedule,
                bounds,
                opened[mask],
                to_seconds(t[stop_column])[mask],
                m.limit_minutes * 60,
                as_of,
                paused_seconds=t["paused_minutes"].to_numpy(np.float64)[mask] * 60,
                pause_from=to_seconds(t["pause_from"])[mask],
                pause_until=to_seconds(t["pause_until"])[mask],
            )
            frame["disputed"] = _disputed(t, mask, opened, bounds)
        else:
            empty = np.zeros(0)
            frame = ticket_shares(schedule, bounds, empty, empty, m.limit_minutes * 60, as_of)
            frame["disputed"] = 0
        frame = judge(frame, m.committed)
        frame["budget"] = ticket_budget(frame, m.committed)
        frame["budget_unit"] = "tickets that may still miss the limit"
        return frame

    return compute


def _value(m: Measure, r: Records, schedule: Schedule, bounds: np.ndarray, as_of: float) -> pd.DataFrame:
    del schedule, as_of  # measured elsewhere: no clock here
    periods = pd.PeriodIndex(pd.to_datetime(bounds[:-1], unit="s", utc=True).tz_localize(None), freq="M")
    labels = [p.strftime("%Y-%m") for p in periods]
    v = r.values
    frame = pd.DataFrame({"attained": np.nan, "measured_by": ""}, index=labels)
    if len(v):
        rows = v[(v["level"].astype(str).str.casefold() == m.level.casefold()) & v["period"].isin(labels)]
        rows = rows.drop_duplicates("period", keep="last")  # a later file's value replaces an earlier one
        frame.loc[rows["period"], "attained"] = rows["value"].to_numpy(float)
        frame.loc[rows["period"], "measured_by"] = rows["measured_by"].to_numpy(object)
        if "disputed" in rows:
            frame["disputed"] = 0
            frame.loc[rows["period"], "disputed"] = rows["disputed"].to_numpy(int)
    frame = judge(frame.reset_index(drop=True), m.committed, higher_is_better=m.higher_is_better)
    frame["budget"] = frame["margin"]
    frame["budget_unit"] = "margin in the measure's unit"
    return frame


# The metrics: one entry each. Keys are stored in contracts; words are for people.
METRICS: dict[str, Callable[..., pd.DataFrame]] = {
    "availability": _availability,
    "response": _ticket_metric("responded"),
    "resolution": _ticket_metric("resolved"),
    "value": _value,
}
METRIC_WORDS = {
    "availability": "availability",
    "response": "response time",
    "resolution": "resolution time",
    "value": "measured value",
}
assert METRICS.keys() == METRIC_WORDS.keys(), "every metric needs its words"


def attainment(
    measures: Sequence[Measure],
    records: Records,
    periods: Sequence[str],
    tz: str,
    *,
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per period (``YYYY-MM``) and service level, columns :data:`RESULT_COLUMNS`.

    ``as_of``: the moment the computation looks from (open outages run until then,
    open tickets past their limit by then count as missed); default the end of the
    last period.
    """
    bounds = period_bounds(periods, tz)
    end = float(bounds[-1]) if as_of is None else min(float(bounds[-1]), as_of.timestamp())
    first = (pd.Period(periods[0], "M").start_time - pd.Timedelta(days=1)).date()
    last = (pd.Period(periods[-1], "M").end_time + pd.Timedelta(days=1)).date()
    schedules: dict[tuple[str, frozenset[dt.date]], Schedule] = {}
    frames = []
    for m in measures:
        if m.metric not in METRICS:
            raise ValueError(f"{m.level}: no metric '{m.metric}' (known: {', '.join(METRICS)})")
        key = (m.window.text, m.holidays)
        if key not in schedules:
            schedules[key] = build_schedule(m.window, tz, first, last, m.holidays)
        frame = METRICS[m.metric](m, records, schedules[key], bounds, end)
        frame.insert(0, "period", list(periods))
        frame.insert(1, "level", m.level)
        frame.insert(2, "name", m.name or m.level)
        frame.insert(3, "metric", m.metric)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)
    for column in RESULT_COLUMNS:
        if column not in out:
            out[column] = "" if column == "measured_by" else 0
    out = out[RESULT_COLUMNS].sort_values(["period", "level"], kind="stable").reset_index(drop=True)
    return out
