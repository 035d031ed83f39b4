"""Monitoring a stored project: contract, import, corrections, disputes, credits, earn-back and termination.

The contract here is the demo tender with one credit rule (hosting production
availability HO-01, bands of the hosting monthly charge), so every amount is a
hand calculation from the demo's awarded bid (Nordwind IT Services AG: HO-01
offered 99.95 %, hosting monthly fee 42,000 EUR).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from slm_psr.excel.responses import read_response
from slm_psr.model import PSR
from slm_psr.service import disputes
from slm_psr.service import monitor as m
from slm_psr.service.contract import store_contract
from slm_psr.store import Store, StoreError
from slm_psr.store.monitoring import MonitoringStore
from tests.conftest import DEMO

# The demo's terms (period, pool, questions to suppliers) with only HO-01's bands as credit rule.
TERMS = {
    "credits": [
        {
            "rule": "bands",
            "requirement": "HO-01",
            "bands": [
                {"below": 99.9, "credit": 5.0},
                {"below": 99.5, "credit": 10.0},
                {"below": 99.0, "credit": 25.0},
            ],
        }
    ],
    "cap_percent": 20.0,
    "earn_back": {"periods": 3},
    "termination": [
        {
            "id": "T1",
            "kind": "repeated_miss",
            "requirement": "HO-01",
            "misses": 3,
            "periods": 6,
            "notice": "The customer may terminate the hosting services with 30 days' notice.",
            "acceptance": "CT-03",
        },
        {
            "id": "T2",
            "kind": "critical_floor",
            "requirement": "HO-01",
            "floor": 97.0,
            "notice": "The customer may terminate the hosting services with immediate effect.",
            "acceptance": "CT-04",
        },
    ],
}
PLAN = {"levels": {"HO-01": {"metric": "availability", "match": ["HO-01"]}}}
USER = "A. Buyer"
NORDWIND = "Nordwind IT Services AG"


def _monitored(tmp_path, psr_dict: dict, terms: dict) -> tuple[Store, int]:
    psr = PSR.model_validate(psr_dict | {"contract_terms": psr_dict["contract_terms"] | terms})
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.sqlite3'}")
    info = store.create_project("Monitored", psr, user=USER)
    data = (DEMO / "responses" / "nordwind.xlsx").read_bytes()
    result = read_response(psr, data, "nordwind.xlsx")
    store.add_response(info.id, "nordwind.xlsx", data, result.response, None, user=USER, expected_revision=1)
    store_contract(store, store.load(info.id), NORDWIND, user=USER, confirm=True)
    m.set_monitoring_plan(store, info.id, PLAN, user=USER)
    return store, info.id


@pytest.fixture
def project(tmp_path, demo_psr_dict):
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS)
    yield store, pid
    store.close()


def outage_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Service;Start;End;Planned"] + [";".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# One row per month, March to September 2027 (Europe/Berlin, 24/7):
# May: 95 min down; June-August met; September 60 min down; nothing else.
SEVEN_MONTHS = [
    ("HO-01", "09.03.2027 03:12", "09.03.2027 03:22", "nein"),  # 10 min: met
    ("HO-01", "06.04.2027 10:00", "06.04.2027 10:05", "nein"),  # 5 min: met
    ("HO-01", "19.05.2027 14:02", "19.05.2027 15:12", "nein"),  # May: overlapping pair, 95 min
    ("HO-01", "19.05.2027 14:30", "19.05.2027 15:37", "nein"),
    ("HO-01", "15.06.2027 10:41", "15.06.2027 10:53", "nein"),  # 12 min: met
    ("HO-01", "10.07.2027 22:00", "11.07.2027 02:00", "ja"),  # maintenance, excluded
    ("HO-01", "03.08.2027 16:05", "03.08.2027 16:13", "nein"),  # 8 min: met
    ("HO-01", "21.09.2027 08:30", "21.09.2027 09:30", "nein"),  # 60 min: missed
]


def test_credits_earn_back_and_termination_status(project):
    """Hand calculation (HO-01 committed 99.95 %, bands of the hosting charge 42,000 EUR/month):

    - May 2027 (31 days = 44,640 min): the two records 14:02-15:12 and 14:30-15:37
      overlap; their union 14:02-15:37 is 95 minutes.
      Attained = (44,640 - 95) / 44,640 = 99.787186 %: missed; below 99.9 -> band 5 %:
      credit 5 % x 42,000 = 2,100.00 EUR (the cap, 20 % of the invoice, is far away).
    - June, July, August met (12 min, 0 + 240 min excluded, 8 min; at most ~22 allowed):
      the May credit is earned back in August (three periods met after it).
    - September (30 days = 43,200 min): 60 min down: (43,200 - 60) / 43,200 = 99.861111 %:
      missed, band 5 %: 2,100.00 EUR.
    - Ledger: owed 2,100 (May) + 2,100 (Sep) = 4,200; earned back 2,100 (Aug); net 2,100.
    - T1 (3 misses in 6 periods), after September: the last six periods Apr-Sep hold
      May and September: "2 of 3", one miss away. T2 (below 97 % in a month): not triggered.
    """
    store, pid = project
    files = [("ho.csv", outage_csv(SEVEN_MONTHS)), ("junk.csv", b"Name;Address\nA;B\n")]
    imported = m.import_measurements(store, pid, files, user=USER)
    assert [f.accepted for f in imported] == [True, False]
    report = m.monitor(store, pid, user=USER)
    assert report.periods == ["2027-03", "2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09"]
    ho = report.results.set_index("period")
    assert ho.loc["2027-05", "down_minutes"] == 95
    assert ho.loc["2027-05", "attained"] == pytest.approx((44_640 - 95) / 44_640 * 100)
    assert ho.loc["2027-05", "credit"] == pytest.approx(2_100)
    assert ho.loc["2027-07", "excluded_minutes"] == 240 and bool(ho.loc["2027-07", "met"])
    assert ho.loc["2027-08", "earned_back"] == pytest.approx(2_100)
    assert ho.loc["2027-09", "attained"] == pytest.approx((43_200 - 60) / 43_200 * 100)
    assert ho.loc["2027-09", "credit"] == pytest.approx(2_100)
    ledger = report.ledger.set_index("period")
    assert ledger["owed"].sum() == pytest.approx(4_200)
    assert ledger["earned_back"].sum() == pytest.approx(2_100)
    assert ledger.loc["2027-09", "cumulative"] == pytest.approx(2_100)
    now = report.termination[report.termination["period"] == "2027-09"].set_index("right")
    assert now.loc["T1", "status"].startswith("2 of 3 misses")
    assert bool(now.loc["T1", "within_one"]) and not bool(now.loc["T1", "triggered"])
    assert not bool(now.loc["T2", "triggered"])
    text = "\n".join(report.lines())
    assert "one miss away" in text and "30 days' notice" in text
    # The JSON labels periods YYYY-MM and the results are stored per period and level.
    data = json.loads(json.dumps(report.to_dict(), default=str))
    assert [p["period"] for p in data["periods"]][:2] == ["2027-03", "2027-04"]
    stored = MonitoringStore(store).results(pid)
    assert {(r["period"], r["level"]) for r in stored} >= {("2027-05", "HO-01"), ("2027-09", "HO-01")}


def test_a_third_miss_triggers_and_one_period_can_be_shown(project):
    """Adding October 2027 with 45 minutes down (44,700 min, DST month): 99.899329 %: missed,
    below 99.9: 5 % = 2,100 EUR. T1 then counts May, September, October: 3 of 3 in the
    last 6 periods (May-Oct): triggered, first in 2027-10."""
    store, pid = project
    rows = [*SEVEN_MONTHS, ("HO-01", "05.10.2027 12:00", "05.10.2027 12:45", "nein")]
    m.import_measurements(store, pid, [("ho.csv", outage_csv(rows))], user=USER)
    report = m.monitor(store, pid, period="2027-10", user=USER)
    assert report.periods == ["2027-10"]
    [row] = report.results.to_dict("records")
    assert row["attained"] == pytest.approx((44_700 - 45) / 44_700 * 100)
    assert row["credit"] == pytest.approx(2_100)
    [t1] = report.termination[report.termination["right"] == "T1"].to_dict("records")
    assert t1["triggered"] and t1["first_period"] == "2027-10"


def test_corrections_need_a_reason_are_audited_and_change_the_result(project):
    """Correcting the September outage's end from 09:30 to 08:40 leaves 10 minutes:
    (43,200 - 10) / 43,200 = 99.976852 %: met, no credit."""
    store, pid = project
    [read] = m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
    september = read.records[read.records["row"] == 9]["record"].iloc[0]
    with pytest.raises(ValueError, match="needs a reason"):
        m.correct_measurement(store, pid, september, "end", "21.09.2027 08:40", " ", user=USER)
    m.correct_measurement(
        store, pid, september, "end", "21.09.2027 08:40", "failover log shows 08:40", user=USER
    )
    disputes.dispute_record(store, pid, september, "supplier", "our probe saw 5 minutes", user="N. Supplier")
    report = m.monitor(store, pid, period="2027-09", user=USER)
    [row] = report.results.to_dict("records")
    assert row["attained"] == pytest.approx((43_200 - 10) / 43_200 * 100)
    assert row["met"] and row["credit"] == 0 and row["disputed"] == 1
    actions = [(a.action, a.who) for a in store.audit(pid)]
    assert ("correct_measurement", USER) in actions and ("dispute_measurement", "N. Supplier") in actions
    [correction] = MonitoringStore(store).corrections(pid)
    assert correction["reason"] == "failover log shows 08:40" and correction["after"] == "21.09.2027 08:40"


def test_the_same_file_twice_is_refused_and_raw_bytes_are_kept(project):
    store, pid = project
    data = outage_csv(SEVEN_MONTHS)
    first, again = m.import_measurements(store, pid, [("a.csv", data), ("b.csv", data)], user=USER)
    assert first.accepted and not again.accepted and "already imported" in again.rejection
    files = MonitoringStore(store).measurement_files(pid)
    assert MonitoringStore(store).measurement_bytes(pid, files[0].id) == data
    # Records reload exactly: recomputing from the stored bytes gives the stored records.
    reloaded = m.records_from_bytes(files[0].records)
    assert reloaded["start"].tolist() == first.records["start"].tolist()


def test_monitoring_without_a_contract_says_so(tmp_path, demo_psr):
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}") as store:
        info = store.create_project("Plain", demo_psr, user=USER)
        with pytest.raises(m.MonitoringError, match="no confirmed contract"):
            m.monitor(store, info.id)


def test_demo_measurement_files_read_cleanly():
    """The demo files: every row read; the open outage and the cp1252 encoding are the only notes."""
    from slm_psr.excel.measurements import read_measurements

    paths = sorted((DEMO / "measurements").iterdir())
    results = read_measurements([(p.name, p.read_bytes()) for p in paths], "Europe/Berlin")
    assert all(r.accepted and r.skipped_rows == 0 for r in results), [r.summary() for r in results]
    kinds = {r.filename: r.kind for r in results}
    assert kinds == {"outages.csv": "outages", "tickets.csv": "tickets", "values.xlsx": "values"}
    tickets = next(r.records for r in results if r.kind == "tickets")
    assert len(tickets) > 4000 and set(tickets["priority"].dropna()) == {1, 2, 3, 4}
    assert Path(DEMO / "monitoring_plan.json").is_file()
    assert pd.notna(tickets["resolved"]).all()


def test_the_cap_limits_a_period_and_the_rest_is_forfeited(tmp_path, demo_psr_dict):
    """Hand calculation with a cap of 1 % of the monthly invoice (68,500 + 42,000 + 4,500 =
    115,000 EUR: cap 1,150 EUR): May's HO-01 credit of 5 % x 42,000 = 2,100 EUR is owed
    as 1,150 EUR; 950 EUR are forfeited; the earn-back in August returns what was owed (1,150)."""
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS | {"cap_percent": 1.0})
    try:
        m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
        report = m.monitor(store, pid, user=USER)
    finally:
        store.close()
    ledger = report.ledger.set_index("period")
    assert ledger.loc["2027-05", "uncapped"] == pytest.approx(2_100)
    assert ledger.loc["2027-05", "owed"] == pytest.approx(1_150)
    assert ledger.loc["2027-05", "forfeited"] == pytest.approx(950)
    assert ledger.loc["2027-08", "earned_back"] == pytest.approx(1_150)


def test_the_contract_monitored_is_the_confirmed_schedule_with_its_plan(project):
    store, pid = project
    contract = MonitoringStore(store).contract(pid)
    assert contract is not None and contract.supplier == NORDWIND
    assert contract.plan == PLAN and contract.schedule["supplier"] == NORDWIND
    again = m.confirm_contract(store, pid, NORDWIND, plan=PLAN | {"holiday_region": "DE-BY"}, user=USER)
    assert again.plan["holiday_region"] == "DE-BY"
    with pytest.raises(m.MonitoringError, match="no bid"):
        m.confirm_contract(store, pid, "Nobody GmbH", user=USER)


def test_a_contract_measured_in_fixed_30_day_periods(tmp_path, demo_psr_dict):
    """The same records under fixed 30-day periods from 1 March 2027 (Europe/Berlin): the
    periods are labelled by their first day; the May outages (95 min, union of the overlap)
    fall into 30 April-29 May, 30 x 1440 = 43,200 min: (43,200 - 95) / 43,200 = 99.780093 %,
    missed, band 5 % of 42,000 = 2,100.00 EUR. The first period holds the spring DST change:
    30 x 1440 - 60 = 43,140 scheduled minutes."""
    period = {"kind": "fixed_30_days", "time_zone": "Europe/Berlin", "start": "2027-03-01"}
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS | {"period": period})
    try:
        m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS[:4]))], user=USER)
        report = m.monitor(store, pid, user=USER)
        assert report.periods == ["2027-03-01", "2027-03-31", "2027-04-30"]
        ho = report.results.set_index("period")
        assert ho.loc["2027-03-01", "scheduled_minutes"] == 43_140
        assert ho.loc["2027-04-30", "attained"] == pytest.approx((43_200 - 95) / 43_200 * 100)
        assert ho.loc["2027-04-30", "credit"] == pytest.approx(2_100)
        assert m.monitor(store, pid, period="2027-04-30", user=USER).periods == ["2027-04-30"]
        with pytest.raises(ValueError, match="named by its first day"):
            m.monitor(store, pid, period="2027-05", user=USER)
        # the workbook and the report call the period what it is, not a month
        import io

        import openpyxl

        from slm_psr.service import service_report
        from tests.test_reports_award_record import pdf_text

        book = openpyxl.load_workbook(io.BytesIO(report.to_xlsx()))
        assert book["Results"]["A1"].value == book["Credit ledger"]["A1"].value == "Period of 30 days"
        pdf, xlsx = service_report(store, pid, "2027-04-30")
        assert openpyxl.load_workbook(io.BytesIO(xlsx))["Results"]["A1"].value == "Period of 30 days"
        text = " ".join(pdf_text(pdf, tmp_path).split())
        assert "Service report 2027-04-30" in text
        assert "Period of 30 days" in text and "Monthly service report" not in text
    finally:
        store.close()


def test_the_report_workbook_prints_landscape_one_page_wide_with_its_header_on_every_page(project):
    import io

    import openpyxl

    store, pid = project
    m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
    book = openpyxl.load_workbook(io.BytesIO(m.monitor(store, pid, user=USER).to_xlsx()))
    assert book.sheetnames == ["Results", "Credit ledger", "Termination", "Files", "Notes"]
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth left out means 1 (ECMA-376 default); fitToHeight 0: as many pages tall as needed
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows.replace("$", "") == "1:1"
        assert ws.freeze_panes == "A2"
        assert "Monitored: contract with Nordwind IT Services AG" in ws.oddFooter.left.text
    results = book["Results"]
    assert [c.value for c in results[1]][:3] == ["Month", "Service level", "What"]
    assert results.column_dimensions["C"].width > 10  # the level's text is not squeezed


def test_a_periods_figure_is_disputed_and_settled_with_who_and_why(project):
    """The supplier disputes the September figure of HO-01 (99.861111 %, credit 2,100.00 EUR):
    the figure still counts (the credit is not held back) and is marked in the report, the
    JSON and the workbook; the customer settles it in words; both steps are in the audit trail
    with who did them. Unknown levels, periods that are no month, parties other than the two
    and a missing reason are refused in words."""
    store, pid = project
    m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
    number = disputes.dispute_figure(
        store, pid, "2027-09", "HO-01", "supplier", "the 60 minutes were a planned test", user="N. Supplier"
    )
    report = m.monitor(store, pid, period="2027-09", user=USER)
    [row] = report.results.to_dict("records")
    assert row["credit"] == pytest.approx(2_100)
    assert row["dispute"] == "disputed by the supplier (N. Supplier): the 60 minutes were a planned test"
    assert "[figure disputed by the supplier" in "\n".join(report.lines())
    assert report.to_dict()["periods"][0]["levels"][0]["dispute"].startswith("disputed by the supplier")
    [open_one] = disputes.disputes(store, pid, period="2027-09", open_only=True)
    assert (open_one.id, open_one.level, open_one.what) == (number, "HO-01", "the 2027-09 figure of HO-01")
    assert disputes.disputes(store, pid, period="2027-08") == []

    disputes.settle(store, pid, number, "not announced as maintenance: the figure stands", user=USER)
    [settled] = disputes.disputes(store, pid)
    assert not settled.open and settled.settled_by == USER
    assert "settled by A. Buyer: not announced as maintenance" in settled.describe()
    again = m.monitor(store, pid, period="2027-09", save=False)
    assert again.results["dispute"].tolist() == [""]
    trail = [(a.action, a.who, a.target) for a in store.audit(pid)]
    assert ("dispute_measurement", "N. Supplier", "the 2027-09 figure of HO-01") in trail
    assert ("settle_dispute", USER, "the 2027-09 figure of HO-01") in trail

    with pytest.raises(m.MonitoringError, match="no service level 'XX-99'; its levels: "):
        disputes.dispute_figure(store, pid, "2027-09", "XX-99", "buyer", "why", user=USER)
    with pytest.raises(m.MonitoringError, match="not a month like 2027-03"):
        disputes.dispute_figure(store, pid, "Sept", "HO-01", "buyer", "why", user=USER)
    with pytest.raises(m.MonitoringError, match="the buyer or the supplier, not 'auditor'"):
        disputes.dispute_figure(store, pid, "2027-09", "HO-01", "auditor", "why", user=USER)
    with pytest.raises(ValueError, match="needs a reason"):
        disputes.dispute_figure(store, pid, "2027-09", "HO-01", "buyer", "  ", user=USER)
    with pytest.raises(
        StoreError, match=r"dispute on the 2027-09 figure of HO-01 was already settled by A\. Buyer"
    ):
        disputes.settle(store, pid, number, "again", user=USER)
    with pytest.raises(m.MonitoringError, match="no measurement record 'nope'"):
        disputes.dispute_record(store, pid, "nope", "buyer", "why", user=USER)


def test_a_disputed_record_is_listed_under_the_period_it_starts_in(project):
    store, pid = project
    [read] = m.import_measurements(store, pid, [("ho.csv", outage_csv(SEVEN_MONTHS))], user=USER)
    may = read.records[read.records["row"] == 4]["record"].iloc[0]  # 19.05.2027 14:02
    disputes.dispute_record(store, pid, may, "buyer", "the ticket says 14:00", user=USER)
    [found] = disputes.disputes(store, pid, period="2027-05")
    assert (found.record, found.level, found.what) == (may, None, f"measurement {may}")


def test_a_ticket_in_two_overlapping_exports_counts_once_as_the_later_export_says(tmp_path, demo_psr_dict):
    """SD-04 (priority 1 resolved within Nordwind's 4 hours, 24/7), 50 % of tickets committed here.

    The March export holds T-1 (02.03. 10:00-12:00, 2 h: within) and T-2 (opened 30.03. 22:00, still
    open); the April export holds T-2 again, resolved 31.03. 01:00 (3 h: within), and T-3 (05.04.
    09:00-15:00, 6 h: missed). Counted once each, as the later export says: March 2 of 2 within =
    100 %, met; April 0 of 1 = 0 %, missed. (Counting T-2 twice would make March 3 tickets, the
    open copy past its limit by the end of April: 2 of 3 = 66.7 %.)"""
    store, pid = _monitored(tmp_path, demo_psr_dict, TERMS)
    try:
        m.set_monitoring_plan(
            store,
            pid,
            {"levels": {"SD-04": {"metric": "resolution", "priorities": [1], "share": 50}}},
            user=USER,
        )
        march = "Ticket;Priority;Opened;Resolved\nT-1;P1;02.03.2027 10:00;02.03.2027 12:00\nT-2;P1;30.03.2027 22:00;\n"
        april = "Ticket;Priority;Opened;Resolved\nT-2;P1;30.03.2027 22:00;31.03.2027 01:00\nT-3;P1;05.04.2027 09:00;05.04.2027 15:00\n"
        m.import_measurements(store, pid, [("march.csv", march.encode())], user=USER)
        m.import_measurements(store, pid, [("april.csv", april.encode())], user=USER)
        report = m.monitor(store, pid, user=USER)
        sd04 = report.results[report.results["level"] == "SD-04"].set_index("period")
        assert sd04.loc["2027-03", ["tickets", "within", "attained"]].tolist() == [2, 2, 100.0]
        assert sd04.loc["2027-04", ["tickets", "within", "attained"]].tolist() == [1, 0, 0.0]
        assert bool(sd04.loc["2027-03", "met"]) and not bool(sd04.loc["2027-04", "met"])
        assert (
            "1 ticket row(s) repeat a ticket that a later row holds (exports overlap); each ticket counts once, "
            "as its latest row says: e.g. ticket T-2 of march.csv row 3 gives way to april.csv row 2"
        ) in report.notes
    finally:
        store.close()


def test_a_dispute_of_a_ticket_row_that_gives_way_stays_with_the_row_that_counts():
    """Three rows, two of them ticket 'SD-1' (written 'SD-1 ' in the older file): the older row is disputed;
    the later row counts and carries the dispute; 'SD-2' is untouched."""
    rows = pd.DataFrame(
        {
            "record": ["a:2", "a:3", "b:2"],
            "file": ["a.csv", "a.csv", "b.csv"],
            "row": [2, 3, 2],
            "ticket": ["SD-1 ", "SD-2", "sd-1"],
            "disputed": [True, False, False],
        }
    )
    kept, [note] = m.latest_tickets(rows)
    assert kept[["record", "disputed"]].values.tolist() == [["a:3", False], ["b:2", True]]
    assert note.endswith("e.g. ticket SD-1  of a.csv row 2 gives way to b.csv row 2")
