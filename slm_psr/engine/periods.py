"""Measurement periods as UTC instants: calendar months, fixed 30-day periods, rolling windows.

The contract's :class:`~slm_psr.model.MeasurementPeriod` says how periods are cut;
here they become plain arrays (``starts``/``ends`` in int64 UTC seconds) the
attainment engine sums over. Every period begins and ends at local midnight in the
contract's IANA time zone, so a period spanning a daylight-saving change is an hour
shorter or longer in real time, as the wall clock the parties read says:

- calendar month ``YYYY-MM``: from the 1st to the 1st of the next month;
- fixed 30 days ``YYYY-MM-DD`` (the first day): consecutive 30-day periods from the
  period's ``start`` (default: the 1st of the first month measured);
- rolling window ``YYYY-MM``: the ``days`` days before the end of that month, assessed
  at each month's end; windows overlap when they are longer than a month.

A value measured elsewhere (a monthly report's delivery day) names its period as a
month ``YYYY-MM`` or a day ``YYYY-MM-DD``; :func:`period_of_value` finds the one
contract period it belongs to, or says in words why there is none or more than one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slm_psr.model import MeasurementPeriod, PeriodKind

FIXED_DAYS = 30
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Periods:
    """Labelled periods with their UTC bounds; they may overlap (rolling windows) or leave gaps."""

    labels: list[str]
    starts: np.ndarray  # int64 UTC seconds of each period's local start
    ends: np.ndarray  # int64 UTC seconds of each period's local end (exclusive)
    first_day: dt.date  # the local day the earliest period begins
    last_day: dt.date  # the last local day of the latest period

    def __len__(self) -> int:
        return len(self.labels)


def local_midnights(days: Sequence[dt.date], tz: str) -> np.ndarray:
    """UTC seconds of local midnight of each day in ``tz`` (a midnight the clocks skip moves forward)."""
    index = pd.DatetimeIndex(pd.to_datetime(list(days)))
    aware = index.tz_localize(tz, ambiguous=np.ones(len(index), bool), nonexistent="shift_forward")
    return aware.as_unit("s").asi8


def _build(labels: list[str], first: list[dt.date], after: list[dt.date], tz: str) -> Periods:
    if not labels:
        raise ValueError("no measurement period to compute")
    return Periods(
        labels,
        local_midnights(first, tz),
        local_midnights(after, tz),
        min(first),
        max(after) - dt.timedelta(days=1),
    )


def _months(first: dt.date, last: dt.date) -> pd.PeriodIndex:
    return pd.period_range(pd.Period(first, "M"), pd.Period(last, "M"), freq="M")


def anchor(period: MeasurementPeriod, first: dt.date) -> dt.date:
    """The first day of the first fixed 30-day period: the contract's ``start``, else the 1st of ``first``'s month."""
    return period.start or first.replace(day=1)


def covering(period: MeasurementPeriod, first: dt.date, last: dt.date) -> Periods:
    """The periods that together cover the local days ``first`` to ``last`` (inclusive).

    Fixed 30-day periods never begin before their anchor: days before it belong to no period.
    """
    if last < first:
        raise ValueError(f"no period covers {first} to {last}")
    tz = period.time_zone
    if period.kind is PeriodKind.FIXED_30_DAYS:
        start = anchor(period, first)
        k0 = max(0, (first - start).days // FIXED_DAYS)
        k1 = max(k0, (last - start).days // FIXED_DAYS)
        firsts = [start + dt.timedelta(days=FIXED_DAYS * k) for k in range(k0, k1 + 1)]
        afters = [d + dt.timedelta(days=FIXED_DAYS) for d in firsts]
        return _build([d.isoformat() for d in firsts], firsts, afters, tz)
    months = _months(first, last)
    afters = [(m + 1).start_time.date() for m in months]
    labels = [m.strftime("%Y-%m") for m in months]
    if period.kind is PeriodKind.ROLLING_DAYS:
        firsts = [d - dt.timedelta(days=int(period.days or 0)) for d in afters]
    else:
        firsts = [m.start_time.date() for m in months]
    return _build(labels, firsts, afters, tz)


def by_labels(period: MeasurementPeriod, labels: Sequence[str]) -> Periods:
    """The periods named by ``labels`` (``YYYY-MM``; fixed 30-day periods by their first day ``YYYY-MM-DD``)."""
    firsts: list[dt.date] = []
    afters: list[dt.date] = []
    for label in labels:
        if period.kind is PeriodKind.FIXED_30_DAYS:
            try:
                day = dt.date.fromisoformat(label)
            except ValueError:
                raise ValueError(
                    f"period '{label}': a fixed 30-day period is named by its first day, e.g. 2027-03-01"
                ) from None
            if period.start is not None and (day - period.start).days % FIXED_DAYS:
                raise ValueError(
                    f"period '{label}' does not begin a 30-day period; they begin every 30 days "
                    f"from {period.start.isoformat()}"
                )
            firsts.append(day)
            afters.append(day + dt.timedelta(days=FIXED_DAYS))
            continue
        if not _MONTH.fullmatch(str(label)):
            raise ValueError(f"period '{label}' is not a month like 2027-03")
        month = pd.Period(label, "M")
        after = (month + 1).start_time.date()
        afters.append(after)
        if period.kind is PeriodKind.ROLLING_DAYS:
            firsts.append(after - dt.timedelta(days=int(period.days or 0)))
        else:
            firsts.append(month.start_time.date())
    return _build(list(labels), firsts, afters, period.time_zone)


def containing(period: MeasurementPeriod, day: dt.date, first: dt.date | None = None) -> str:
    """The label of the period a local ``day`` falls in (a rolling window: the one assessed at its month's end).

    ``first`` is the first day measured (the default anchor of fixed 30-day periods).
    """
    if period.kind is PeriodKind.FIXED_30_DAYS:
        start = anchor(period, first or day)
        k = (day - start).days // FIXED_DAYS
        return (start + dt.timedelta(days=FIXED_DAYS * k)).isoformat()
    return f"{day.year:04d}-{day.month:02d}"


# What a period is called and how its label reads, per kind (pages and reports say it in words).
PERIOD_NOUNS = {
    PeriodKind.CALENDAR_MONTH: "Month",
    PeriodKind.FIXED_30_DAYS: "Period of 30 days",
    PeriodKind.ROLLING_DAYS: "Rolling window",
}
# What the report of one period is called (the monthly service report under calendar months).
REPORT_TITLES = {
    PeriodKind.CALENDAR_MONTH: "Monthly service report",
    PeriodKind.FIXED_30_DAYS: "Service report",
    PeriodKind.ROLLING_DAYS: "Service report",
}
_LABEL_WORDS = {
    PeriodKind.CALENDAR_MONTH: lambda first, last: f"{first:%B %Y}",
    PeriodKind.FIXED_30_DAYS: lambda first, last: f"{_day(first)} to {_day(last)}",
    PeriodKind.ROLLING_DAYS: lambda first, last: (
        f"{(last - first).days + 1} days, {_day(first)} to {_day(last)}"
    ),
}
assert PERIOD_NOUNS.keys() == REPORT_TITLES.keys() == _LABEL_WORDS.keys() == set(PeriodKind), (
    "every period kind needs its words"
)


def label_words(period: MeasurementPeriod, label: str) -> str:
    """A period's label in words: 'March 2027', '31 March 2027 to 29 April 2027', '90 days, 1 January ...'."""
    one = by_labels(period, [label])
    return _LABEL_WORDS[period.kind](one.first_day, one.last_day)


class NotOnePeriod(ValueError):
    """A measured value's month or day that names no contract period, or more than one."""


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"  # '2 March 2027': a date a reader does not mistake


def period_of_value(period: MeasurementPeriod, written: str, first: dt.date | None = None) -> str:
    """The label of the one contract period a measured value written for ``written`` belongs to.

    ``written`` is a month ``YYYY-MM`` (the value is the month's) or a day ``YYYY-MM-DD``
    (a day in the period the value is for, e.g. a period's first day). ``first`` is the
    first day measured (the default anchor of fixed 30-day periods). A month is a calendar
    month's or a rolling window's label as it stands; under fixed 30-day periods a month is
    accepted only when it lies in one period (most months run into two: then the day is
    needed). A day goes to the period holding it (a rolling window: the one assessed at its
    month's end, as :func:`containing`). Raises :class:`NotOnePeriod` in words.
    """
    text = str(written).strip()
    is_day = len(text) == 10
    try:
        day = dt.date.fromisoformat(text if is_day else f"{text}-01")
    except ValueError:
        raise NotOnePeriod(f"'{written}' is not a month like 2027-03 nor a day like 2027-03-15") from None
    if not is_day and not _MONTH.fullmatch(text):
        raise NotOnePeriod(f"'{written}' is not a month like 2027-03 nor a day like 2027-03-15")
    if period.kind is not PeriodKind.FIXED_30_DAYS:
        return f"{day.year:04d}-{day.month:02d}"
    start = anchor(period, first or day)
    last = day if is_day else (pd.Period(text, "M").end_time.date())
    begins = f"the first 30-day period begins on {_day(start)}"
    if last < start:
        raise NotOnePeriod(f"{'the day' if is_day else 'the month'} {text} falls in no period: {begins}")
    if is_day:
        return containing(period, day, start)
    if day < start:
        raise NotOnePeriod(
            f"the month {text} is not one 30-day period: it begins before the first one ({begins}); "
            f"write the day the value is for instead, e.g. {start.isoformat()}"
        )
    k0, k1 = (day - start).days // FIXED_DAYS, (last - start).days // FIXED_DAYS
    if k0 != k1:
        firsts = [start + dt.timedelta(days=FIXED_DAYS * k) for k in range(k0, k1 + 1)]
        shown = " and ".join(_day(d) for d in firsts)
        raise NotOnePeriod(
            f"the month {text} runs into {len(firsts)} 30-day periods (from {shown}); write the day the value "
            f"is for instead, e.g. the period's first day {firsts[-1].isoformat()}"
        )
    return (start + dt.timedelta(days=FIXED_DAYS * k0)).isoformat()


def count_within(
    starts: np.ndarray, ends: np.ndarray, t: np.ndarray, mask: np.ndarray | None = None
) -> np.ndarray:
    """How many instants ``t`` (where ``mask``; NaN never) fall in each period ``[start, end)``.

    A sorted copy and two binary searches per period: periods may overlap.
    """
    t = np.asarray(t, np.float64)
    keep = ~np.isnan(t) if mask is None else np.asarray(mask, bool) & ~np.isnan(t)
    inside = np.sort(t[keep])
    return np.searchsorted(inside, ends, side="left") - np.searchsorted(inside, starts, side="left")
