"""The monthly service report PDF: the demo's December 2027, read back with poppler's pdftotext.

Figures checked by hand from the demo's measurements (data/demo/measurements) as the
monitoring branch's tests compute them, and against the monitoring service's own
frames: the report prints the one computation both parties see.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from slm_psr.service import monitor as m
from slm_psr.service import service_report
from slm_psr.store import Store
from tests.conftest import DEMO, ROOT
from tests.test_reports_award_record import pdf_text, render_pages

WHEN = dt.datetime(2028, 1, 8, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}"
    store = Store.open(url)
    from slm_psr.demo import ensure_demo_project

    pid = ensure_demo_project(store)
    m.ensure_demo_contract(store)
    files = [
        (p.name, p.read_bytes())
        for p in sorted((DEMO / "measurements").glob("*"))
        if p.suffix in (".csv", ".xlsx")
    ]
    m.import_measurements(store, pid, files, user="A. Buyer")
    yield store, pid, url
    store.close()


def test_the_december_report_holds_the_figures_and_their_computation(monitored, tmp_path):
    """SD-04 in 2027-12: 11 of 12 priority-1 tickets resolved within the limit = 91.667 %
    against 95 % committed: missed. Credits owed 3,622.50 EUR, earned back 3,018.75 EUR,
    net 603.75 EUR; running total 5,722.50 EUR (the ledger's sum of the nets to December:
    0 + 3,018.75 + 2,100 + 2,415 - 3,018.75 - 2,100 + 603.75 + 0 + 2,100 + 603.75)."""
    store, pid, _ = monitored
    pdf, xlsx = service_report(store, pid, "2027-12", generated_at=WHEN)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Monthly service report 2027-12" in text
    assert "Stadtwerke Musterstadt GmbH (customer) and Nordwind IT Services AG (supplier)" in text
    assert "7: 6 met, 1 missed" in text
    assert "owed 3,622.50 EUR, net 603.75 EUR" in text
    assert "5,722.50 EUR" in text
    assert "11 of 12 tickets within the limit" in text
    assert "91.667 % against 95.00 % ✗ missed" in text
    # availability: scheduled minutes minus planned exclusions, then downtime
    assert "scheduled minutes - 120 excluded (planned)" in text
    # the credit rule in words, the ledger, termination, files, sign-off by both parties
    assert "bands of the Hosting monthly charges" in text
    assert "3,018.75" in text  # earned back in December
    assert "one miss away" in text or "not triggered" in text
    report = m.monitor(store, pid, save=False)
    for f in report.files:
        assert f["sha256"] in pdf_text(pdf, tmp_path)
    assert "For the customer (Stadtwerke Musterstadt GmbH)" in text
    assert "For the supplier (Nordwind IT Services AG)" in text
    assert xlsx[:2] == b"PK"
    render_pages(pdf, "service-report-2027-12")


def test_both_parties_get_the_same_document(monitored):
    store, pid, _ = monitored
    first, _ = service_report(store, pid, "2027-12", generated_at=WHEN)
    second, _ = service_report(store, pid, "2027-12", generated_at=WHEN)
    assert first == second


def test_a_month_without_results_is_named(monitored):
    store, pid, _ = monitored
    with pytest.raises(m.MonitoringError, match="no results for 2031-01"):
        service_report(store, pid, "2031-01")


def test_the_command_line_writes_the_monthly_report(monitored, tmp_path):
    _, _, url = monitored
    out = tmp_path / "report.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "monitor", "--project", "Demo: managed IT services 2027",
         "--database", url, "--period", "2027-12", "--pdf", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "monthly service report 2027-12" in run.stdout
    assert "7: 6 met, 1 missed" in " ".join(pdf_text(out.read_bytes(), tmp_path, first=1, last=1).split())


def test_the_review_goes_into_the_report_and_a_signed_month_is_frozen(monitored, tmp_path):
    from slm_psr.service import review
    from slm_psr.store import StoreError

    store, pid, _ = monitored
    review.comment(
        store,
        pid,
        "2027-11",
        "supplier",
        "SD-05 met; two tickets paused for the customer",
        user="N. Supplier",
    )
    review.action(
        store,
        pid,
        "2027-11",
        "Report pauses separately",
        "Nordwind service manager",
        "2028-01-15",
        user="A. Buyer",
    )
    review.sign_off(store, pid, "2027-11", "buyer", user="A. Buyer")
    review.sign_off(store, pid, "2027-11", "supplier", user="N. Supplier")
    assert review.current(store, pid, "2027-11").frozen
    with pytest.raises(StoreError, match="frozen"):
        review.comment(store, pid, "2027-11", "buyer", "too late", user="A. Buyer")
    pdf, _ = service_report(store, pid, "2027-11", generated_at=WHEN)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "SD-05 met; two tickets paused for the customer" in text
    assert "Report pauses separately" in text and "2028-01-15" in text
    assert (
        "Signed off for the customer by A. Buyer" in text
        and "Signed off for the supplier by N. Supplier" in text
    )
    review.reopen(store, pid, "2027-11", "a ticket export was corrected", user="A. Buyer")
    again = review.current(store, pid, "2027-11")
    assert again.version == 2 and not again.frozen
    assert len([e for e in again.entries if e.version == 1]) == 4  # the signed version stays on record
