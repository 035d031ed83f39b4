"""The app with accounts (AppTest): sign-in, roles on the pages, the Team page, the sealed envelope, idle sign-out."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from slm_psr.demo import ensure_demo_project
from slm_psr.service import accounts
from slm_psr.store import Store
from slm_psr.store.team import TeamStore
from tests.test_ui import APP, TIMEOUT, VIEWS, texts

PASSWORD = "correct horse battery"
USERS = {
    "Lena Lead": "lead",
    "Eva Evaluator": "evaluator",
    "Olga Observer": "observer",
    "Adam Admin": "admin",
}


@pytest.fixture
def team_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", url)
    with Store.open(url) as store:
        ensure_demo_project(store)
        for name, role in USERS.items():
            accounts.add_user(store, name, role, PASSWORD, by="setup")
    return url


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str):
    """The one table on the page with ``column`` (the Team page shows several, by role)."""
    (found,) = [d.value for d in at.dataframe if column in d.value.columns]
    return found


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"{VIEWS}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_single_user_mode_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", f"sqlite:///{tmp_path / 'one.sqlite3'}")
    at = start()
    assert "Single-user mode: this store has no accounts" in "\n".join(c.value for c in at.sidebar.caption)
    goto(at, "team")
    assert "Single-user mode" in texts(at)


def test_nothing_shows_before_a_sign_in_and_a_wrong_password_is_refused(team_db):
    at = start()
    assert [t.value for t in at.title] == ["Sign in"]
    goto(at, "comparison")  # another page: still the sign-in form, no project
    assert [t.value for t in at.title] == ["Sign in"] and "Demo" not in texts(at)
    sign_in(at, "Lena Lead", "not the password")
    assert "Not signed in: the name or the password is not right" in texts(at)
    with Store.open(team_db) as store:
        assert [e.action for e in TeamStore(store).account_events("Lena Lead")][-1] == "login_failed"


def test_the_lead_sees_quality_only_until_the_envelope_is_opened_on_the_team_page(team_db):
    at = sign_in(start(), "Lena Lead")
    assert "Signed in as Lena Lead" in "\n".join(c.value for c in at.sidebar.caption)
    goto(at, "comparison")
    assert "The price envelope is sealed" in texts(at)
    (table,) = at.dataframe
    assert list(table.value.columns) == ["Rank by quality", "Supplier", "Quality points"]
    goto(at, "export")
    assert "The price envelope is sealed" in texts(at)
    assert not [b for b in at.get("download_button") if "award" in str(b.proto.label).lower()]
    goto(at, "team")
    assert "Price envelope" in [m.label for m in at.metric]
    opener = at.button(key="open_envelope")
    assert opener.disabled  # not before the freeze
    at.button(key="freeze").click().run()
    at.button(key="open_envelope").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Price envelope"] == "opened"
    goto(at, "comparison")
    assert "sealed" not in texts(at)
    assert any("Price over the term" in c for c in at.dataframe[0].value.columns)
    with Store.open(team_db) as store:
        actions = [e.action for e in store.audit(store.list_projects()[0].id)]
    assert actions[-2:] == ["team_freeze", "team_open_envelope"]


def test_an_evaluator_declares_before_seeing_bids_and_cannot_change_the_project(team_db):
    at = sign_in(start(), "Eva Evaluator")
    goto(at, "qualification")
    assert "declare your interests" in texts(at)
    goto(at, "team")
    at.radio(key="declare_choice").set_value("Yes, with the bidders below")
    at.multiselect(key="declare_bidders").set_value(["Alpenblick Digital GmbH"])
    at.text_input(key="declare_reason").input("my former employer")
    at.button(key="declare_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Declared" in texts(at) and "Alpenblick Digital GmbH (my former employer)" in texts(at)
    goto(at, "qualification")
    assert "Alpenblick" not in texts(at)  # the conflicted bid is not shown to this evaluator
    goto(at, "projects")
    assert not at.exception


def test_an_observer_cannot_save_and_is_told_why(team_db):
    at = sign_in(start(), "Olga Observer")
    goto(at, "team")
    assert "Your declaration of interests" not in texts(at) and "Moderation" not in texts(at)
    goto(at, "qualification")
    at.text_area(key="override_justification.0").input("Confirmed in writing.")
    at.button(key="record_override").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Not saved: Olga Observer (observer) may not change the project" in texts(at)
    assert "only the lead buyer may" in texts(at)
    with Store.open(team_db) as store:
        assert store.load(store.list_projects()[0].id).overrides == []


def test_an_idle_session_is_signed_out_and_sign_out_is_recorded(team_db, monkeypatch):
    at = sign_in(start(), "Olga Observer")
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"] and "You are signed out." in texts(at)
    sign_in(at, "Olga Observer")
    monkeypatch.setenv("SLM_PSR_IDLE_MINUTES", "0")
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "signed out after 0 minutes without activity" in texts(at)
    with Store.open(team_db) as store:
        events = [(e.action, e.detail) for e in TeamStore(store).account_events("Olga Observer")]
    assert events[-3:] == [("logout", None), ("login", None), ("logout", "idle for 0 minutes")]


PAGES = ["projects", "requirements", "questionnaire", "responses", "qualification", "comparison", "export",
         "team", "contract", "monitoring", "review"]  # fmt: skip


@pytest.mark.parametrize("who", ["Eva Evaluator", "Olga Observer", "Adam Admin"])
def test_every_page_renders_for_every_role_without_a_price_while_sealed(team_db, who):
    """Each page, for each role but the lead's (above); no bid's monthly fee as read appears anywhere."""
    from slm_psr.service import team

    with Store.open(team_db) as store:
        state = store.load(store.list_projects()[0].id)
        team.declare(store, accounts.Actor("Eva Evaluator", "evaluator"), state.id, [])
        values = [r.response.answers["SD-P1"] for r in state.responses if r.response]
        fees = (
            {a.raw for a in values} | {f"{a.value:,.0f}" for a in values} | {f"{a.value:.0f}" for a in values}
        )
    at = sign_in(start(), who)
    for page in PAGES:
        goto(at, page)
        shown = texts(at) + "\n".join(str(d.value) for d in at.dataframe)
        assert not [fee for fee in fees if fee and fee in shown], page


def test_blind_scoring_with_reasons_then_the_lead_moderates_on_the_team_page(team_db):
    with Store.open(team_db) as store:
        accounts.add_user(store, "Emil Evaluator", "evaluator", PASSWORD, by="setup")
    bid = "Nordwind IT Services AG"
    for name, score in (("Eva Evaluator", 9.0), ("Emil Evaluator", 3.0)):
        at = sign_in(start(), name)
        goto(at, "team")
        at.radio(key="declare_choice").set_value("No conflict of interest")
        at.button(key="declare_submit").click().run()
        at.selectbox(key="score_bid").set_value(bid)
        at.number_input(key="score_value").set_value(score)
        at.button(key="score_submit").click().run()
        assert "Say why: every score is kept with its reason." in texts(at)
        at.text_area(key="score_why").input(f"{name} read the staffing plan")
        at.button(key="score_submit").click().run()
        assert not at.exception, [e.value for e in at.exception]
        (mine,) = at.dataframe
        assert mine.value.to_dict("records") == [
            {"Bidder": bid, "Criterion": "SD-09", "Score": score, "Why": f"{name} read the staffing plan"}
        ]  # blind: the other evaluator's score is not shown
        at.button(key="submit_scores").click().run()
        assert "your scores are final" in texts(at)
    at = sign_in(start(), "Lena Lead")
    goto(at, "team")
    moderation = table_with(at, "Moderated score and reason")
    row = moderation[(moderation.Bidder == bid) & (moderation.Criterion == "SD-09")].iloc[0]
    assert "Eva Evaluator 9 (Eva Evaluator read the staffing plan)" in row.Scores
    assert "Emil Evaluator 3" in row.Scores and "talk it over" in row.Spread
    at.selectbox(key="moderate_pair").set_value((bid, "SD-09"))
    at.number_input(key="moderate_score").set_value(6.5)
    at.text_input(key="moderate_reason").input("agreed: good plan, thin on escalation")
    at.button(key="moderate_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    moderation = table_with(at, "Moderated score and reason")
    row = moderation[(moderation.Bidder == bid) & (moderation.Criterion == "SD-09")].iloc[0]
    assert row["Moderated score and reason"] == "6.5: agreed: good plan, thin on escalation"


def test_opening_another_project_keeps_the_account_signed_in(team_db):
    """Failed before: opening another project dropped every session key but the project's,
    the signed-in account with them, so the lead was asked to sign in again."""
    from slm_psr.demo import DEMO_PSR
    from slm_psr.psr_file import load_psr

    with Store.open(team_db) as store:
        second = store.create_project("Hosting 2028", load_psr(DEMO_PSR), user="setup").id
    at = sign_in(start(), "Lena Lead")
    goto(at, "projects")
    at.selectbox(key="open_choice").set_value(second).run()
    at.button(key="open_project").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["project_id"] == second
    assert at.session_state["_actor"] is not None  # still signed in
    assert not [t for t in at.text_input if t.key == "sign_in_password"]  # no sign-in form


def test_the_lead_gives_an_observer_the_evaluator_role_on_this_project_only(team_db):
    with Store.open(team_db) as store:
        demo = store.list_projects()[0]
        second = store.copy_project(demo.id, "Second tender", user="setup")
    at = sign_in(start(), "Lena Lead")
    goto(at, "team")
    assert "Roles on this project" in texts(at)
    at.selectbox(key="role_who").set_value("Olga Observer")
    at.selectbox(key="role_what").set_value("evaluator")
    at.button(key="role_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    olga = table_with(at, "On this project").set_index("Account").loc["Olga Observer"]
    assert (olga["Usual role"], olga["On this project"]) == ("observer", "evaluator")
    # the lead can assign her criteria now
    assert "Olga Observer" in table_with(at, "Evaluator").Evaluator.tolist()
    # Olga signs in: evaluator on the demo (declaration first), observer on the second tender.
    olga_at = sign_in(start(), "Olga Observer")
    assert "Role: evaluator on this project" in "\n".join(c.value for c in olga_at.sidebar.caption)
    goto(olga_at, "team")
    assert "Your declaration of interests" in texts(olga_at)
    with Store.open(team_db) as store:
        entry = [e for e in store.audit(demo.id) if e.action == "team_role"][-1]
        assert entry.who == "Lena Lead" and "Olga Observer" in entry.target
        assert store.audit(second.id)[-1].action != "team_role"


def test_an_account_without_access_to_a_project_does_not_see_it(team_db):
    from slm_psr.service import roles
    from slm_psr.service.accounts import Actor

    with Store.open(team_db) as store:
        demo = store.list_projects()[0]
        roles.set_project_role(store, Actor("Lena Lead", "lead"), demo.id, "Olga Observer", "none")
    at = sign_in(start(), "Olga Observer")
    assert "Demo" not in texts(at) and demo.name not in texts(at)
    goto(at, "comparison")
    assert "No project is open" in texts(at)


AUTH = {  # what secrets.toml's [auth] holds for one unnamed OIDC provider (never contacted here)
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not a real secret, only for the test",
    "client_id": "slm-psr",
    "client_secret": "not a real secret",
    "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
}


def test_with_single_sign_on_configured_the_identity_names_the_account(team_db):
    with Store.open(team_db) as store:
        accounts.add_user(store, "lena@example.org", "lead", PASSWORD, by="setup")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    # Not signed in with the provider: its button, and no password form.
    assert [b.label for b in at.button] == ["Sign in with single sign-on"]
    assert not [t for t in at.text_input if t.key == "sign_in_password"]
    # Signed in with the provider as an address that has no account: refused, and recorded.
    at.user = {"is_logged_in": True, "email": "mallory@example.org"}
    at.run()
    assert "no active account here is called mallory@example.org" in texts(at)
    assert "Demo" not in texts(at)
    # The address of an account: signed in as it, with its role.
    at.user = {"is_logged_in": True, "email": "lena@example.org", "email_verified": True}
    at.run()
    assert not at.exception, at.exception
    assert "Signed in as lena@example.org" in "\n".join(c.value for c in at.sidebar.caption)
    with Store.open(team_db) as store:
        events = TeamStore(store).account_events()
    assert [(e.name, e.action, e.detail) for e in events[-2:]] == [
        ("mallory@example.org", "login_failed", "single sign-on: no account"),
        ("lena@example.org", "login", "single sign-on"),
    ]


def test_without_single_sign_on_configured_the_password_form_stays(team_db):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.secrets["other"] = {"key": "value"}  # secrets, but no [auth]
    at.user = {"is_logged_in": True, "email": "lena@example.org"}  # ignored without [auth]
    at.run()
    assert [t.key for t in at.text_input] == ["sign_in_name", "sign_in_password"]
    assert not [b for b in at.button if "single sign-on" in b.label]


def _envelope_toggle(at: AppTest):
    (toggle,) = [t for t in at.toggle if t.label.startswith("Two-envelope procedure")]
    return toggle


def test_the_requirements_page_states_the_two_envelope_procedure_and_saves_it(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", url)
    at = start()
    at.sidebar.text_input(key="user_name").input("Anna Tester")
    goto(at, "requirements")
    assert _envelope_toggle(at).value is True  # not stated in the demo PSR: it applies
    assert at.button(key="save_psr").disabled  # showing it changes nothing
    _envelope_toggle(at).set_value(False).run()
    at.button(key="save_psr").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with Store.open(url) as store:
        saved = store.load(store.list_projects()[0].id)
    assert saved.psr_version == 2 and saved.psr.evaluation.two_envelopes is False


def test_a_lead_cannot_switch_the_procedure_off_while_the_bids_are_sealed(team_db):
    at = sign_in(start(), "Lena Lead")
    goto(at, "requirements")
    _envelope_toggle(at).set_value(False).run()
    at.button(key="save_psr").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot be switched off while bids are in and their price envelope is sealed" in texts(at)
    with Store.open(team_db) as store:
        assert store.load(store.list_projects()[0].id).psr_version == 1
