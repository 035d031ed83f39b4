"""A buyer's day in a real browser (issue 13): a new empty tender, a requirement of each kind
through the form, a reload mid-edit, two tabs with a merged conflict, one flagged price
settled, a response removed with a reason. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import server  # noqa: F401 (the app as `make run` serves it)
from tests.walk import CHROMIUM, CHROMIUM_ARGS, WAIT, choose, open_page, screenshot, settle, title

pytestmark = pytest.mark.browser

KINDS = [
    ("availability", "Availability of the portal", "99.5", "99.9"),
    ("time limit", "Time to resolve a P1 incident", "8", "4"),
    ("coverage", "Support hours", "Mon-Fri 08:00-18:00", "24/7"),
    ("languages", "Languages of the agents", "de, en", "fr"),
    ("yes/no", "Certified to ISO/IEC 27001", "yes", None),
    ("number", "First contact resolution (%)", "60", "80"),
    ("qualitative", "Approach to knowledge transfer", None, None),
    ("price", "One-time transition fee", None, None),
]


@pytest.fixture(scope="module")
def browser(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT)
        yield context
        browser.close()


def type_in(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")
    settle(page)


def project_in_url(page) -> str:
    match = re.search(r"[?&]project=(\d+)", page.url)
    assert match, page.url
    return match.group(1)


def sidebar(page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def test_a_buyers_day(browser, server):  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(server)
    title(page, "Requirements").wait_for()
    settle(page)
    demo = project_in_url(page)  # the open project is in the URL from the start
    type_in(page, "Your name", "Anna Browser")

    # --- a new empty tender, opening on its requirements --------------------------------
    open_page(page, "Projects", "Projects")
    type_in(page, "Name", "Browser tender 2028")
    page.get_by_role("button", name="Create and open its requirements").click()
    title(page, "Requirements").wait_for()
    page.get_by_text("1 requirements, all readable.").wait_for()
    settle(page)
    tender = project_in_url(page)
    assert tender != demo
    assert "Browser tender 2028" in sidebar(page) and "version 1" in sidebar(page)
    screenshot(page, "buyerday-1-empty-tender")

    # --- a requirement of each kind through the form --------------------------------------
    for number, (kind, text, minimum, target) in enumerate(KINDS, start=2):
        choose(page, "Kind", kind)
        type_in(page, "Requirement", text)
        if minimum:
            type_in(page, "Minimum (knock-out)", minimum)
        if target:
            type_in(page, "Target (full points)", target)
        page.get_by_role("button", name="Add to the table").click()
        page.get_by_text(f"{number} requirements, all readable.").wait_for()
        settle(page)
    screenshot(page, "buyerday-2-each-kind")
    page.get_by_role("button", name="Save as version 2").click()
    page.get_by_text("version 2 is saved").wait_for()
    settle(page)

    # --- reload mid-edit: warned, then the same project and name ---------------------------
    type_in(page, "Title", "Browser tender 2028, draft")
    page.get_by_text("Unsaved changes").wait_for()
    settle(page)
    dialogs = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    title(page, "Requirements").wait_for()
    settle(page)
    assert dialogs == ["beforeunload"]  # the browser asked before dropping the draft
    assert project_in_url(page) == tender
    assert "Browser tender 2028" in sidebar(page)
    expect(page.get_by_label("Your name", exact=True)).to_have_value(
        "Anna Browser", timeout=WAIT
    )  # remembered
    page.remove_listener("dialog", answer)

    # --- a second tab on the same project; a conflict merged field by field ---------------
    other = browser.new_page()
    other.goto(page.url)
    title(other, "Requirements").wait_for()
    settle(other)
    assert "Browser tender 2028" in sidebar(other)  # the second tab opens the same project
    type_in(other, "Title", "Browser tender 2028 (revised)")
    other.get_by_role("button", name="Save as version 3").click()
    other.get_by_text("version 3 is saved").wait_for()
    settle(other)

    term = page.get_by_label("Contract term (months)", exact=True)
    term.fill("48")
    term.press("Enter")
    settle(page)
    page.get_by_role("button", name="Save as version 3").click()
    page.get_by_text("Anna Browser saved PSR version 3").wait_for()
    page.get_by_text("Their changes, merged into yours").wait_for()
    screenshot(page, "buyerday-3-conflict")
    page.get_by_role("button", name=re.compile("^Merge, then review")).click()
    page.get_by_role("button", name="Save as version 4").click()
    page.get_by_text("version 4 is saved").wait_for()
    settle(page)
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Browser tender 2028 (revised)", timeout=WAIT
    )
    expect(page.get_by_label("Contract term (months)", exact=True)).to_have_value("48", timeout=WAIT)
    other.close()

    # --- the demo: settle one flagged price, remove a response with a reason ---------------
    page.goto(f"{server}/responses?project={demo}")
    title(page, "Responses").wait_for()
    settle(page)
    review = page.get_by_test_id("stMetric").filter(has_text="Values to review")
    assert review.get_by_test_id("stMetricValue").inner_text() == "2"
    choose(page, "Value", re.compile("^Westpark Datacenter Services GmbH: RP-P1"))
    page.get_by_text("correct it", exact=True).click()
    settle(page)
    type_in(page, "Correct value", "1500")
    type_in(page, "Justification (mandatory; goes on record)", "1,500 EUR a month, confirmed on 4 Feb")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_test_id("stMetric").filter(has_text="Values to review").get_by_text(
        "1", exact=True
    ).wait_for()
    settle(page)
    screenshot(page, "buyerday-4-settled")

    type_in(page, "Reason (mandatory; goes on record)", "withdrawn by the supplier")
    page.get_by_role("button", name="Remove from the evaluation").click()
    page.get_by_text("Removed and superseded files").wait_for()
    page.locator("del").first.wait_for()  # struck through
    assert (
        page.get_by_text(re.compile("removed by Anna Browser on .*: withdrawn by the supplier")).count() == 1
    )
    screenshot(page, "buyerday-5-removed")
    page.close()
