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
import re
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
    public_holidays,
    ticket_budget,
    ticket_shares,
    to_seconds,
)
from slm_psr.engine.ledger import credit_rule
from slm_psr.engine.periods import Periods, by_labels, count_within
from slm_psr.model import PSR, CoverageWindow, MeasurementPeriod, SLASchedule


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


class _Prepared:
    """The records as plain arrays, converted once per computation and shared by every measure."""

    def __init__(self, records: Records, periods: Sequence[str]):
        self.records = records
        self.periods = list(periods)  # the labels of the bounds, in the contract's time zone
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._services: dict[str, tuple[np.ndarray, list[str]]] = {}

    def frame(self, kind: str) -> pd.DataFrame:
        return getattr(self.records, kind)

    def seconds(self, kind: str, column: str) -> np.ndarray:
        key = (kind, column)
        if key not in self._cache:
            frame = self.frame(kind)
            self._cache[key] = to_seconds(frame[column]) if column in frame else np.full(len(frame), np.nan)
        return self._cache[key]

    def numbers(self, kind: str, column: str, fill: float = 0.0) -> np.ndarray:
        key = (kind, "#" + column)
        if key not in self._cache:
            frame = self.frame(kind)
            values = (
                pd.to_numeric(frame[column], errors="coerce")
                if column in frame
                else pd.Series(fill, frame.index)
            )
            self._cache[key] = values.astype("float64").fillna(fill).to_numpy(np.float64)
        return self._cache[key]

    def flags(self, kind: str, column: str) -> np.ndarray:
        key = (kind, "?" + column)
        if key not in self._cache:
            frame = self.frame(kind)
            has = column in frame
            self._cache[key] = (
                frame[column].fillna(False).to_numpy(bool) if has else np.zeros(len(frame), bool)
            )
        return self._cache[key]

    def matching(self, kind: str, names: tuple[str, ...]) -> np.ndarray:
        """Records whose service is one of ``names`` (any case, spaces trimmed); all when ``names`` is empty."""
        frame = self.frame(kind)
        if not names or frame.empty:
            return np.ones(len(frame), bool)
        if kind not in self._services:
            # Factorise once: the text work is per distinct service name, not per record.
            codes, uniques = pd.factorize(frame["service"].astype(str), use_na_sentinel=True)
            self._services[kind] = (codes, [str(u).strip().casefold() for u in uniques])
        codes, uniques = self._services[kind]
        wanted = {n.strip().casefold() for n in names}
        hits = np.flatnonzero([u in wanted for u in uniques])
        return np.isin(codes, hits)


def _disputed(prep: _Prepared, kind: str, mask: np.ndarray, when: np.ndarray, periods: Periods) -> np.ndarray:
    """Disputed records per period (by their start/opening time)."""
    return count_within(periods.starts, periods.ends, when, mask & prep.flags(kind, "disputed"))


def _availability(
    m: Measure, prep: _Prepared, schedule: Schedule, periods: Periods, as_of: float
) -> pd.DataFrame:
    if prep.frame("outages").empty:
        mask = np.zeros(0, bool)
        frame = availability(schedule, periods, np.zeros(0), np.zeros(0), mask)
        frame["open_outages"], frame["disputed"] = 0, 0
    else:
        mask = prep.matching("outages", m.match)
        starts = prep.seconds("outages", "start")
        start, end = starts[mask], prep.seconds("outages", "end")[mask]
        open_ended = np.isnan(end)
        end = np.where(open_ended, as_of, end)  # an open outage runs until the computation's end
        frame = availability(schedule, periods, start, end, prep.flags("outages", "excluded")[mask])
        frame["open_outages"] = count_within(periods.starts, periods.ends, start, open_ended)
        frame["disputed"] = _disputed(prep, "outages", mask, starts, periods)
    frame = judge(frame, m.committed)
    frame["budget"] = downtime_budget(frame, m.committed)
    frame["budget_unit"] = "minutes of downtime"
    return frame


def _ticket_metric(stop_column: str) -> Callable[..., pd.DataFrame]:
    def compute(
        m: Measure, prep: _Prepared, schedule: Schedule, periods: Periods, as_of: float
    ) -> pd.DataFrame:
        if m.limit_minutes is None:
            raise ValueError(f"{m.level}: a ticket measure needs its time limit")
        if prep.frame("tickets").empty:
            empty = np.zeros(0)
            frame = ticket_shares(schedule, periods, empty, empty, m.limit_minutes * 60, as_of)
            frame["disputed"] = 0
        else:
            mask = prep.matching("tickets", m.match)
            if m.priorities:
                mask &= np.isin(prep.numbers("tickets", "priority", fill=-1), list(m.priorities))
            opened = prep.seconds("tickets", "opened")
            frame = ticket_shares(
                schedule,
                periods,
                opened[mask],
                prep.seconds("tickets", stop_column)[mask],
                m.limit_minutes * 60,
                as_of,
                paused_seconds=prep.numbers("tickets", "paused_minutes")[mask] * 60,
                pause_from=prep.seconds("tickets", "pause_from")[mask],
                pause_until=prep.seconds("tickets", "pause_until")[mask],
            )
            frame["disputed"] = _disputed(prep, "tickets", mask, opened, periods)
        frame = judge(frame, m.committed)
        frame["budget"] = ticket_budget(frame, m.committed)
        frame["budget_unit"] = "tickets that may still miss the limit"
        return frame

    return compute


def _value(m: Measure, prep: _Prepared, schedule: Schedule, periods: Periods, as_of: float) -> pd.DataFrame:
    del schedule, as_of  # measured elsewhere: no clock here
    labels = prep.periods
    v = prep.records.values
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
    periods: Periods | Sequence[str],
    tz: str,
    *,
    as_of: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per period and service level, columns :data:`RESULT_COLUMNS`.

    ``periods``: the contract's :class:`Periods` (see ``slm_psr.engine.periods``), or
    labels ``YYYY-MM`` of consecutive calendar months in ``tz``. ``as_of``: the moment
    the computation looks from (open outages run until then, open tickets past their
    limit by then count as missed); default the end of the last period.
    """
    if not isinstance(periods, Periods):
        periods = by_labels(MeasurementPeriod(time_zone=tz), list(periods))
    labels = periods.labels
    last_end = float(periods.ends.max())
    end = last_end if as_of is None else min(last_end, as_of.timestamp())
    first = periods.first_day - dt.timedelta(days=1)
    last = periods.last_day + dt.timedelta(days=1)
    schedules: dict[tuple[str, frozenset[dt.date]], Schedule] = {}
    frames = []
    prep = _Prepared(records, labels)
    for m in measures:
        if m.metric not in METRICS:
            raise ValueError(f"{m.level}: no metric '{m.metric}' (known: {', '.join(METRICS)})")
        key = (m.window.text, m.holidays)
        if key not in schedules:
            schedules[key] = build_schedule(m.window, tz, first, last, m.holidays)
        frame = METRICS[m.metric](m, prep, schedules[key], periods, end)
        frame.insert(0, "period", list(labels))
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


# --- from the awarded schedule to measures ---------------------------------------------------------

DEFAULT_SHARE = 95.0  # % of tickets within the limit, when neither the credit rule nor the plan says
_UNIT_MINUTES = {"minutes": 1.0, "hours": 60.0}


@dataclass
class MonitoringPlan:
    """How the contract's levels are measured: which records belong to which level; public holidays.

    ``levels`` maps a level ID to ``metric`` (a key of METRICS), ``match`` (service names
    or IDs as the records write them), ``priorities`` and, for ticket levels without a
    share in their credit rule, ``share``. A level with a credit rule that the plan does
    not name is measured by default: availability on records naming the level's ID,
    response or resolution (as its text says) on tickets of the priority its text names.
    """

    holiday_region: str | None = None  # e.g. "DE", "DE-BY": closed days of business-hours windows
    levels: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict | None) -> MonitoringPlan:
        data = dict(data or {})
        return cls(holiday_region=data.get("holiday_region"), levels=dict(data.get("levels") or {}))

    def to_dict(self) -> dict:
        return {"holiday_region": self.holiday_region, "levels": self.levels}


def _default_metric(kind: str, text: str) -> str | None:
    low = text.lower()
    if kind == "availability" and "availability" in low:
        return "availability"
    if kind == "time_limit":
        if any(w in low for w in ("recovery", "rto", "rpo")):
            return None  # measured in a test, not month by month
        return "response" if any(w in low for w in ("response", "reaction", "reaktion")) else "resolution"
    return "value"


def measures_for(
    schedule: SLASchedule, psr: PSR, plan: MonitoringPlan, years: Sequence[int]
) -> tuple[list[Measure], list[str]]:
    """The measures of an awarded schedule under ``plan``, and notes on what was assumed."""
    notes: list[str] = []
    requirements = {r.id: r for r in psr.requirements}
    hours_per_day = psr.evaluation.hours_per_business_day
    measures: list[Measure] = []
    for level in schedule.levels:
        req = requirements.get(level.requirement_id)
        rule = credit_rule(level.rule)
        spec = plan.levels.get(level.requirement_id)
        if req is None or (spec is None and rule is None) or level.committed_value is None:
            continue
        spec = dict(spec or {})
        metric = spec.get("metric") or _default_metric(req.kind.value, req.text)
        if metric is None:
            continue
        if metric not in METRICS:
            raise ValueError(
                f"monitoring plan, {level.requirement_id}: no metric '{metric}' (known: {', '.join(METRICS)})"
            )
        window_text = level.coverage_window.split(" (")[0]
        try:
            window = CoverageWindow.parse(window_text)
        except ValueError:
            window = CoverageWindow.parse("24/7")
            notes.append(
                f"{level.requirement_id}: window '{level.coverage_window}' not readable; measured 24/7"
            )
        holidays: frozenset[dt.date] = frozenset()
        if plan.holiday_region and window.text != "24/7":
            holidays = public_holidays(plan.holiday_region, years)
        match = tuple(spec.get("match") or (level.requirement_id,))
        priorities = tuple(int(p) for p in spec.get("priorities") or ())
        limit = None
        committed = float(level.committed_value)
        if metric in ("response", "resolution"):
            if not priorities:
                found = re.search(r"priority\s*(\d)|\bP(\d)\b", req.text, re.IGNORECASE)
                priorities = (int(found.group(1) or found.group(2)),) if found else ()
            unit = str(req.unit)
            factor = _UNIT_MINUTES.get(unit, hours_per_day * 60 if "business" in unit else 1.0)
            limit = committed * factor
            share = getattr(rule, "share", None) or spec.get("share")
            if share is None:
                share = DEFAULT_SHARE
                notes.append(
                    f"{level.requirement_id}: no committed share of tickets; {DEFAULT_SHARE:g} % assumed"
                )
            committed = float(share)
            if not spec.get("match"):
                match = ()  # tickets: all services, chosen by priority
        measures.append(
            Measure(
                level=level.requirement_id,
                metric=metric,
                committed=committed,
                window=window,
                name=req.text,
                match=match,
                priorities=priorities,
                limit_minutes=limit,
                higher_is_better=level.direction.startswith("higher"),
                holidays=holidays,
            )
        )
    return measures, notes
