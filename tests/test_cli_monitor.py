"""`monitor`: the README's commands on a fresh store, with the demo's twelve months of measurements.

Demo figures, by hand (HO-01, production platform, 24/7 in Europe/Berlin, committed
99.95 % by the awarded bid; every month has a 120-minute announced maintenance, excluded):

- May 2027: 31 days = 44,640 min; base 44,640 - 120 = 44,520; the two overlapping
  records 14:02-15:12 and 14:30-15:37 make 95 minutes down:
  (44,520 - 95) / 44,520 = 99.786613 %: missed.
- October 2027: 44,700 min (clocks go back); base 44,580; the outage written
  02:50+02:00 to 02:05+01:00 is 15 minutes: (44,580 - 15) / 44,580 = 99.966353 %: met.
- November 2027: 43,200 min; base 43,080; 50 min: (43,080 - 50) / 43,080 = 99.883937 %: missed.
- January 2028: 44,640 min; base 44,520; 18 + 12 = 30 min: 99.932615 %: missed.

Credits, by hand from the demo's contract terms and Nordwind's bid (monthly invoice
68,500 + 42,000 + 4,500 = 115,000 EUR; at-risk amount 15 % of it = 17,250 EUR; the
service desk's pool category 70 %):

- HO-01 (bands of the hosting charge 42,000): May 99.79 % and November 99.88 % are
  below 99.9: 5 % = 2,100.00 EUR each; January 99.93 % misses but reaches no band: 0.
- SD-06 (calls within 30 s, committed 96): April 95.1: 17,250 x 70 % x 25 % = 3,018.75 EUR.
- SD-05 (P2 resolution, 90 % within 8 h): June 52 of 60 = 86.67 %: 17,250 x 70 % x 20 % = 2,415.00 EUR.
- SD-03 (P1 response, 95 % within 10 min): September 12 of 14 = 85.71 %: x 25 % = 3,018.75 EUR.
- SD-04 (P1 resolution, 95 % within 4 h): December 11 of 12 = 91.67 %: x 30 % = 3,622.50 EUR.
- Earn-back after three good months: April's in July, May's in August, June's in
  September, September's in December; November's HO-01 credit is lost to January's miss.
- Running total after February 2028: owed 16,275.00 - earned back 10,552.50 = 5,722.50 EUR.
- T1 (HO-01 missed 3 times in 6): September to February hold November and January:
  2 of 3, one miss away.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import DEMO, ROOT

PROJECT = "Demo: managed IT services 2027"
FILES = [str(DEMO / "measurements" / name) for name in ("outages.csv", "tickets.csv", "values.xlsx")]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("monitor")
    url = f"sqlite:///{folder / 'fresh.sqlite3'}"
    imported = _cli("monitor", "--project", PROJECT, "--database", url, "--import", *FILES)
    out_json, out_xlsx = folder / "m.json", folder / "report.xlsx"
    computed = _cli(
        "monitor", "--project", PROJECT, "--database", url, "--json", str(out_json), "-o", str(out_xlsx)
    )
    return url, imported, computed, json.loads(out_json.read_text(encoding="utf-8")), out_xlsx


def test_import_on_a_fresh_store_reads_every_demo_file(demo_run):
    _, imported, _, _, _ = demo_run
    assert imported.returncode == 0, imported.stderr
    assert "outages.csv: outage log, 40 record(s)" in imported.stdout
    assert "tickets.csv: ticket export" in imported.stdout
    assert "values.xlsx: measured values, 24 record(s)" in imported.stdout
    assert "open-ended" in imported.stdout


def test_monthly_figures_match_the_hand_calculation(demo_run):
    _, _, computed, data, out_xlsx = demo_run
    assert computed.returncode == 0, computed.stderr
    periods = {p["period"]: {lv["level"]: lv for lv in p["levels"]} for p in data["periods"]}
    assert list(periods) == [f"2027-{m:02d}" for m in range(3, 13)] + ["2028-01", "2028-02"]
    expected = {"2027-05": 99.786613, "2027-10": 99.966353, "2027-11": 99.883937, "2028-01": 99.932615}
    for period, attained in expected.items():
        assert periods[period]["HO-01"]["attained"] == pytest.approx(attained, abs=1e-6), period
    assert [p for p, lv in periods.items() if lv["HO-01"]["met"] is False] == [
        "2027-05",
        "2027-11",
        "2028-01",
    ]
    # Service desk: September's two late P1 responses, June's eight late P2 resolutions.
    assert periods["2027-09"]["SD-03"]["met"] is False
    assert periods["2027-06"]["SD-05"]["met"] is False
    assert periods["2027-04"]["SD-06"]["met"] is False and periods["2027-04"]["SD-06"]["attained"] == 95.1
    assert (
        "2027-05:" in computed.stdout
        and "HO-01   availability 99.79 % against 99.95 %: MISSED" in computed.stdout
    )
    assert out_xlsx.read_bytes()[:2] == b"PK"


def test_one_period_and_errors_in_words(demo_run):
    url, _, _, _, _ = demo_run
    one = _cli("monitor", "--project", PROJECT, "--database", url, "--period", "2027-05")
    assert one.returncode == 0, one.stderr
    assert "2027-05:" in one.stdout and "2027-06:" not in one.stdout
    again = _cli("monitor", "--project", PROJECT, "--database", url, "--import", FILES[0])
    assert again.returncode == 1 and "already imported" in again.stdout
    unknown = _cli("monitor", "--project", "nope", "--database", url)
    assert unknown.returncode == 1 and "no project 'nope'" in unknown.stderr


def test_disputes_from_the_command_line(demo_run):
    """The supplier disputes May's HO-01 figure; it is listed and marked; the customer settles it."""
    url, _, _, _, _ = demo_run
    base = ("monitor", "--project", PROJECT, "--database", url)
    raised = _cli(*base, "--dispute-figure", "HO-01", "--period", "2027-05", "--party", "supplier",
                  "--reason", "the overlap was one incident", "--user", "N. Supplier")  # fmt: skip
    assert raised.returncode == 0, raised.stderr
    number = int(raised.stdout.split("#")[1].split(":")[0])
    assert "the 2027-05 figure of HO-01 disputed by the supplier" in raised.stdout
    assert "[figure disputed by the supplier (N. Supplier): the overlap was one incident]" in raised.stdout
    listed = _cli(*base, "--disputes", "--period", "2027-05")
    assert f"#{number} the 2027-05 figure of HO-01, disputed by the supplier (N. Supplier)" in listed.stdout
    assert "; open" in listed.stdout
    settled = _cli(*base, "--settle-dispute", str(number), "--resolution", "union counted once, as agreed",
                   "--user", "A. Buyer")  # fmt: skip
    assert settled.returncode == 0, settled.stderr
    assert "settled by A. Buyer: union counted once" in _cli(*base, "--disputes").stdout
    no_period = _cli(*base, "--dispute-figure", "HO-01", "--reason", "x")
    assert no_period.returncode == 1 and "--dispute-figure needs --period" in no_period.stderr


def test_a_month_is_signed_off_closed_and_reopened_from_the_command_line(demo_run):
    """Both parties sign June off; the supplier's dispute of its HO-01 figure is then refused in words
    (what to do, with the command); reopened with the reason (who and why on record), it goes in."""
    url, _, _, _, _ = demo_run
    base = ("monitor", "--project", PROJECT, "--database", url, "--period", "2027-06")
    buyer = _cli(*base, "--sign-off", "buyer", "--user", "A. Buyer")
    assert buyer.returncode == 0, buyer.stderr
    assert "2027-06 signed off for the customer by A. Buyer; waiting for the supplier" in buyer.stdout
    supplier = _cli(*base, "--sign-off", "supplier", "--user", "N. Supplier")
    assert (
        "2027-06 signed off for the supplier by N. Supplier; closed (signed off by both)" in supplier.stdout
    )
    refused = _cli(
        *base, "--dispute-figure", "HO-01", "--party", "supplier", "--reason", "x", "--user", "N. Supplier"
    )
    assert refused.returncode == 1
    assert "cannot monitor: 2027-06 is signed off by both parties" in refused.stderr
    assert "reopen 2027-06 first with the reason on the Service review page" in refused.stderr
    no_reason = _cli(*base, "--reopen", "--user", "N. Supplier")
    assert no_reason.returncode == 1 and "needs the reason" in no_reason.stderr
    reopened = _cli(*base, "--reopen", "--reason", "the supplier disputes HO-01", "--user", "N. Supplier")
    assert reopened.returncode == 0, reopened.stderr
    assert "2027-06 reopened as version 2: the supplier disputes HO-01" in reopened.stdout
    raised = _cli(
        *base, "--dispute-figure", "HO-01", "--party", "supplier", "--reason", "x", "--user", "N. Supplier"
    )
    assert raised.returncode == 0, raised.stderr
    no_period = _cli("monitor", "--project", PROJECT, "--database", url, "--sign-off", "buyer")
    assert no_period.returncode == 1 and "--sign-off needs --period" in no_period.stderr
