"""A team in a real browser: a lead buyer and two evaluators, each in their own browser session.

Sign-in, the declaration (one evaluator names a conflict), blind scoring with reasons,
submission, the lead's moderation, the freeze and the opening of the price envelope;
the comparison shows quality only before and the prices after. Screenshots go to
test-artifacts/screenshots/team-*.png.
"""

from __future__ import annotations

import pytest

from slm_psr.demo import ensure_demo_project
from slm_psr.service import accounts
from slm_psr.store import Store
from tests.walk import CHROMIUM, CHROMIUM_ARGS, WAIT, choose, screenshot, serve, settle, title
from tests.walk import open_page as open_any

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
TEAM = {"Lena Lead": "lead", "Eva Evaluator": "evaluator", "Emil Evaluator": "evaluator"}
BID = "Nordwind IT Services AG"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a store with the demo project and three accounts."""
    database = tmp_path_factory.mktemp("browser_team") / "team.sqlite3"
    url = f"sqlite:///{database}"
    with Store.open(url) as store:
        ensure_demo_project(store)
        for name, role in TEAM.items():
            accounts.add_user(store, name, role, PASSWORD, by="setup")
    with serve(url, tmp_path_factory.getbasetemp() / "streamlit-team.log") as address:
        yield address, url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def session(browser, address: str, name: str):
    """A fresh browser session (its own cookies and Streamlit session), signed in as ``name``."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(WAIT)
    page.goto(address)
    title(page, "Sign in").wait_for(timeout=WAIT * 4)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}").wait_for(timeout=WAIT * 2)
    settle(page)
    return page


def open_page(page, label: str, heading: str) -> None:
    """As the buyer's walk does, with more time: three sessions share one busy server here."""
    open_any(page, label, heading, timeout=WAIT * 3)


def declare_and_score(page, score: str, why: str, conflict: str | None = None) -> None:
    open_page(page, "Team", "Team")
    if conflict:
        page.get_by_text("Yes, with the bidders below").click()
        page.get_by_test_id("stMultiSelect").click()
        page.get_by_role("option", name=conflict).click()
        page.keyboard.press("Escape")
        page.get_by_label("What the conflict is").fill("a former employer")
    page.get_by_role("button", name="Declare").click()
    page.get_by_text("Declared ").wait_for()
    settle(page)
    choose(page, "Bid", BID)
    page.get_by_label("Your score (0-10)").fill(score)
    page.get_by_label("Why this score").fill(why)
    page.get_by_role("button", name="Save my score").click()
    # saved: the submit button shows once there is a score of one's own (the scores are in a canvas grid)
    page.get_by_role("button", name="Submit my scores (final)").wait_for()
    settle(page)


def test_a_lead_and_two_evaluators_from_sign_in_to_the_opened_envelope(server, browser):
    address, url = server
    eva = session(browser, address, "Eva Evaluator")
    declare_and_score(eva, "9", "a staffed service desk in three languages")
    screenshot(eva, "team-1-evaluator-scores")

    emil = session(browser, address, "Emil Evaluator")
    declare_and_score(emil, "4", "escalation path unclear", conflict="Westpark Datacenter Services GmbH")
    # Blind: Emil sees his own score, not Eva's, and not the bid he declared a conflict with.
    assert emil.get_by_text("a staffed service desk in three languages").count() == 0
    open_page(emil, "5 Comparison", "Comparison")
    emil.get_by_text("The price envelope is sealed").wait_for()
    assert emil.get_by_text("Westpark Datacenter Services GmbH").count() == 0
    screenshot(emil, "team-2-evaluator-comparison-sealed")
    open_page(emil, "Team", "Team")
    emil.get_by_role("button", name="Submit my scores (final)").click()
    emil.get_by_text("your scores are final").wait_for()
    # Submitted: now Eva's score shows up for Emil on the Qualification page.

    lead = session(browser, address, "Lena Lead")
    open_page(lead, "5 Comparison", "Comparison")
    lead.get_by_text("The price envelope is sealed").wait_for()
    assert lead.get_by_text("Price over the term").count() == 0
    open_page(lead, "Team", "Team")
    lead.get_by_text("Moderation", exact=True).wait_for()  # the scores and reasons are in a grid (a canvas)
    choose(lead, "Bid and criterion", f"{BID} / SD-09")
    lead.get_by_label("Consensus score (0-10)").fill("6.5")
    lead.get_by_label("Reason the team agreed on").fill("good desk, thin escalation")
    lead.get_by_role("button", name="Record the moderated score").click()
    settle(lead)
    screenshot(lead, "team-3-moderation")
    lead.get_by_role("button", name="Freeze the quality scores").click()
    settle(lead)
    lead.get_by_role("button", name="Open the price envelope").click()
    lead.get_by_text("Opened by Lena Lead").wait_for()
    screenshot(lead, "team-4-envelope-opened")
    open_page(lead, "5 Comparison", "Comparison")
    lead.get_by_text("Best bid:").wait_for()
    assert lead.get_by_text("The price envelope is sealed").count() == 0
    screenshot(lead, "team-5-comparison-opened")

    from slm_psr.service import team

    with Store.open(url) as store:
        pid = store.list_projects()[0].id
        actions = [e.action for e in store.audit(pid)]
        moderated = team.team_of(store, pid).moderations[(BID, "SD-09")].data
    assert moderated["score"] == 6.5 and moderated["reason"] == "good desk, thin escalation"
    assert moderated["originals"]["Eva Evaluator"] == 9 and moderated["originals"]["Emil Evaluator"] == 4
    for step in ("team_declaration", "team_justification", "team_submission", "team_moderation",
                 "team_freeze", "team_open_envelope"):  # fmt: skip
        assert step in actions, step
    for page in (eva, emil, lead):
        page.context.close()
