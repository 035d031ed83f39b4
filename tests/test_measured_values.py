"""Measured values in the contract's periods: calendar months, fixed 30-day periods, rolling windows.

Every expected period is a hand calculation from the calendar, written out in the
test's docstring: fixed 30-day periods from 1 March 2027 are 1-30 March (day 0-29),
31 March-29 April (day 30-59), 30 April-29 May (day 60-89), 30 May-28 June (day 90-119).
"""

from __future__ import annotations

import datetime as dt

import pytest

from slm_psr.engine.periods import PERIOD_NOUNS, NotOnePeriod, label_words, period_of_value
from slm_psr.excel.measurements import written_period
from slm_psr.model import MeasurementPeriod
from slm_psr.service import monitor as m
from tests.test_monitor_service import NORDWIND, TERMS, USER, _monitored, outage_csv

TZ = "Europe/Berlin"
CALENDAR = MeasurementPeriod(time_zone=TZ)
FIXED = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ, start=dt.date(2027, 3, 1))
ROLLING = MeasurementPeriod(kind="rolling_days", days=90, time_zone=TZ)


def test_a_month_or_a_day_in_calendar_months_and_rolling_windows():
    """A calendar month's value is the month's; a day goes to the month holding it. A rolling
    window is labelled by the month at whose end it is assessed: 15 April 2027 -> the window
    assessed at the end of April (2027-04), as the engine's ``containing`` says."""
    assert period_of_value(CALENDAR, "2027-03") == "2027-03"
    assert period_of_value(CALENDAR, "2027-03-31") == "2027-03"
    assert period_of_value(ROLLING, "2027-03") == "2027-03"
    assert period_of_value(ROLLING, "2027-04-15") == "2027-04"
    with pytest.raises(NotOnePeriod, match="'Sept' is not a month like 2027-03 nor a day"):
        period_of_value(CALENDAR, "Sept")
    with pytest.raises(NotOnePeriod, match="not a month"):
        period_of_value(CALENDAR, "2027-13")


def test_a_day_names_its_fixed_30_day_period():
    """From 1 March 2027: 15 April is day 45 (31 + 14), in the second period, which begins on
    31 March (day 30); 31 March is that period's own first day; 29 May is day 89, the last day
    of the third period (from 30 April); 20 February is before 1 March: no period."""
    assert period_of_value(FIXED, "2027-04-15") == "2027-03-31"
    assert period_of_value(FIXED, "2027-03-31") == "2027-03-31"
    assert period_of_value(FIXED, "2027-05-29") == "2027-04-30"
    with pytest.raises(
        NotOnePeriod,
        match="the day 2027-02-20 falls in no period: the first 30-day period begins on 1 March 2027",
    ):
        period_of_value(FIXED, "2027-02-20")


def test_a_month_is_accepted_under_fixed_periods_only_when_it_lies_in_one():
    """From 1 March 2027, April (1-30 April = day 31-60) runs into the periods from 31 March
    (day 30-59) and from 30 April (day 60-89): two, so the day is needed. From 31 January
    2027, the periods are 31 January-1 March and 2-31 March: February (1-28, day 1-28) lies in
    the first. A month before the first period (February under FIXED) is in none; a month that
    begins before a start of 5 March (March) is only partly covered: the day is needed."""
    with pytest.raises(
        NotOnePeriod,
        match=r"the month 2027-04 runs into 2 30-day periods \(from 31 March 2027 and 30 April 2027\); "
        r"write the day the value is for instead, e.g. the period's first day 2027-04-30",
    ):
        period_of_value(FIXED, "2027-04")
    from_jan_31 = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ, start=dt.date(2027, 1, 31))
    assert period_of_value(from_jan_31, "2027-02") == "2027-01-31"
    with pytest.raises(NotOnePeriod, match="the month 2027-02 falls in no period"):
        period_of_value(FIXED, "2027-02")
    from_mar_5 = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ, start=dt.date(2027, 3, 5))
    with pytest.raises(NotOnePeriod, match=r"begins before the first one .* e.g. 2027-03-05"):
        period_of_value(from_mar_5, "2027-03")


def test_fixed_periods_without_a_start_count_from_the_first_month_measured():
    """No start: the periods count from the 1st of the first month measured (10 March -> 1 March),
    so 2 April is day 32, in the period from 31 March."""
    no_start = MeasurementPeriod(kind="fixed_30_days", time_zone=TZ)
    assert period_of_value(no_start, "2027-04-02", dt.date(2027, 3, 10)) == "2027-03-31"


def test_a_period_label_reads_in_words_under_each_kind():
    """March 2027 is a calendar month; the fixed period from 31 March is day 30-59, ending 29 April;
    the rolling 90-day window assessed at the end of March begins 90 days before 1 April: 31 + 28 + 31
    = 90, so on 1 January."""
    assert PERIOD_NOUNS[CALENDAR.kind] == "Month" and label_words(CALENDAR, "2027-03") == "March 2027"
    assert label_words(FIXED, "2027-03-31") == "31 March 2027 to 29 April 2027"
    assert label_words(ROLLING, "2027-03") == "90 days, 1 January 2027 to 31 March 2027"


def test_the_reader_keeps_a_day_a_day_and_a_month_a_month():
    assert written_period(dt.datetime(2027, 4, 15, 0, 0)) == "2027-04-15"  # an Excel date cell
    assert written_period(dt.date(2027, 4, 15)) == "2027-04-15"
    assert written_period("15.04.2027") == "2027-04-15"
    assert written_period("2027-04-15T00:00:00") == "2027-04-15"
    assert written_period("2027-4-5") == "2027-04-05"
    assert written_period("04/2027") == "2027-04"
    assert written_period("März 2027") == "2027-03"
    assert written_period("31.02.2027") is None  # no such day
    assert written_period("2027-13") is None


def values_csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["Zeitraum;Service level;Value;Measured by"] + [";".join(r) + ";Controlling" for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# SD-06, share of calls answered within 30 seconds: Nordwind offered 96 %, the committed level.
VALUES = [
    ("2027-03-01", "SD-06", "97"),  # row 2: the first fixed period's first day
    ("15.04.2027", "SD-06", "92"),  # row 3: a day in the second fixed period
    ("2027-05", "SD-06", "99"),  # row 4: a month: two fixed periods
    ("2027-02-20", "SD-06", "98"),  # row 5: before the first fixed period
    ("2027-04-20", "SD-06", "93"),  # row 6: the second fixed period again
]
PLAN = {"levels": {"HO-01": {"metric": "availability"}, "SD-06": {"metric": "value"}}}


def _sd06(report) -> dict[str, tuple[float, bool]]:
    rows = report.results[report.results["level"] == "SD-06"].dropna(subset=["attained"])
    return {r.period: (r.attained, bool(r.met)) for r in rows.itertuples()}


def test_measured_values_land_in_fixed_30_day_periods_and_the_rest_is_named(tmp_path, demo_psr_dict):
    """Fixed 30-day periods from 1 March 2027; SD-06 committed 96 % (Nordwind's offer, higher is better).

    - row 2, 2027-03-01: the period from 1 March: 97 >= 96, met;
    - rows 3 and 6, 15 and 20 April: day 45 and 50, both the period from 31 March: two values of
      one period in one file, the last row counts: 93 < 96, missed (and a note says so);
    - row 4, the month 2027-05 (day 61-91): the periods from 30 April and from 30 May: left out,
      named with file, row and column;
    - row 5, 20 February: before 1 March, in no period: left out, named.
    """
    period = {"kind": "fixed_30_days", "time_zone": TZ, "start": "2027-03-01"}
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS | {"period": period})
    try:
        m.set_monitoring_plan(store, pid, PLAN, user=USER)
        [read] = m.import_measurements(store, pid, [("werte.csv", values_csv(VALUES))], user=USER)
        assert read.accepted and read.skipped_rows == 2, read.notes
        notes = "\n".join(read.notes)
        assert "werte.csv, row 4, column 'Zeitraum': the month 2027-05 runs into 2 30-day periods" in notes
        assert "werte.csv, row 5, column 'Zeitraum': the day 2027-02-20 falls in no period" in notes
        assert (
            "werte.csv, rows 3, 6: 2 values of SD-06 for the period 2027-03-31; the last row counts" in notes
        )
        report = m.monitor(store, pid, user=USER)
        assert _sd06(report) == {"2027-03-01": (97.0, True), "2027-03-31": (93.0, False)}
        assert report.supplier == NORDWIND
    finally:
        store.close()


def test_the_same_values_in_calendar_months_and_rolling_windows(tmp_path, demo_psr_dict):
    """The same file under calendar months (Europe/Berlin): every row has its month, none is left
    out: 2027-02 98 (met), 2027-03 97 (met), 2027-04 the last of 92 and 93 (missed), 2027-05 99
    (met). Under rolling 90-day windows the labels are the same months (each window assessed at
    its month's end), so the values land alike."""
    for period in ({"time_zone": TZ}, {"kind": "rolling_days", "days": 90, "time_zone": TZ}):
        store, pid = _monitored(
            tmp_path / period.get("kind", "calendar"), demo_psr_dict, TERMS | {"period": period}
        )
        try:
            m.set_monitoring_plan(store, pid, PLAN, user=USER)
            [read] = m.import_measurements(store, pid, [("werte.csv", values_csv(VALUES))], user=USER)
            assert read.accepted and read.skipped_rows == 0, read.notes
            assert _sd06(m.monitor(store, pid, user=USER)) == {
                "2027-02": (98.0, True),
                "2027-03": (97.0, True),
                "2027-04": (93.0, False),
                "2027-05": (99.0, True),
            }
        finally:
            store.close()


def test_a_values_file_with_no_value_in_any_period_is_refused_and_others_go_in(tmp_path, demo_psr_dict):
    """Under fixed periods from 1 March 2027 a file of only calendar months March and April
    (each runs into two periods) has nothing to count: refused with the reason; the outage log
    beside it goes in."""
    period = {"kind": "fixed_30_days", "time_zone": TZ, "start": "2027-03-01"}
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS | {"period": period})
    try:
        months = values_csv([("2027-03", "SD-06", "97"), ("2027-04", "SD-06", "95")])
        outages = outage_csv([("HO-01", "09.03.2027 03:12", "09.03.2027 03:22", "nein")])
        values, log = m.import_measurements(
            store, pid, [("months.csv", months), ("ho.csv", outages)], user=USER
        )
        assert not values.accepted and "has no value in a period of this contract" in values.rejection
        assert "fixed period of 30 days from 2027-03-01" in values.rejection
        assert log.accepted
    finally:
        store.close()


def test_a_correction_of_a_values_period_is_read_like_the_file(tmp_path, demo_psr_dict):
    """A corrected period is read as the file's column is (15.04.2027 is the day 2027-04-15) and a text
    that is neither a month nor a day is refused in words, before anything is stored."""
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS)
    try:
        m.set_monitoring_plan(store, pid, PLAN, user=USER)
        [read] = m.import_measurements(store, pid, [("werte.csv", values_csv(VALUES[:1]))], user=USER)
        record = read.records["record"].iloc[0]
        with pytest.raises(m.MonitoringError, match="'Sept' is not a month like 2027-03 nor a day"):
            m.correct_measurement(store, pid, record, "period", "Sept", "typo", user=USER)
        m.correct_measurement(store, pid, record, "period", "15.04.2027", "the April report", user=USER)
        assert _sd06(m.monitor(store, pid, user=USER)) == {"2027-04": (97.0, True)}
    finally:
        store.close()


def test_a_value_of_a_level_the_contract_does_not_have_is_named_at_import(tmp_path, demo_psr_dict):
    """'SD-6' (a typo of SD-06) is no level of the contract: the row is kept (a correction of its level
    makes it count) and the note names the file, the row, the column and the contract's levels."""
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS)
    try:
        m.set_monitoring_plan(store, pid, PLAN, user=USER)
        data = values_csv([("2027-03", "SD-06", "97"), ("2027-04", "SD-6", "95")])
        [read] = m.import_measurements(store, pid, [("werte.csv", data)], user=USER)
        assert read.accepted and len(read.records) == 2
        [note] = [n for n in read.notes if "SD-6'" in n]
        assert note.startswith(
            "werte.csv, row 3, column 'Service level': 'SD-6' is not a service level of this"
        )
        assert "(its levels: " in note and "SD-06" in note
        assert _sd06(m.monitor(store, pid, user=USER)) == {"2027-03": (97.0, True)}
        m.correct_measurement(store, pid, read.records["record"][1], "level", "SD-06", "typo", user=USER)
        assert _sd06(m.monitor(store, pid, user=USER)) == {"2027-03": (97.0, True), "2027-04": (95.0, False)}
    finally:
        store.close()
