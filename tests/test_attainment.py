"""The attainment engine against hand calculations written out in each test's docstring.

Every expected number below is computed by hand from the calendar (independent of
the code): minutes in a month, the hour a DST change adds or removes, the union of
overlapping outages, the business-hours clock across a weekend and public holidays.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from slm_psr.engine.attainment import (
    availability,
    build_schedule,
    clock_seconds,
    downtime_budget,
    judge,
    period_bounds,
    public_holidays,
    ticket_shares,
    to_seconds,
)
from slm_psr.engine.monitoring import Measure, Records, attainment
from slm_psr.model import CoverageWindow

TZ = "Europe/Berlin"
ROUND_THE_CLOCK = CoverageWindow.parse("24/7")
OFFICE = CoverageWindow.parse("Mon-Fri 08:00-18:00")


def secs(*texts: str) -> np.ndarray:
    return to_seconds(pd.Series(texts))


def schedule(window=ROUND_THE_CLOCK, holidays=()):
    return build_schedule(window, TZ, dt.date(2027, 1, 1), dt.date(2027, 12, 31), holidays)


def test_scheduled_minutes_of_dst_months():
    """Hand calculation, Europe/Berlin 2027 (EU rule: last Sunday of March and of October).

    - March 2027 has 31 days; clocks go forward on Sunday 28 March (02:00 -> 03:00):
      31 x 1440 - 60 = 44,580 minutes.
    - October 2027 has 31 days; clocks go back on Sunday 31 October (03:00 -> 02:00):
      31 x 1440 + 60 = 44,700 minutes.
    - April 2027: 30 x 1440 = 43,200 minutes.
    """
    s = schedule()
    bounds = period_bounds(["2027-03", "2027-04"], TZ)
    empty = np.zeros(0)
    frame = availability(s, bounds, empty, empty, np.zeros(0, bool))
    assert frame["scheduled_minutes"].tolist() == [44_580, 43_200]
    october = availability(s, period_bounds(["2027-10"], TZ), empty, empty, np.zeros(0, bool))
    assert october["scheduled_minutes"].tolist() == [44_700]


def test_outage_across_the_autumn_dst_change():
    """Hand calculation: an outage on Sunday 31 October 2027 in Europe/Berlin.

    It starts at 01:30 CEST (+02:00, = 23:30 UTC on the 30th) and ends at 02:30 CET
    (+01:00, = 01:30 UTC): the wall clock shows one hour, but the clocks went back
    at 03:00 CEST, so 120 real minutes passed.
    October has 44,700 minutes (see above): availability = (44,700 - 120) / 44,700
    = 44,580 / 44,700 = 99.731544 %.
    """
    frame = availability(
        schedule(),
        period_bounds(["2027-10"], TZ),
        secs("2027-10-31T01:30:00+02:00"),
        secs("2027-10-31T02:30:00+01:00"),
        np.array([False]),
    )
    assert frame["down_minutes"].iloc[0] == 120
    assert frame["attained"].iloc[0] == pytest.approx(44_580 / 44_700 * 100)
    assert frame["attained"].iloc[0] == pytest.approx(99.731544, abs=1e-6)


def test_overlapping_outages_and_an_exclusion_count_once():
    """Hand calculation, April 2027 (43,200 minutes, no DST change), all times CEST (+02:00), 12 April:

    - A 10:00-11:30, B 11:00-12:00, C 11:15-11:45 (inside B): union 10:00-12:00 = 120 min.
    - E 11:45-12:30 is announced maintenance (excluded): 45 minutes leave the base.
    - Down = union minus E = 10:00-11:45 = 105 minutes (the 15 minutes 11:45-12:00
      of B are inside the exclusion and count only there).
    - Availability = (43,200 - 45 - 105) / (43,200 - 45) = 43,050 / 43,155 = 99.756691 %.
    - Budget at a committed 99.5 %: 43,155 x 0.005 = 215.775 allowed, 105 used,
      110.775 minutes left.
    """
    start = secs(*(f"2027-04-12T{t}:00+02:00" for t in ("10:00", "11:00", "11:15", "11:45")))
    end = secs(*(f"2027-04-12T{t}:00+02:00" for t in ("11:30", "12:00", "11:45", "12:30")))
    frame = availability(
        schedule(), period_bounds(["2027-04"], TZ), start, end, np.array([False, False, False, True])
    )
    assert frame["down_minutes"].iloc[0] == 105
    assert frame["excluded_minutes"].iloc[0] == 45
    assert frame["attained"].iloc[0] == pytest.approx(43_050 / 43_155 * 100)
    judged = judge(frame, 99.5)
    assert bool(judged["met"].iloc[0]) is True
    assert judged["margin"].iloc[0] == pytest.approx(43_050 / 43_155 * 100 - 99.5)
    assert downtime_budget(frame, 99.5).iloc[0] == pytest.approx(110.775)


def test_outage_spanning_two_months_is_split_at_local_midnight():
    """Hand calculation: 31 March 2027 23:00 CEST to 1 April 01:30 CEST = 60 + 90 minutes.

    March keeps 60 minutes (until the local month end), April gets 90.
    """
    frame = availability(
        schedule(),
        period_bounds(["2027-03", "2027-04"], TZ),
        secs("2027-03-31T23:00:00+02:00"),
        secs("2027-04-01T01:30:00+02:00"),
        np.array([False]),
    )
    assert frame["down_minutes"].tolist() == [60, 90]


def test_ticket_paused_across_a_weekend_and_public_holidays():
    """Hand calculation on the clock Mon-Fri 08:00-18:00 Europe/Berlin, holidays from the
    `holidays` library for Germany (Good Friday 26 March and Easter Monday 29 March 2027).

    Opened Thu 25 March 16:00, paused from Thu 17:00 until Tue 30 March 10:00,
    resolved Tue 30 March 12:00.
    - Clock from opening to resolution: Thu 16:00-18:00 = 120 min; Fri (holiday),
      Sat, Sun, Mon (holiday) = 0; Tue 08:00-12:00 = 240 min; total 360 min.
    - The pause's part on the clock: Thu 17:00-18:00 = 60 min, Tue 08:00-10:00 = 120 min: 180 min.
    - Counted: 360 - 180 = 180 minutes = 3 business hours (wall clock: 116 hours).
    With a limit of 4 business hours the ticket is within; a second ticket opened Tue
    30 March 08:00 and resolved 13:30 the same day (330 min, no pause) is not.
    Share within = 1 of 2 = 50 %.
    """
    holidays = public_holidays("DE", [2027])
    assert {dt.date(2027, 3, 26), dt.date(2027, 3, 29)} <= holidays
    s = schedule(OFFICE, holidays)
    opened = secs("2027-03-25T16:00:00+01:00", "2027-03-30T08:00:00+02:00")
    resolved = secs("2027-03-30T12:00:00+02:00", "2027-03-30T13:30:00+02:00")
    pause_from = secs("2027-03-25T17:00:00+01:00", None)
    pause_until = secs("2027-03-30T10:00:00+02:00", None)
    used = clock_seconds(s, opened, resolved, pause_from=pause_from, pause_until=pause_until) / 60
    assert used.tolist() == [180, 330]
    frame = ticket_shares(
        s,
        period_bounds(["2027-03"], TZ),
        opened,
        resolved,
        4 * 3600,
        float(period_bounds(["2027-03"], TZ)[-1]),
        pause_from=pause_from,
        pause_until=pause_until,
    )
    assert frame[["tickets", "within", "pending"]].iloc[0].tolist() == [2, 1, 0]
    assert frame["attained"].iloc[0] == 50


def test_paused_minutes_reported_by_the_tool_and_open_tickets():
    """Hand calculation on the 24/7 clock (the clock a tool already paused on).

    - T1 opened 1 March 2027 10:00, resolved 18:30 (510 min) with 60 paused minutes
      reported by the tool: 450 min, within 8 hours (480).
    - T2 opened 2 March 10:00, still open; as of 2 March 20:00 it has run 600 min:
      past 480, counted as missed.
    - T3 opened 2 March 19:00, still open; as of 20:00 only 60 min: pending, not counted.
    Share = 1 within of 2 counted = 50 %.
    """
    s = schedule()
    bounds = period_bounds(["2027-03"], TZ)
    opened = secs("2027-03-01T10:00:00+01:00", "2027-03-02T10:00:00+01:00", "2027-03-02T19:00:00+01:00")
    resolved = secs("2027-03-01T18:30:00+01:00", None, None)
    as_of = float(secs("2027-03-02T20:00:00+01:00")[0])
    frame = ticket_shares(s, bounds, opened, resolved, 480 * 60, as_of, paused_seconds=np.array([3600, 0, 0]))
    assert frame[["tickets", "within", "pending"]].iloc[0].tolist() == [2, 1, 1]
    assert frame["attained"].iloc[0] == 50


def test_attainment_rows_per_period_and_level():
    """The result API: a row per period and service level; a month with nothing to measure is neither met nor missed.

    HO-01 in April 2027 (43,200 min): one unplanned outage of 300 minutes:
    (43,200 - 300) / 43,200 = 99.305556 % < 99.5: missed, budget 216 - 300 = -84 minutes.
    SD-04 has no tickets at all: attained NaN, met NA.
    """
    outages = pd.DataFrame(
        {
            "service": ["HO-01", "other"],
            "start": pd.to_datetime(["2027-04-05T10:00+02:00", "2027-04-05T10:00+02:00"], utc=True),
            "end": pd.to_datetime(["2027-04-05T15:00+02:00", "2027-04-05T23:00+02:00"], utc=True),
            "excluded": [False, False],
        }
    )
    measures = [
        Measure("HO-01", "availability", 99.5, match=("ho-01",)),
        Measure("SD-04", "resolution", 90, priorities=(1,), limit_minutes=480),
    ]
    result = attainment(measures, Records(outages=outages), ["2027-04"], TZ)
    ho = result[result["level"] == "HO-01"].iloc[0]
    assert ho["down_minutes"] == 300
    assert ho["attained"] == pytest.approx(42_900 / 43_200 * 100)
    assert not ho["met"]
    assert ho["budget"] == pytest.approx(-84)
    sd = result[result["level"] == "SD-04"].iloc[0]
    assert pd.isna(sd["met"]) and np.isnan(sd["attained"])


def test_measured_values_land_in_their_local_month():
    """A value for 2027-03 belongs to March in Europe/Berlin, although March starts at
    23:00 UTC on 28 February. Committed 96 (higher is better): 95.1 misses by 0.9."""
    values = pd.DataFrame(
        {
            "period": ["2027-03", "2027-04"],
            "level": ["SD-06", "sd-06"],
            "value": [97.0, 95.1],
            "measured_by": "ACD",
        }
    )
    result = attainment([Measure("SD-06", "value", 96)], Records(values=values), ["2027-03", "2027-04"], TZ)
    assert result["attained"].tolist() == [97.0, 95.1]
    assert result["met"].tolist() == [True, False]
    assert result["margin"].tolist() == pytest.approx([1.0, -0.9])
