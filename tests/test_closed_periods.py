"""A month both parties signed off is closed: disputes and corrections wait for a reopening with who and why.

The contract and the records are those of ``tests/test_monitor_service.py`` (the demo
tender, HO-01 bands, one outage a month from March to September 2027): September
holds one 60-minute outage, 21 September 08:30-09:30 (file row 9); August one of 8
minutes, 3 August 16:05-16:13 (row 8).
"""

from __future__ import annotations

import json

import pytest

from slm_psr.service import disputes, review
from slm_psr.service import monitor as m
from slm_psr.service.closed import ClosedPeriod
from slm_psr.store import StoreError
from tests.test_monitor_service import SEVEN_MONTHS, USER, outage_csv, project  # noqa: F401 (fixture)

SUPPLIER = "N. Supplier"


def _rows(store, pid) -> dict[int, str]:
    [read] = m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
    return dict(zip(read.records["row"], read.records["record"], strict=True))


def _sign_both(store, pid, period: str) -> None:
    review.sign_off(store, pid, period, "buyer", user=USER)
    review.sign_off(store, pid, period, "supplier", user=SUPPLIER)


def test_a_signed_off_month_takes_no_dispute_or_correction_until_it_is_reopened(project):  # noqa: F811
    """Signed off by both parties, September is closed: a dispute of its HO-01 figure, a dispute
    of its outage record, a correction of that record, and a correction that would move the
    August outage into September are each refused, saying who signed, that the month must be
    reopened with the reason, and where. Nothing is stored by a refusal. Reopened (who and why in
    the audit trail), the supplier's dispute goes in."""
    store, pid = project
    rows = _rows(store, pid)
    _sign_both(store, pid, "2027-09")
    revision = store.project(pid).revision
    with pytest.raises(ClosedPeriod) as refused:
        disputes.dispute_figure(store, pid, "2027-09", "HO-01", "supplier", "a planned test", user=SUPPLIER)
    said = str(refused.value)
    assert said.startswith("2027-09 is signed off by both parties (the customer by A. Buyer on ")
    assert "the supplier by N. Supplier on " in said
    assert (
        "so disputing the 2027-09 figure of HO-01 has to wait: reopen 2027-09 first with the reason" in said
    )
    assert "with the reason on the Service review page ('Reopen as a new version')" in said
    with pytest.raises(ClosedPeriod, match=f"disputing record {rows[9]} has to wait"):
        disputes.dispute_record(store, pid, rows[9], "supplier", "a planned test", user=SUPPLIER)
    with pytest.raises(ClosedPeriod, match=f"correcting end of record {rows[9]} has to wait"):
        m.correct_measurement(store, pid, rows[9], "end", "21.09.2027 08:40", "probe log", user=USER)
    with pytest.raises(ClosedPeriod, match=f"correcting start of record {rows[8]} has to wait"):
        m.correct_measurement(store, pid, rows[8], "start", "01.09.2027 16:05", "wrong month", user=USER)
    assert store.project(pid).revision == revision  # nothing stored
    assert disputes.disputes(store, pid) == []

    review.reopen(store, pid, "2027-09", "the supplier disputes the 60 minutes", user=USER)
    number = disputes.dispute_figure(
        store, pid, "2027-09", "HO-01", "supplier", "a planned test", user=SUPPLIER
    )
    [found] = disputes.disputes(store, pid, period="2027-09", open_only=True)
    assert found.id == number
    reopened = [a for a in store.audit(pid) if a.action == "review_reopen"]
    assert [(a.who, a.target) for a in reopened] == [(USER, "service review 2027-09")]
    assert json.loads(reopened[0].after)["text"] == "the supplier disputes the 60 minutes"
    # the other months were never closed
    disputes.dispute_record(store, pid, rows[8], "buyer", "the probe says 16:03", user=USER)


def test_a_month_with_an_open_dispute_is_not_signed_off_until_it_is_settled(project):  # noqa: F811
    """The customer signs September off; the supplier then disputes its figure (one signature is
    no agreement yet, so the dispute goes in); the supplier's sign-off is refused, naming the
    dispute to settle; settled in words, the sign-off goes in and the month is closed."""
    store, pid = project
    _rows(store, pid)
    review.sign_off(store, pid, "2027-09", "buyer", user=USER)
    number = disputes.dispute_figure(
        store, pid, "2027-09", "HO-01", "supplier", "a planned test", user=SUPPLIER
    )
    with pytest.raises(StoreError) as refused:
        review.sign_off(store, pid, "2027-09", "supplier", user=SUPPLIER)
    assert str(refused.value) == (
        f"2027-09 cannot be signed off while 1 dispute(s) about it are open: #{number} the 2027-09 figure of "
        "HO-01 (a planned test). Settle them first (the resolution in words), then sign off"
    )
    disputes.settle(store, pid, number, "not announced: the figure stands", user=USER)
    review.sign_off(store, pid, "2027-09", "supplier", user=SUPPLIER)
    assert review.current(store, pid, "2027-09").frozen


def test_a_correction_is_read_as_the_files_column_and_refused_in_words(project):  # noqa: F811
    """A correction that could not be read would break every later computation: a time that is no
    time, a field a record does not have, and the record's own key are refused before storing."""
    store, pid = project
    rows = _rows(store, pid)
    revision = store.project(pid).revision
    with pytest.raises(
        m.MonitoringError, match=r"'half past nine' is not a date and time like 19\.05\.2027 14:02"
    ):
        m.correct_measurement(store, pid, rows[9], "end", "half past nine", "probe log", user=USER)
    with pytest.raises(
        m.MonitoringError, match=r"no field 'record' to correct; its fields: service, start, end"
    ):
        m.correct_measurement(store, pid, rows[9], "record", "x", "why", user=USER)
    with pytest.raises(m.MonitoringError, match="no measurement record 'nope'"):
        m.correct_measurement(store, pid, "nope", "end", "21.09.2027 08:40", "why", user=USER)
    assert store.project(pid).revision == revision
    m.correct_measurement(store, pid, rows[9], "end", "21.09.2027 08:40", "probe log", user=USER)
    september = m.monitor(store, pid, period="2027-09", save=False).results.iloc[0]
    assert bool(september["met"])  # 10 minutes down of 43,200: 99.976852 %, above 99.95 %


def test_an_import_into_a_closed_month_goes_in_and_says_the_month_needs_agreeing_again(project):  # noqa: F811
    """Exports overlap, so an import is not refused for a closed month (its other rows would be lost):
    a late log with one more September outage and one October outage goes in, and the import names
    September as changed from its signed version; October, never signed off, goes unmentioned."""
    store, pid = project
    _rows(store, pid)
    _sign_both(store, pid, "2027-09")
    late = outage_csv(
        [
            ("HO-01", "28.09.2027 11:00", "28.09.2027 11:05", "nein"),
            ("HO-01", "02.10.2027 11:00", "02.10.2027 11:05", "nein"),
        ]
    )
    [read] = m.import_measurements(store, pid, [("late.csv", late)], user=USER)
    assert read.accepted
    closed = [n for n in read.notes if "signed off" in n]
    assert closed == [
        "late.csv: 1 record(s) fall in 2027-09, which both parties signed off: its figures now count them and "
        "differ from the signed version (kept on record as it was); reopen 2027-09 on the Service review page "
        "to agree it again"
    ]
