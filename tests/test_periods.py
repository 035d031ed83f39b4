"""Measurement periods of the contract: calendar months, fixed 30-day periods, rolling windows.

Every expected number is a hand calculation from the calendar, written out in the
test's docstring (Europe/Berlin 2027: clocks go forward on Sunday 28 March, 02:00 ->
03:00, and back on Sunday 31 October, 03:00 -> 02:00; EU rule, last Sundays).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from slm_psr.engine.attainment import availability, build_schedule, ticket_shares, to_seconds
from slm_psr.engine.monitoring import Measure, Records, attainment
from slm_psr.engine.periods import by_labels, containing, count_within, covering
from slm_psr.model import CoverageWindow, MeasurementPeriod
from slm_psr.service.monitor import contract_periods

TZ = "Europe/Berlin"
ROUND_THE_CLOCK = CoverageWindow.parse("24/7")
FIXED = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ, start=dt.date(2027, 3, 1))
ROLLING = MeasurementPeriod(kind="rolling_days", days=90, time_zone=TZ)


def secs(*texts: str) -> np.ndarray:
    return to_seconds(pd.Series(texts))


def schedule():
    return build_schedule(ROUND_THE_CLOCK, TZ, dt.date(2026, 12, 1), dt.date(2027, 12, 31))


def minutes(periods) -> list[float]:
    return ((periods.ends - periods.starts) / 60).tolist()


def test_fixed_30_day_periods_begin_at_local_midnight_and_count_the_dst_hour():
    """From 1 March 2027: 1-30 March (ends 31 March 00:00), 31 March-29 April, 30 April-29 May.

    - The first holds 28 March: 30 x 1440 - 60 = 43,140 minutes.
    - The others: 30 x 1440 = 43,200 minutes.
    - A fixed period from 15 October holds 31 October: 30 x 1440 + 60 = 43,260 minutes.
    - Its first bound is local midnight: 2027-03-01 00:00 CET = 2027-02-28 23:00 UTC.
    """
    periods = covering(FIXED, dt.date(2027, 3, 1), dt.date(2027, 5, 20))
    assert periods.labels == ["2027-03-01", "2027-03-31", "2027-04-30"]
    assert minutes(periods) == [43_140, 43_200, 43_200]
    assert pd.Timestamp(periods.starts[0], unit="s") == pd.Timestamp("2027-02-28 23:00")
    autumn = by_labels(MeasurementPeriod(kind="fixed_30_days", time_zone=TZ), ["2027-10-15"])
    assert minutes(autumn) == [43_260]


def test_fixed_periods_follow_their_anchor_and_refuse_labels_off_it():
    """Anchor 15 January: days from 1 January are covered from 15 January on (day 0) and
    1 March is day 45, in the second period (14 February + 30 = 16 March). Without a start,
    the anchor is the 1st of the first month measured. 1 February is 17 days after the
    anchor, not a multiple of 30: no such period."""
    terms = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ, start=dt.date(2027, 1, 15))
    assert covering(terms, dt.date(2027, 1, 1), dt.date(2027, 3, 1)).labels == ["2027-01-15", "2027-02-14"]
    assert containing(terms, dt.date(2027, 3, 1)) == "2027-02-14"
    loose = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ)
    assert covering(loose, dt.date(2027, 2, 10), dt.date(2027, 3, 20)).labels == ["2027-02-01", "2027-03-03"]
    with pytest.raises(
        ValueError, match="does not begin a 30-day period; they begin every 30 days from 2027-01-15"
    ):
        by_labels(terms, ["2027-02-01"])
    with pytest.raises(ValueError, match="named by its first day"):
        by_labels(terms, ["March"])
    with pytest.raises(ValueError, match="not a month like 2027-03"):
        by_labels(ROLLING, ["March"])


def test_rolling_windows_are_assessed_at_each_months_end_and_overlap():
    """90 days before 1 April 2027 is 1 January (31 + 28 + 31 = 90); before 1 May, 31 January
    (1 + 28 + 31 + 30 = 90). Both hold 28 March: 90 x 1440 - 60 = 129,540 minutes each."""
    periods = covering(ROLLING, dt.date(2027, 3, 5), dt.date(2027, 4, 20))
    assert periods.labels == ["2027-03", "2027-04"]
    assert [pd.Timestamp(s, unit="s", tz="UTC").tz_convert(TZ).date() for s in periods.starts] == [
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 31),
    ]
    assert minutes(periods) == [129_540, 129_540]
    assert periods.first_day == dt.date(2027, 1, 1) and periods.last_day == dt.date(2027, 4, 30)


def test_availability_over_fixed_periods_splits_an_outage_at_the_local_midnight():
    """Outage 30 March 2027 23:00 to 31 March 01:00 (CEST): 60 minutes in each fixed period.

    - 1-30 March: (43,140 - 60) / 43,140 = 99.860918 %.
    - 31 March-29 April: (43,200 - 60) / 43,200 = 99.861111 %.
    A calendar month would have put all 120 minutes into March.
    """
    periods = covering(FIXED, dt.date(2027, 3, 1), dt.date(2027, 4, 29))
    start, end = secs("2027-03-30T23:00+02:00"), secs("2027-03-31T01:00+02:00")
    frame = availability(schedule(), periods, start, end, np.zeros(1, bool))
    assert frame["down_minutes"].tolist() == [60, 60]
    assert frame["attained"].tolist() == pytest.approx([43_080 / 43_140 * 100, 43_140 / 43_200 * 100])
    months = by_labels(MeasurementPeriod(time_zone=TZ), ["2027-03"])
    assert availability(schedule(), months, start, end, np.zeros(1, bool))["down_minutes"].tolist() == [120]


def test_availability_and_tickets_over_overlapping_rolling_windows():
    """Outages: 15 January 2027 10:00-10:30 (30 min) and 10 February 09:00-11:00 (120 min);
    a maintenance 10 February 10:00-12:00 excluded (so 9:00-10:00 counts: 60 min down,
    10:00-12:00 excluded: 120 min).

    - Window of 2027-03 (1 January-31 March, 129,540 min): down 30 + 60 = 90, excluded 120:
      (129,540 - 120 - 90) / (129,540 - 120) = 99.930459 %.
    - Window of 2027-04 (31 January-30 April, 129,540 min): down 60, excluded 120:
      (129,420 - 60) / 129,420 = 99.953639 %.
    Tickets opened 15 January and 10 February: the first counts in 2027-03 only, the
    second in both windows.
    """
    periods = covering(ROLLING, dt.date(2027, 3, 1), dt.date(2027, 4, 30))
    start = secs("2027-01-15T10:00+01:00", "2027-02-10T09:00+01:00", "2027-02-10T10:00+01:00")
    end = secs("2027-01-15T10:30+01:00", "2027-02-10T11:00+01:00", "2027-02-10T12:00+01:00")
    frame = availability(schedule(), periods, start, end, np.array([False, False, True]))
    assert frame["down_minutes"].tolist() == [90, 60]
    assert frame["excluded_minutes"].tolist() == [120, 120]
    assert frame["attained"].tolist() == pytest.approx(
        [(129_420 - 90) / 129_420 * 100, (129_420 - 60) / 129_420 * 100]
    )
    opened = secs("2027-01-15T10:00+01:00", "2027-02-10T09:00+01:00")
    tickets = ticket_shares(schedule(), periods, opened, opened + 600, 3600, float(periods.ends.max()))
    assert tickets["tickets"].tolist() == [2, 1]
    assert count_within(periods.starts, periods.ends, opened).tolist() == [2, 1]


def test_attainment_engine_takes_the_contracts_periods():
    """The monitoring engine over fixed periods: the same outage as above gives two rows,
    labelled by each period's first day, 99.860918 % and 99.861111 %, both below 99.95 %: missed."""
    outages = pd.DataFrame(
        {
            "record": ["a"],
            "service": ["HO-01"],
            "start": pd.to_datetime(["2027-03-30T21:00Z"]),
            "end": pd.to_datetime(["2027-03-30T23:00Z"]),
            "excluded": [False],
        }
    )
    periods = covering(FIXED, dt.date(2027, 3, 1), dt.date(2027, 4, 29))
    frame = attainment([Measure("HO-01", "availability", 99.95)], Records(outages=outages), periods, TZ)
    assert frame["period"].tolist() == ["2027-03-01", "2027-03-31"]
    assert frame["attained"].tolist() == pytest.approx([43_080 / 43_140 * 100, 43_140 / 43_200 * 100])
    assert frame["met"].tolist() == [False, False]


def test_the_service_cuts_periods_from_the_first_to_the_last_day_measured():
    """Outage records on 10 February and 20 March 2027 (local days) with fixed periods from
    1 March: February is before the first period and belongs to none; 20 March is in the first.
    A period asked for is added (1 April 2027 is not on the 30-day grid from 1 March: refused)."""
    outages = pd.DataFrame(
        {"start": pd.to_datetime(["2027-02-10T10:00Z", "2027-03-20T10:00Z"]), "end": pd.NaT, "service": "x"}
    )
    records = Records(outages=outages)
    assert contract_periods(FIXED, records).labels == ["2027-03-01"]
    assert contract_periods(FIXED, records, wanted="2027-04-30").labels == [
        "2027-03-01",
        "2027-03-31",
        "2027-04-30",
    ]
    with pytest.raises(ValueError, match="does not begin a 30-day period"):
        contract_periods(FIXED, records, wanted="2027-04-01")
    months = MeasurementPeriod(time_zone=TZ)
    assert contract_periods(months, records).labels == ["2027-02", "2027-03"]


@pytest.mark.parametrize(
    ("period", "words"),
    [
        # Feb 28 x 1440 = 40,320; Oct 31 x 1440 + 60 = 44,700 (clocks go back); x 0.1 %
        (
            MeasurementPeriod(time_zone=TZ),
            "downtime up to 40.3 to 44.7 min per calendar month in Europe/Berlin",
        ),
        # UTC has no DST: 40,320 to 31 x 1440 = 44,640 min; x 0.1 %
        (MeasurementPeriod(), "downtime up to 40.3 to 44.6 min per calendar month in UTC"),
        # 30 x 1440 = 43,200 min x 0.1 %
        (MeasurementPeriod(kind="fixed_30_days"), "downtime up to 43.2 min per period of 30 days in UTC"),
        # 43,140 (spring) to 43,260 (autumn) min x 0.1 % = 43.14 to 43.26
        (
            MeasurementPeriod(kind="fixed_30_days", time_zone=TZ),
            "downtime up to 43.1 to 43.3 min per period of 30 days in Europe/Berlin",
        ),
        # 90 x 1440 = 129,600 -+ 60 min x 0.1 % = 129.54 to 129.66
        (ROLLING, "downtime up to 129.5 to 129.7 min per rolling window of 90 days in Europe/Berlin"),
    ],
)
def test_allowed_downtime_follows_the_contracts_period(period, words):
    assert period.downtime_words(99.9) == words


def test_the_range_of_a_period_is_worked_out_once_not_per_offered_value(monkeypatch):
    """The evaluation's trail words every offered availability as downtime: the shortest and
    longest period (96 calendar months of wall-clock minutes) do not depend on the value."""
    from slm_psr.model import contract_terms

    contract_terms._minutes_range.cache_clear()
    calls: list[int] = []
    real = contract_terms._local_minutes
    monkeypatch.setattr(contract_terms, "_local_minutes", lambda *a: calls.append(1) or real(*a))
    period = MeasurementPeriod(time_zone="Asia/Kolkata")
    words = [period.downtime_words(p) for p in (99.0, 99.5, 99.9, 99.95)]
    assert len(calls) == 8 * 12  # the months of 2024-2031, once
    # Kolkata has no DST: February 28 x 1440 = 40,320 to 31 x 1440 = 44,640 min; x 1 %
    assert words[0] == "downtime up to 403.2 to 446.4 min per calendar month in Asia/Kolkata"
    # a second period definition with the same zone and kind is the same range, not worked again
    MeasurementPeriod(time_zone="Asia/Kolkata").downtime_words(99.9)
    assert len(calls) == 96


def test_start_is_for_fixed_periods_only():
    with pytest.raises(ValueError, match="'start' is for fixed 30-day periods only"):
        MeasurementPeriod(start=dt.date(2027, 1, 1))
