"""Measurement files in: kinds recognised by their headers, timestamps as written, errors naming file, row and column."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import xlsxwriter

from slm_psr.excel.measurements import OUTAGES, TICKETS, VALUES, read_measurement_file, read_measurements
from slm_psr.excel.timestamps import read_times

TZ = "Europe/Berlin"
UTC_1405 = pd.Timestamp("2026-11-29 13:05", tz="UTC")  # 14:05 CET


def test_timestamps_as_people_and_tools_write_them():
    """Each of these is 29 November 2026, 14:05 in Berlin (CET, UTC+1) = 13:05 UTC.

    Excel serial: 29 Nov 2026 is day 46,355 after 30 Dec 1899; 14:05 is 845/1440 =
    0.5868056 of a day.
    """
    written = [
        "29.11.2026 14:05",
        "29.11.2026, 14:05 Uhr",
        "2026-11-29T14:05:00+01:00",
        "2026-11-29T13:05:00Z",
        "2026-11-29 14:05",
        "29/Nov/26 2:05 PM",
        46355.5868056,
        "46355.5868056",
        dt.datetime(2026, 11, 29, 14, 5),
    ]
    read = read_times(pd.Series(written, dtype=object), TZ)
    assert read.utc.tolist() == [UTC_1405] * len(written)
    assert read.problems.isna().all()


def test_unreadable_and_impossible_times_are_named_and_dst_gaps_noted():
    read = read_times(pd.Series(["31.02.2027 10:00", "yesterday", "28.03.2027 02:30", ""], dtype=object), TZ)
    assert "not a real date" in read.problems[0]
    assert "'yesterday'" in read.problems[1]
    # 02:30 does not exist on 28 March 2027 in Berlin: read as 03:00 CEST = 01:00 UTC, and said so.
    assert read.utc[2] == pd.Timestamp("2027-03-28 01:00", tz="UTC")
    assert any("daylight-saving" in n for n in read.notes)
    assert pd.isna(read.utc[3]) and pd.isna(read.problems[3])


def test_slashed_dates_month_first_when_the_column_shows_it():
    read = read_times(pd.Series(["11/29/2026 14:05", "12/01/2026 09:00"], dtype=object), TZ)
    assert read.utc[0] == UTC_1405
    assert read.utc[1] == pd.Timestamp("2026-12-01 08:00", tz="UTC")


OUTAGE_CSV = """Service;Start;Ende;Geplant;Grund;Ticket
HO-01;03.03.2027 10:00;03.03.2027 11:30;nein;;INC-1
HO-01;gestern;03.03.2027 12:00;nein;;INC-2
HO-01;10.03.2027 22:00;10.03.2027 21:00;nein;;INC-3
HO-01;10.03.2027 22:00;11.03.2027 02:00;ja;Wartung angekündigt;CHG-7
HO-02;28.03.2027 01:30;;nein;;INC-4
"""


def test_outage_log_in_windows_1252_with_semicolons():
    result = read_measurement_file(OUTAGE_CSV.encode("cp1252"), "ausfaelle.csv", TZ)
    assert result.accepted and result.kind == OUTAGES
    records = result.records
    assert records["row"].tolist() == [2, 5, 6]
    assert records["excluded"].tolist() == [False, True, False]
    assert records["reason"][1] == "Wartung angekündigt"
    assert records["open_ended"].tolist() == [False, False, True]
    assert result.skipped_rows == 2
    notes = "\n".join(result.notes)
    assert "Windows-1252" in notes
    assert "ausfaelle.csv, row 3, column 'Start': 'gestern' is not a date" in notes
    assert "ausfaelle.csv, row 4, column 'Ende': is before the start; row left out" in notes
    assert "row 6, column 'Ende': is empty: the outage is open-ended" in notes


def test_ticket_exports_of_jira_servicenow_and_otrs():
    jira = (
        "Issue key,Issue Type,Priority,Created,Resolved,Custom field (First response)\n"
        "SD-1,Incident,Highest,29/Nov/26 2:05 PM,29/Nov/26 4:05 PM,29/Nov/26 2:15 PM\n"
    )
    servicenow = (
        "number,priority,opened_at,resolved_at,business_service\n"
        "INC0010001,1 - Critical,2026-11-29 14:05:00,2026-11-29 16:05:00,Service desk\n"
    )
    otrs = "TicketNumber;Priority;Created;FirstResponse;Closed\n2026112910000011;5 very high;2026-11-29 14:05:00;;\n"
    files = [
        ("jira.csv", jira.encode()),
        ("sn.csv", servicenow.encode("utf-8-sig")),
        ("otrs.csv", otrs.encode()),
    ]
    results = read_measurements(files, TZ)
    assert [r.kind for r in results] == [TICKETS] * 3
    for r in results:
        assert r.records["priority"].tolist() == [1], r.filename  # words win: OTRS "5 very high" is the top
        assert r.records["opened"].tolist() == [UTC_1405], r.filename
    assert results[0].records["responded"][0] == pd.Timestamp("2026-11-29 13:15", tz="UTC")
    assert results[1].records["service"][0] == "Service desk"
    assert pd.isna(results[2].records["resolved"][0])


def test_measured_values_in_an_xlsx_and_a_bad_file_beside_it():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Werte")
    sheet.write_row(0, 0, ["Monthly values for Stadtwerke"])
    sheet.write_row(2, 0, ["Period", "Service level", "Value", "Measured by"])
    sheet.write_row(3, 0, ["2027-03", "RP-01", 3, "Stadtwerke controlling"])
    sheet.write_row(4, 0, ["04/2027", "RP-01", "4,0", "Stadtwerke controlling"])
    sheet.write_row(5, 0, ["May", "RP-01", "late", "Stadtwerke controlling"])
    book.close()
    good, bad = read_measurements(
        [("values.xlsx", buffer.getvalue()), ("broken.xlsx", b"PK\x03\x04junk")], TZ
    )
    assert good.accepted and good.kind == VALUES
    assert good.records[["period", "value"]].values.tolist() == [["2027-03", 3.0], ["2027-04", 4.0]]
    assert "values.xlsx, row 6, column 'Period': 'May' is not a month" in "\n".join(good.notes)
    assert not bad.accepted and "broken.xlsx" in bad.rejection


def test_files_that_are_no_measurements_are_refused_with_the_reason():
    refused = read_measurement_file(b"Name,Address\nA,B\n", "contacts.csv", TZ)
    assert not refused.accepted and "no header row" in refused.rejection
    assert not read_measurement_file(b"", "empty.csv", TZ).accepted
    assert "not a text file" in read_measurement_file(b"\x00\x01\x02" * 10, "blob.csv", TZ).rejection


def test_workbooks_go_through_the_preflight():
    """A CSV renamed to .xlsx and a workbook with macros are refused with the preflight's reasons."""
    renamed = read_measurement_file(OUTAGE_CSV.encode("utf-8"), "outages.xlsx", TZ)
    assert (
        not renamed.accepted and "CSV text file" in renamed.rejection and "outages.xlsx" in renamed.rejection
    )
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet().write_row(0, 0, ["Service", "Start", "End"])
    book.close()
    macro = read_measurement_file(buffer.getvalue(), "log.xlsm", TZ)
    assert not macro.accepted and "macro" in macro.rejection.lower()


def test_outage_log_in_xlsx_with_date_cells_and_serials():
    """Excel date cells and a serial number (46,355.5868056 = 29 Nov 2026 14:05) are wall-clock Berlin times."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Störungen")
    stamp = book.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    sheet.write_row(0, 0, ["Service level", "Start", "End", "Excluded", "Reason"])
    sheet.write(1, 0, "HO-01")
    sheet.write_datetime(1, 1, dt.datetime(2026, 11, 29, 14, 5), stamp)
    sheet.write_datetime(1, 2, dt.datetime(2026, 11, 29, 15, 5), stamp)
    sheet.write_row(1, 3, ["no", ""])
    sheet.write_row(2, 0, ["HO-01", 46355.5868056, 46355.6284722, "planned", "announced"])
    book.close()
    result = read_measurement_file(buffer.getvalue(), "stoerungen.xlsx", TZ)
    assert result.accepted and result.kind == OUTAGES, result.rejection
    assert result.records["start"].tolist() == [UTC_1405, UTC_1405]
    assert result.records["end"][1] == pd.Timestamp("2026-11-29 14:05", tz="UTC")  # 15:05 Berlin
    assert result.records["excluded"].tolist() == [False, True]
