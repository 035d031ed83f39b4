"""The buyer's path in a real browser: `streamlit run` on a free loopback port, driven by Chromium.

Upload the demo answers, see who is out and the ranking, move a weight, download
the comparison workbook and open it. Screenshots of every page go to
test-artifacts/screenshots/ (kept by CI as artefacts).
"""

from __future__ import annotations

import io
import re

import pytest

from tests.walk import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    WAIT,
    download,
    open_page,
    screenshot,
    serve,
    settle,
    title,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as `make run` serves it, on its own SQLite file."""
    database = tmp_path_factory.mktemp("browser") / "app.sqlite3"
    with serve(f"sqlite:///{database}", tmp_path_factory.getbasetemp() / "streamlit.log") as address:
        yield address


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.set_default_timeout(WAIT)
        page.goto(server)
        # the first load sets up the demo project (six answers, contract terms): on a busy
        # machine running the rest of the suite beside it, that took over 30 s
        title(page, "Requirements").wait_for(timeout=WAIT * 4)
        yield page
        browser.close()


def test_buyer_goes_from_the_demo_psr_to_a_downloaded_comparison(page, tmp_path):
    import openpyxl

    page.get_by_text("32 requirements, all readable.").wait_for()  # 26 and 6 on the contract terms
    screenshot(page, "1-requirements")
    page.get_by_label("Your name", exact=True).fill("Anna Browser")
    page.get_by_label("Your name", exact=True).press("Enter")
    settle(page)

    open_page(page, "Contract terms", "Contract terms")
    page.get_by_text("The terms are those of PSR version 1.").wait_for()
    assert page.get_by_text("Termination rights").count() >= 1
    screenshot(page, "1b-contract-terms")

    open_page(page, "2 Questionnaire", "Questionnaire")
    assert page.get_by_text("Download questionnaire").count() == 1
    screenshot(page, "2-questionnaire")

    open_page(page, "3 Responses", "Responses")
    demo = sorted((ROOT / "data" / "demo" / "responses").glob("*.xlsx"))
    page.locator("input[type=file]").set_input_files([str(p) for p in demo])
    page.get_by_text(f"Last import: {len(demo)} file(s), {len(demo)} read, 0 refused").wait_for()
    settle(page)
    screenshot(page, "3-responses")

    open_page(page, "4 Qualification", "Qualification")
    page.get_by_text("Disqualified, and why").wait_for()
    # The page streams its elements: on a busy machine the bidders arrive after the heading.
    page.get_by_text("Rheinufer Systemhaus GmbH (rheinufer.xlsx)").wait_for()
    assert page.get_by_text("Alpenblick Digital GmbH (alpenblick.xlsx)").count() == 1
    assert page.get_by_text("required DE, EN, FR; missing FR").count() == 1
    assert page.get_by_text("Rheinufer Systemhaus GmbH (rheinufer.xlsx)").count() == 1
    screenshot(page, "4-qualification")

    open_page(page, "5 Comparison", "Comparison")
    page.get_by_text("Best bid: Nordwind IT Services AG").wait_for()
    assert page.get_by_text("Rank reversal risk").count() == 1
    screenshot(page, "5-comparison")

    price = page.get_by_test_id("stSlider").filter(has_text="Price share").get_by_role("slider")
    price.focus()
    price.press("End")  # all weight on price: the cheapest bid wins
    page.get_by_text("Best bid: Brightline Managed Services GmbH").wait_for()
    assert page.get_by_text("What-if").count() >= 1
    settle(page)
    screenshot(page, "5-comparison-what-if")
    page.get_by_role("button", name="Reset weights").click()
    page.get_by_text("Best bid: Nordwind IT Services AG").wait_for()

    open_page(page, "5a Level options", "Level options")
    page.get_by_text("What each level step costs and earns").wait_for()
    page.get_by_text("the step to 99.99 % costs 162,000.00 EUR over the term").wait_for()
    screenshot(page, "5a-level-options")

    open_page(page, "5b Lot award", "Lot award")
    page.get_by_text("The rules and what each one costs").wait_for()
    page.get_by_text("The service users see: HO Hosting, then RP Reporting.").wait_for()
    assert page.get_by_text("99.950 %").count() >= 1
    screenshot(page, "5b-lot-award")
    got = download(page, page.get_by_role("button", name="Download the award workbook"))
    award_book = tmp_path / got.suggested_filename
    got.save_as(award_book)
    assert award_book.name == "award-MS-2027-01-v1.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(award_book.read_bytes())).sheetnames == [
        "award",
        "rules",
        "chain",
        "bids",
    ]

    open_page(page, "6 Export", "Export")
    got = download(page, page.get_by_role("button", name="Download the comparison"))
    saved = tmp_path / got.suggested_filename
    got.save_as(saved)
    assert saved.name == "comparison-MS-2027-01-v1.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))
    assert "summary" in book.sheetnames
    got = download(page, page.get_by_role("button", name="Download the award record"))
    record = tmp_path / got.suggested_filename
    got.save_as(record)
    assert record.name == "award-record-MS-2027-01-v1.pdf"
    assert record.read_bytes().startswith(b"%PDF-")
    assert page.get_by_text("Audit trail").count() >= 1
    screenshot(page, "6-export")

    # after the award: the contract, then a year of measurements and one month's report
    open_page(page, "7 Contract", "Contract")
    page.get_by_text("Contract with Nordwind IT Services AG").wait_for()
    screenshot(page, "7-contract")
    open_page(page, "8 Monitoring", "Monitoring")
    measurements = sorted(
        p for p in (ROOT / "data" / "demo" / "measurements").glob("*") if p.suffix in (".csv", ".xlsx")
    )
    page.locator("input[type=file]").set_input_files([str(p) for p in measurements])
    page.get_by_role("button", name="Import these files").click()
    page.get_by_text("✗ missed").first.wait_for(timeout=WAIT * 2)
    got = download(page, page.get_by_role("button", name=re.compile(r"Download the report for .* \(PDF\)")))
    report = tmp_path / got.suggested_filename
    got.save_as(report)
    assert report.name.startswith("service-report-") and report.read_bytes().startswith(b"%PDF-")
    screenshot(page, "8-monitoring")
    open_page(page, "9 Service review", "Service review")
    page.get_by_text("waiting for the sign-off").wait_for()
    page.get_by_role("button", name="Sign off for the customer").click()
    page.get_by_text("Signed off for the customer by").wait_for()
    page.get_by_label("Why", exact=True).fill("the maintenance window was announced late")
    page.get_by_role("button", name="Raise the dispute").click()
    page.get_by_role("button", name="Settle it").wait_for()
    screenshot(page, "9-service-review")

    open_page(page, "Projects", "Projects")
    screenshot(page, "0-projects")
