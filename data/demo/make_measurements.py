"""Regenerate the demo's twelve months of measurements (March 2027 to February 2028) for the awarded bid.

``python data/demo/make_measurements.py`` writes, under ``data/demo/measurements/``:

- ``outages.csv``: the hosting monitoring log as a German operations team keeps it
  (semicolons, ``29.11.2026 14:05``, Windows-1252), announced maintenance marked
  "geplant", two records of the same May outage that overlap (the monitoring alarm
  and the incident), an outage across the October DST change written with UTC
  offsets, and one outage still open at the end;
- ``tickets.csv``: the service desk's Jira Service Management export (``Issue key``,
  ``Priority``, ``Created`` as ``29/Nov/26 2:05 PM``, first response, resolution,
  paused minutes);
- ``values.xlsx``: monthly measured values (calls answered within 30 seconds from the
  telephony system, report delivery from the buyer's controlling).

The story the numbers tell (production availability HO-01 committed at 99.95 %):
May misses (95 minutes down: credit), June to August are met (May's credit is earned
back in August), November and January miss: two misses in six months, one short of
termination right T1 (three in six). Seeded, so the files are the same every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import xlsxwriter

OUT = Path(__file__).resolve().parent / "measurements"
TZ = ZoneInfo("Europe/Berlin")
MONTHS = [(2027, m) for m in range(3, 13)] + [(2028, 1), (2028, 2)]

# HO-01 unplanned outages per month: (day, start "HH:MM", minutes). Allowed at 99.95 %: about 22 minutes.
PRODUCTION = {
    (2027, 3): [(9, "03:12", 10)],
    (2027, 4): [],
    (2027, 5): [],  # the overlapping pair below
    (2027, 6): [(15, "10:41", 12)],
    (2027, 7): [],
    (2027, 8): [(3, "16:05", 8)],
    (2027, 9): [(21, "08:30", 15)],
    (2027, 10): [],  # the DST outage below
    (2027, 11): [(17, "11:20", 50)],
    (2027, 12): [(2, "07:55", 5)],
    (2028, 1): [(12, "13:10", 18), (26, "09:00", 12)],
    (2028, 2): [(8, "22:15", 10)],
}
# Test and staging (HO-02, committed 99.5 %: about 216 minutes allowed): a few longer outages.
STAGING = {(2027, 4): [(6, "09:00", 75)], (2027, 7): [(19, "14:00", 130)], (2027, 11): [(3, "06:30", 45)]}
# Service desk: P1 responses late (minutes) and P1/P2 resolutions late, per month.
P1_LATE_RESPONSE = {(2027, 9): [14, 22]}
P1_LATE_RESOLUTION = {(2027, 12): 1}
P2_LATE_RESOLUTION = {(2027, 6): 8}
# Calls answered within 30 seconds (%), committed 96 %; April 2027 misses.
CALLS = [96.8, 95.1, 96.4, 97.2, 96.9, 96.1, 97.5, 96.6, 96.2, 97.0, 96.3, 96.7]


def local(year: int, month: int, day: int, hhmm: str) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(year, month, day, h, m, tzinfo=TZ)


def german(t: dt.datetime) -> str:
    return t.astimezone(TZ).strftime("%d.%m.%Y %H:%M")


def jira(t: dt.datetime) -> str:
    return t.astimezone(TZ).strftime("%d/%b/%y %I:%M %p")


def second_saturday(year: int, month: int) -> int:
    first = dt.date(year, month, 1)
    return 1 + (5 - first.weekday()) % 7 + 7


def outages() -> bytes:
    rows = [["Service", "Beginn", "Ende", "Geplant", "Grund", "Ticket"]]
    n = 0

    def add(
        service: str, start: dt.datetime, minutes: int | None, planned: bool, reason: str, ref: str
    ) -> None:
        end = german(start + dt.timedelta(minutes=minutes)) if minutes is not None else ""
        rows.append([service, german(start), end, "ja" if planned else "nein", reason, ref])

    for year, month in MONTHS:
        day = second_saturday(year, month)
        n += 1
        add(
            "HO-01",
            local(year, month, day, "22:00"),
            120,
            True,
            "Wartungsfenster angekündigt",
            f"CHG-{4100 + n}",
        )
        add(
            "HO-02",
            local(year, month, day, "22:00"),
            180,
            True,
            "Wartungsfenster angekündigt",
            f"CHG-{4100 + n}",
        )
        for d, hhmm, minutes in PRODUCTION[(year, month)]:
            n += 1
            add("HO-01", local(year, month, d, hhmm), minutes, False, "", f"INC-{7000 + n}")
        for d, hhmm, minutes in STAGING.get((year, month), []):
            n += 1
            add("HO-02", local(year, month, d, hhmm), minutes, False, "", f"INC-{7000 + n}")
    # May: the monitoring alarm (14:02-15:12) and the incident (14:30-15:37) overlap: 95 minutes down, once.
    add("HO-01", local(2027, 5, 19, "14:02"), 70, False, "Monitoring: HTTP-Checks fehlgeschlagen", "INC-7301")
    add("HO-01", local(2027, 5, 19, "14:30"), 67, False, "Datenbank-Failover", "INC-7301")
    # 31 October 2027: 02:50 CEST to 02:05 CET is 15 minutes (clocks went back at 03:00 CEST).
    rows.append(
        [
            "HO-01",
            "2027-10-31T02:50:00+02:00",
            "2027-10-31T02:05:00+01:00",
            "nein",
            "Storage-Pfad",
            "INC-7302",
        ]
    )
    # Still open when the export was taken: counts until the end of February.
    rows.append(["HO-02", german(local(2028, 2, 29, "23:40")), "", "nein", "noch offen", "INC-7303"])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("cp1252")


def tickets(rng: random.Random) -> bytes:
    header = ["Issue key", "Issue Type", "Priority", "Summary", "Created", "First response", "Resolved",
              "Paused minutes", "Service"]  # fmt: skip
    rows = [header]
    key = 1000
    for year, month in MONTHS:
        days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.date(year, month, 1)).days
        plan = [("Highest", 10 + rng.randint(0, 4)), ("High", 55 + rng.randint(0, 10)), ("Medium", 240),
                ("Low", 120)]  # fmt: skip
        late_responses = list(P1_LATE_RESPONSE.get((year, month), []))
        late_p1 = P1_LATE_RESOLUTION.get((year, month), 0)
        late_p2 = P2_LATE_RESOLUTION.get((year, month), rng.randint(0, 2))
        for priority, count in plan:
            for i in range(count):
                key += 1
                created = dt.datetime(year, month, 1, tzinfo=TZ) + dt.timedelta(
                    minutes=rng.randint(0, days * 1440 - 24 * 60)
                )
                created = created.astimezone(TZ).replace(second=0)
                response = rng.randint(1, 8)
                paused = 0
                if priority == "Highest":
                    if late_responses:
                        response = late_responses.pop()
                    resolve = rng.randint(50, 200) if i >= late_p1 else rng.randint(260, 330)
                elif priority == "High":
                    resolve = rng.randint(90, 420) if i >= late_p2 else rng.randint(500, 700)
                    if i % 9 == 4:  # waiting for the customer: the tool stopped the clock
                        paused = rng.randint(60, 900)
                        resolve += paused
                else:
                    resolve = rng.randint(240, 4000)
                first = created + dt.timedelta(minutes=response)
                resolved = created + dt.timedelta(minutes=resolve)
                service = "Service desk" if priority != "Highest" or i % 3 else "Hosting"
                rows.append([f"SD-{key}", "Incident", priority, f"Ticket {key}", jira(created), jira(first),
                             jira(resolved), str(paused) if paused else "", service])  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def values() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Messwerte")
    sheet.write_row(0, 0, ["Monthly measured values, managed IT services 2027 (Stadtwerke Musterstadt)"])
    sheet.write_row(2, 0, ["Period", "Service level", "Value", "Measured by", "Comment"])
    row = 3
    for (year, month), calls in zip(MONTHS, CALLS, strict=True):
        sheet.write_row(row, 0, [f"{year}-{month:02d}", "SD-06", calls, "Telephony system (ACD report)", ""])
        sheet.write_row(row + 1, 0, [f"{year}-{month:02d}", "RP-01", 100, "Stadtwerke IT controlling",
                                     "report received by business day 3"])  # fmt: skip
        row += 2
    sheet.set_column(0, 4, 18)
    book.close()
    return buffer.getvalue()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "outages.csv").write_bytes(outages())
    (OUT / "tickets.csv").write_bytes(tickets(random.Random(2027)))
    (OUT / "values.xlsx").write_bytes(values())
    for path in sorted(OUT.iterdir()):
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
