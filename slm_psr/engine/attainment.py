"""Attainment per measurement period and service level, from outages, tickets and measured values.

Pure and vectorised (numpy over plain arrays, no I/O). Time is handled as int64
seconds since the epoch (UTC); the contract's time zone only decides where a
coverage window and a period begin and end, so DST is settled once, when the
schedule is built, and every later step is plain arithmetic.

The central piece is a :class:`Schedule`: the sorted, disjoint UTC intervals in
which a coverage window is open (public holidays removed when the window is not
24/7), with their cumulative length. ``schedule.covered(a, b)`` is then the
scheduled seconds between any two instants, for millions of pairs at once: the
business-hours clock of a ticket and the scheduled part of an outage are the same
subtraction.

Availability over a period = (scheduled - excluded - down) / (scheduled - excluded),
where "down" is the union of the unplanned outages outside the agreed exclusions:
overlapping records are counted once (a sweep over sorted start/end events).
Response and resolution attainment = share of a period's tickets whose clock time
(opened to responded/resolved, minus pauses) is within the limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slm_psr.engine.periods import Periods, count_within
from slm_psr.model import CoverageWindow

MINUTES_PER_DAY = 1440
_FULL_WEEK = ((0, 7 * MINUTES_PER_DAY),)


def to_seconds(values: pd.Series | pd.DatetimeIndex | Sequence) -> np.ndarray:
    """Aware timestamps (any zone) as float seconds since the epoch; missing ones are NaN."""
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    out = index.as_unit("s").asi8.astype(np.float64)
    out[index.isna()] = np.nan
    return out


@dataclass(frozen=True)
class Schedule:
    """The instants a coverage window is open, as sorted disjoint UTC intervals in seconds."""

    starts: np.ndarray  # int64 seconds, sorted
    ends: np.ndarray  # int64 seconds
    before: np.ndarray  # scheduled seconds before each interval starts

    @classmethod
    def from_intervals(cls, starts: np.ndarray, ends: np.ndarray) -> Schedule:
        order = np.argsort(starts, kind="stable")
        starts, ends = np.asarray(starts, np.int64)[order], np.asarray(ends, np.int64)[order]
        lengths = ends - starts
        before = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(starts) else np.zeros(0, np.int64)
        return cls(starts, ends, before)

    def elapsed(self, t: np.ndarray) -> np.ndarray:
        """Scheduled seconds from the schedule's beginning up to each instant ``t`` (float array)."""
        t = np.asarray(t, dtype=np.float64)
        if not len(self.starts):
            return np.zeros_like(t)
        k = np.searchsorted(self.starts, t, side="right") - 1
        inside = np.clip(t - self.starts[np.maximum(k, 0)], 0, (self.ends - self.starts)[np.maximum(k, 0)])
        return np.where(k < 0, 0.0, self.before[np.maximum(k, 0)] + inside)

    def covered(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Scheduled seconds between instants ``a`` and ``b`` (0 where b <= a; NaN stays NaN)."""
        return np.maximum(self.elapsed(b) - self.elapsed(a), 0.0)


def build_schedule(
    window: CoverageWindow,
    tz: str,
    first_day: dt.date,
    last_day: dt.date,
    holidays: Iterable[dt.date] = (),
) -> Schedule:
    """The window's open intervals for the local days ``first_day`` to ``last_day`` (inclusive).

    The window's weekly minutes are local wall-clock time in ``tz``: on the day
    clocks go forward a 24/7 day has 23 hours, on the day they go back 25. Public
    holidays close the window for the whole local day, except for a 24/7 window
    (round the clock means holidays included).
    """
    pieces: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for start, end in window.intervals:
        while start < end:
            day, minute = divmod(start, MINUTES_PER_DAY)
            stop = min(end, (day + 1) * MINUTES_PER_DAY)
            pieces[day % 7].append((minute, stop - day * MINUTES_PER_DAY))
            start = stop
    days = pd.date_range(first_day, last_day, freq="D")
    closed = set() if window.intervals == _FULL_WEEK else set(holidays)
    if closed:
        days = days[~days.to_series().dt.date.isin(closed).to_numpy()]
    weekday = np.asarray(days.day_of_week)
    local_starts, local_ends = [], []
    base = days.as_unit("s").asi8
    for day, spans in pieces.items():
        on_day = base[weekday == day]
        for s, e in spans:
            local_starts.append(on_day + s * 60)
            local_ends.append(on_day + e * 60)
    if not local_starts:
        empty = np.zeros(0, np.int64)
        return Schedule(empty, empty, empty)
    starts = _local_to_utc(np.concatenate(local_starts), tz, earliest=True)
    ends = _local_to_utc(np.concatenate(local_ends), tz, earliest=False)
    keep = ends > starts
    return Schedule.from_intervals(starts[keep], ends[keep])


def _local_to_utc(local_seconds: np.ndarray, tz: str, *, earliest: bool) -> np.ndarray:
    """Wall-clock seconds in ``tz`` to UTC seconds.

    A time that does not exist (the hour skipped in spring) moves forward to the
    first real instant; a time that exists twice (the hour repeated in autumn) is
    read as the first for a window's start and the second for its end, so the
    repeated hour is inside the window, not lost.
    """
    naive = pd.DatetimeIndex(pd.to_datetime(local_seconds, unit="s"))
    aware = naive.tz_localize(tz, ambiguous=np.full(len(naive), earliest), nonexistent="shift_forward")
    return aware.as_unit("s").asi8


def period_bounds(periods: Sequence[str], tz: str) -> np.ndarray:
    """UTC seconds of each monthly period's local start, and of the last one's end (len + 1)."""
    months = pd.PeriodIndex(list(periods), freq="M")
    if len(months) and (np.diff(months.asi8) != 1).any():
        raise ValueError("periods must be consecutive months in order")
    starts = [m.start_time for m in months] + ([(months[-1] + 1).start_time] if len(months) else [])
    return pd.DatetimeIndex(starts).tz_localize(tz, nonexistent="shift_forward").as_unit("s").asi8


# --- availability --------------------------------------------------------------------


def _spans(periods: Periods | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each period's UTC start and end in seconds (floats), from :class:`Periods` or ``len + 1`` bounds."""
    if isinstance(periods, Periods):
        return periods.starts.astype(np.float64), periods.ends.astype(np.float64)
    bounds = np.asarray(periods, np.float64)
    return bounds[:-1], bounds[1:]


def availability(
    schedule: Schedule,
    periods: Periods | np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    excluded: np.ndarray,
) -> pd.DataFrame:
    """Scheduled, excluded and down minutes and the availability (%) per period.

    ``periods``: :class:`Periods` (they may overlap, as rolling windows do) or the
    ``len + 1`` bounds of consecutive periods. ``start``/``end`` are outage instants in
    seconds (``end`` filled in already for open-ended outages); ``excluded`` marks agreed
    exclusions (announced maintenance, customer-caused). One sweep over sorted events: a
    moment is down when at least one unplanned outage is running and no exclusion is;
    overlaps count once. The sweep's running totals of down and excluded scheduled
    seconds are then read at each period's start and end.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    excluded = np.asarray(excluded, bool)
    ok = ~np.isnan(start) & ~np.isnan(end) & (end > start)
    start, end, excluded = start[ok], end[ok], excluded[ok]
    a, b = _spans(periods)
    edges = np.concatenate((a, b))
    no_step = np.zeros(len(edges), np.int64)
    times = np.concatenate((start, end, edges))
    down_step = np.concatenate((np.where(excluded, 0, 1), np.where(excluded, 0, -1), no_step))
    excl_step = np.concatenate((excluded.astype(np.int64), -excluded.astype(np.int64), no_step))
    order = np.argsort(times)  # ties may come in any order: they bound empty segments
    times, down_now, excl_now = times[order], np.cumsum(down_step[order]), np.cumsum(excl_step[order])
    seg_seconds = np.diff(schedule.elapsed(times))  # sorted times: one lookup per event, not two
    is_excl = excl_now[:-1] > 0
    is_down = (down_now[:-1] > 0) & ~is_excl
    # running totals at each event; a period's share is the difference at its end and start
    down_at = np.concatenate(([0.0], np.cumsum(np.where(is_down, seg_seconds, 0.0))))
    excl_at = np.concatenate(([0.0], np.cumsum(np.where(is_excl, seg_seconds, 0.0))))
    ia, ib = np.searchsorted(times, a, side="left"), np.searchsorted(times, b, side="left")
    scheduled = schedule.covered(a, b)
    excluded_s = excl_at[ib] - excl_at[ia]
    down_s = down_at[ib] - down_at[ia]
    base = scheduled - excluded_s
    with np.errstate(invalid="ignore", divide="ignore"):
        attained = np.where(base > 0, 100.0 * (base - down_s) / base, np.nan)
    return pd.DataFrame(
        {
            "scheduled_minutes": scheduled / 60,
            "excluded_minutes": excluded_s / 60,
            "down_minutes": down_s / 60,
            "attained": attained,
        }
    )


# --- tickets -----------------------------------------------------------------------


def clock_seconds(
    schedule: Schedule,
    opened: np.ndarray,
    stopped: np.ndarray,
    paused_seconds: np.ndarray | None = None,
    pause_from: np.ndarray | None = None,
    pause_until: np.ndarray | None = None,
) -> np.ndarray:
    """Seconds on the schedule's clock from ``opened`` to ``stopped``, minus pauses.

    ``paused_seconds`` is a pause already measured on the service clock (what Jira
    Service Management and ServiceNow report); ``pause_from``/``pause_until`` is a
    pause given as instants, of which only the scheduled part is taken off (a pause
    over a weekend costs nothing more than the weekend already does). Never below 0.
    """
    total = schedule.covered(opened, stopped)
    if paused_seconds is not None:
        total = total - np.nan_to_num(np.asarray(paused_seconds, np.float64))
    if pause_from is not None and pause_until is not None:
        a, b = np.asarray(pause_from, np.float64), np.asarray(pause_until, np.float64)
        b = np.fmin(b, np.asarray(stopped, np.float64))  # a pause ends when the clock stops at the latest
        total = total - np.nan_to_num(schedule.covered(a, b))
    return np.maximum(total, 0.0)


def ticket_shares(
    schedule: Schedule,
    periods: Periods | np.ndarray,
    opened: np.ndarray,
    stopped: np.ndarray,
    limit_seconds: float,
    as_of: float,
    *,
    paused_seconds: np.ndarray | None = None,
    pause_from: np.ndarray | None = None,
    pause_until: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per period (of the opening time): tickets counted, within the limit, pending, and the share (%).

    A ticket with no stop time yet counts as missed once its clock has passed the
    limit by ``as_of``; before that it is pending and not counted. A ticket opened in
    two overlapping periods (rolling windows) counts in both.
    """
    opened, stopped = np.asarray(opened, np.float64), np.asarray(stopped, np.float64)
    still_open = np.isnan(stopped)
    stop = np.where(still_open, as_of, stopped)
    used = clock_seconds(schedule, opened, stop, paused_seconds, pause_from, pause_until)
    within = ~still_open & (used <= limit_seconds)
    missed = used > limit_seconds
    counted = within | missed
    a, b = _spans(periods)
    count = count_within(a, b, opened, counted)
    ok = count_within(a, b, opened, within)
    pending = count_within(a, b, opened, ~counted)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(count > 0, 100.0 * ok / np.maximum(count, 1), np.nan)
    return pd.DataFrame({"tickets": count, "within": ok, "pending": pending, "attained": share})


# --- met, margin, budget -------------------------------------------------------------


def judge(frame: pd.DataFrame, committed: float, *, higher_is_better: bool = True) -> pd.DataFrame:
    """Add committed, margin (attained - committed, signed so that positive is good) and met.

    A period with nothing to measure (no scheduled minutes, no tickets) is neither
    met nor missed: ``met`` is NA and it earns no credit and no strike.
    """
    attained = frame["attained"].to_numpy(np.float64)
    margin = attained - committed if higher_is_better else committed - attained
    unknown = np.isnan(margin)
    frame["committed"] = committed
    frame["margin"] = margin
    frame["met"] = pd.arrays.BooleanArray(np.where(unknown, False, margin >= -1e-9), unknown)
    return frame


def downtime_budget(frame: pd.DataFrame, committed: float) -> pd.Series:
    """Minutes of downtime left in each period before the committed availability is missed (negative: over)."""
    base = frame["scheduled_minutes"] - frame["excluded_minutes"]
    return base * (1 - committed / 100) - frame["down_minutes"]


def ticket_budget(frame: pd.DataFrame, committed: float) -> pd.Series:
    """Tickets that may still miss the limit in each period before the committed share is missed."""
    allowed = np.floor(frame["tickets"] * (1 - committed / 100) + 1e-9)
    return allowed - (frame["tickets"] - frame["within"])


def public_holidays(region: str, years: Iterable[int]) -> frozenset[dt.date]:
    """Public holidays of ``region`` ("DE", "DE-BY", "CH-ZH", "FR") from the `holidays` library."""
    import holidays  # imported here: only contracts with a business-hours window need it

    country, _, subdivision = region.strip().upper().partition("-")
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=list(years))
    except NotImplementedError:
        raise ValueError(
            f"no public-holiday calendar for the region '{region}' (e.g. DE, DE-BY, CH-ZH, FR)"
        ) from None
    return frozenset(calendar.keys())
