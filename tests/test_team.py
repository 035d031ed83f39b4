"""A team evaluates: accounts, roles checked in the service, declarations, blind scoring, moderation, the envelope.

Every test works on a copy of a store holding the demo project (six bids, the
demo evaluators' scores of SD-09) and three accounts: a lead buyer, two evaluators.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest

from slm_psr import service
from slm_psr.demo import ensure_demo_project
from slm_psr.service import accounts, team
from slm_psr.service.accounts import Actor, SignInRefused
from slm_psr.service.team import NotAllowed
from slm_psr.store import Store
from slm_psr.store.team import TeamStore

PASSWORD = "correct horse battery"
LEAD = Actor("Lena Lead", "lead")
EVA = Actor("Eva Evaluator", "evaluator")
EMIL = Actor("Emil Evaluator", "evaluator")
OLGA = Actor("Olga Observer", "observer")
ADMIN = Actor("Adam Admin", "admin")
ALPEN = "Alpenblick Digital GmbH"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("team") / "template.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:
        ensure_demo_project(store)
        for actor in (LEAD, EVA, EMIL, OLGA, ADMIN):
            accounts.add_user(store, actor.name, actor.role, PASSWORD, by="setup")
    return str(path)


@pytest.fixture
def store(template, tmp_path):
    path = tmp_path / "store.sqlite3"
    shutil.copy(template, path)
    with Store.open(f"sqlite:///{path}") as s:
        yield s


def project_id(store: Store) -> int:
    return store.list_projects()[0].id


# --- accounts -------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes_and_sign_in_goes_on_the_account_trail(store):
    user = TeamStore(store).user("lena lead")  # names compare case-insensitively
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert accounts.sign_in(store, "Lena Lead", PASSWORD) == LEAD
    with pytest.raises(SignInRefused, match="the name or the password is not right"):
        accounts.sign_in(store, "Lena Lead", "wrong password!")
    accounts.sign_out(store, LEAD, "idle for 30 minutes")
    actions = [(e.name, e.action) for e in TeamStore(store).account_events("Lena Lead")]
    assert actions == [
        ("Lena Lead", "user_added"),
        ("Lena Lead", "login"),
        ("Lena Lead", "login_failed"),
        ("Lena Lead", "logout"),
    ]
    assert TeamStore(store).verify_accounts() == []


def test_a_short_password_and_an_unknown_role_are_refused_in_words(store):
    with pytest.raises(ValueError, match="at least 10 characters"):
        accounts.add_user(store, "Short", "lead", "abc", by="setup")
    with pytest.raises(ValueError, match="a role is one of lead, evaluator, observer, admin, not 'boss'"):
        accounts.add_user(store, "Bossy", "boss", PASSWORD, by="setup")
    with pytest.raises(Exception, match="there is already an account called 'lena LEAD'"):
        accounts.add_user(store, "lena LEAD", "lead", PASSWORD, by="setup")


def test_failed_sign_ins_are_held_back_after_five_for_known_and_unknown_names(store):
    start = dt.datetime.now(dt.UTC)
    for name in ("Eva Evaluator", "nobody at all"):
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(SignInRefused, match="not right"):
                accounts.sign_in(store, name, "guess guess guess", now=start)
        # Even the right password is not checked while the name is held back.
        with pytest.raises(
            SignInRefused, match=r"too many failed sign-ins for '.*': try again in 1[56] minute"
        ):
            accounts.sign_in(store, name, PASSWORD, now=start)
    # After the hold the right password works again and clears the count.
    later = dt.datetime.now(dt.UTC) + accounts.HOLD + dt.timedelta(seconds=1)
    assert accounts.sign_in(store, "Eva Evaluator", PASSWORD, now=later) == EVA
    assert TeamStore(store).failures_since("Eva Evaluator", start) == (0, None)


def test_a_changed_password_replaces_the_old_one(store):
    accounts.set_password(store, "Emil Evaluator", "a new long passphrase", by="Adam Admin")
    with pytest.raises(SignInRefused):
        accounts.sign_in(store, "Emil Evaluator", PASSWORD)
    assert accounts.sign_in(store, "Emil Evaluator", "a new long passphrase") == EMIL


# --- roles in the service ---------------------------------------------------------------------


def test_roles_are_checked_on_every_change_with_a_message_in_words(store):
    pid = project_id(store)
    state = store.load(pid)
    observer = team.guard(store, OLGA)
    with pytest.raises(
        NotAllowed, match=r"Olga Observer \(observer\) may not change the project .*only the lead buyer may"
    ):
        observer.save_psr(pid, state.psr, user=OLGA.name, expected_revision=state.revision)
    with pytest.raises(NotAllowed, match="may not create, copy or archive projects"):
        observer.archive_project(pid, user=OLGA.name)
    evaluator = team.guard(store, EVA)
    with pytest.raises(NotAllowed, match=r"Eva Evaluator \(evaluator\) may not change the project"):
        evaluator.set_override(
            pid, ALPEN, "accept", "looks fine", user=EVA.name, expected_revision=state.revision
        )
    with pytest.raises(NotAllowed, match="may not freeze the quality scores"):
        team.freeze(store, EVA, pid)
    with pytest.raises(NotAllowed, match="may not open the price envelope"):
        team.open_envelope(store, OLGA, pid)
    # The lead changes the project through the same guard.
    lead = team.guard(store, LEAD)
    lead.set_settings(pid, {"note": "x"}, user=LEAD.name, expected_revision=state.revision)
    assert store.load(pid).settings == {"note": "x"}


def test_single_user_mode_leaves_the_store_as_it_is(store):
    assert team.guard(store, None) is store
    assert team.view(store, store.load(project_id(store)), None).sealed is False


# --- declarations -------------------------------------------------------------------------------


def test_an_evaluator_sees_nothing_before_declaring_and_never_a_conflicted_bid(store):
    pid = project_id(store)
    evaluator = team.guard(store, EVA)
    with pytest.raises(NotAllowed, match=r"declare your interests in project .* first"):
        evaluator.load(pid)
    with pytest.raises(ValueError, match="names the bidder and says what the conflict is"):
        team.declare(store, EVA, pid, [{"supplier": ALPEN, "reason": ""}])
    team.declare(store, EVA, pid, [{"supplier": ALPEN, "reason": "my brother works there"}])
    seen = evaluator.load(pid)
    assert ALPEN not in {r.supplier for r in seen.responses} and len(seen.responses) == 5
    with pytest.raises(NotAllowed, match="declared a conflict of interest with Alpenblick"):
        evaluator.set_evaluator_score(
            pid, ALPEN, "SD-09", EVA.name, 7, user=EVA.name, expected_revision=seen.revision
        )
    trail = [e for e in store.audit(pid) if e.action == "team_declaration"]
    assert trail[-1].who == EVA.name and "conflict with Alpenblick" in trail[-1].target


# --- blind scoring and moderation --------------------------------------------------------------------


def test_evaluators_score_blind_until_they_submit_and_the_lead_moderates(store):
    pid = project_id(store)
    for actor in (EVA, EMIL):
        team.declare(store, actor, pid, [])
    team.assign(store, LEAD, pid, EVA.name, ["SD-09"])
    rev = store.load(pid).revision
    rev = team.score_bid(store, EVA, pid, ALPEN, "SD-09", 8, expected_revision=rev)
    rev = team.score_bid(store, EMIL, pid, ALPEN, "SD-09", 2, expected_revision=rev)
    eva_view = team.guard(store, EVA).load(pid)
    assert {s["evaluator"] for s in eva_view.evaluator_scores} == {EVA.name}  # blind
    team.submit(store, EVA, pid)
    eva_view = team.guard(store, EVA).load(pid)
    assert {EVA.name, EMIL.name} <= {s["evaluator"] for s in eva_view.evaluator_scores}
    with pytest.raises(NotAllowed, match="has submitted their scores"):
        team.score_bid(store, EVA, pid, ALPEN, "SD-09", 9, expected_revision=eva_view.revision)
    with pytest.raises(ValueError, match="needs the reason"):
        team.moderate(store, LEAD, pid, ALPEN, "SD-09", 6, "")
    team.moderate(store, LEAD, pid, ALPEN, "SD-09", 6, "agreed after discussing the staffing plan")
    lead_view = team.guard(store, LEAD).load(pid)
    # The originals stay; the evaluation uses the moderated score alone for that bid and criterion.
    assert {(s["evaluator"], s["score"]) for s in lead_view.evaluator_scores if s["supplier"] == ALPEN} >= {
        (EVA.name, 8.0),
        (EMIL.name, 2.0),
    }
    scores = service.evaluator_scores(lead_view)
    alpen = scores[(scores.supplier == ALPEN) & (scores.requirement == "SD-09")]
    assert alpen.to_dict("records") == [
        {"supplier": ALPEN, "requirement": "SD-09", "evaluator": service.project.MODERATED, "score": 6.0}
    ]


def test_an_evaluator_scores_only_assigned_criteria(store):
    pid = project_id(store)
    team.declare(store, EMIL, pid, [])
    team.assign(store, LEAD, pid, EMIL.name, [])
    with pytest.raises(NotAllowed, match="is not assigned SD-09"):
        team.score_bid(store, EMIL, pid, ALPEN, "SD-09", 5, expected_revision=store.load(pid).revision)
    with pytest.raises(ValueError, match="SD-01: not a qualitative criterion"):
        team.assign(store, LEAD, pid, EMIL.name, ["SD-01"])


# --- the sealed price envelope -------------------------------------------------------------------------


def test_prices_are_sealed_for_everyone_until_the_lead_opens_after_the_freeze(store):
    pid = project_id(store)
    team.declare(store, EVA, pid, [])
    raw_prices = {
        r.supplier: r.response.answers["SD-P1"].value for r in store.load(pid).responses if r.response
    }
    for actor in (LEAD, EVA, OLGA):
        seen = team.guard(store, actor).load(pid)
        assert seen.sealed
        values = {r.response.answers["SD-P1"].raw for r in seen.responses if "SD-P1" in r.response.answers}
        assert values == {team.SEALED}
        # The comparison ranks on quality alone: no price figure of any bid appears.
        result = service.evaluate_project(seen)
        assert result.settings.price_weight == 0
        assert not set(raw_prices.values()) & set(result.suppliers.price_total)
        with pytest.raises(service.project.Sealed, match="opens the price envelope"):
            service.comparison_workbook(seen, store.audit(pid))
    response_id = store.load(pid).responses[0].id
    with pytest.raises(NotAllowed, match="the price envelope is sealed"):
        team.guard(store, LEAD).response_bytes(response_id)
    with pytest.raises(NotAllowed, match="freeze the quality scores first"):
        team.open_envelope(store, LEAD, pid)
    team.freeze(store, LEAD, pid)
    with pytest.raises(NotAllowed, match="frozen"):
        team.score_bid(store, EVA, pid, ALPEN, "SD-09", 3, expected_revision=store.load(pid).revision)
    team.open_envelope(store, LEAD, pid)
    opened = team.guard(store, OLGA).load(pid)
    assert not opened.sealed
    assert {r.supplier: r.response.answers["SD-P1"].value for r in opened.responses} == raw_prices
    assert team.guard(store, LEAD).response_bytes(response_id)
    record = team.team_of(store, pid).opened
    assert record.by == LEAD.name and len(record.data["bids"]) == 6
    assert {b["file_sha256"] for b in record.data["bids"]} == {r.sha256 for r in store.load(pid).responses}
    assert [e.action for e in store.audit(pid)][-2:] == ["team_freeze", "team_open_envelope"]
    assert store.verify(pid)[0].ok  # the team records are on the project's hash chain
    # The award record is written once the envelope is open; the declaration is in its audit trail.
    with pytest.raises(service.project.Sealed, match="award record holds the prices"):
        service.award_record(store, dataclasses.replace(opened, sealed=True))
    lines = [line.what for line in service.audit_lines(store.audit(pid))]
    assert any("declaration of Eva Evaluator: no conflict of interest" in line for line in lines)
    assert service.award_record(store, opened).startswith(b"%PDF-")


def test_an_altered_account_event_breaks_the_account_trail(store):
    from sqlalchemy import text

    assert TeamStore(store).verify_accounts() == []
    with pytest.raises(Exception, match="account_events is append-only"), store.engine.begin() as db:
        db.execute(text("UPDATE account_events SET detail = 'role admin' WHERE id = 2"))
    with store.engine.begin() as db:  # someone with the database file gets past the trigger
        db.execute(text("DROP TRIGGER account_events_no_update"))
        db.execute(text("UPDATE account_events SET detail = 'role admin' WHERE id = 2"))
    broken, replayed = TeamStore(store).verify_accounts()
    assert broken.startswith("account event 2 (user_added Eva Evaluator) was altered")
    # ... and the account no longer matches what its (altered) trail says it became
    assert (
        replayed
        == "account Eva Evaluator is evaluator but the account trail says admin: changed outside slm-psr"
    )


# --- single sign-on: the identity's e-mail address names the account ---------------------------------


def test_a_single_sign_on_identity_maps_to_the_account_named_after_its_email(store):
    accounts.add_user(store, "lena@example.org", "lead", PASSWORD, by="Adam Admin")
    claims = {"is_logged_in": True, "email": "Lena@Example.org", "email_verified": True, "name": "Lena"}
    assert accounts.sign_in_identity(store, claims) == Actor("lena@example.org", "lead")
    events = TeamStore(store).account_events("lena@example.org")
    assert (events[-1].action, events[-1].detail) == ("login", "single sign-on")
    with pytest.raises(SignInRefused, match=r"no active account here is called nobody@example\.org"):
        accounts.sign_in_identity(store, {"email": "nobody@example.org"})
    assert TeamStore(store).account_events("nobody@example.org")[-1].detail == "single sign-on: no account"
    with pytest.raises(SignInRefused, match=r"has not verified the address lena@example\.org"):
        accounts.sign_in_identity(store, {"email": "lena@example.org", "email_verified": False})
    with pytest.raises(SignInRefused, match="gave no e-mail address"):
        accounts.sign_in_identity(store, {"name": "Lena Lead", "sub": "1234"})
    TeamStore(store).set_active("lena@example.org", False, by="Adam Admin")
    with pytest.raises(SignInRefused, match="no active account"):
        accounts.sign_in_identity(store, claims)


def test_an_account_changed_in_the_database_is_found_and_may_not_sign_in(store):
    from sqlalchemy import text

    with store.engine.begin() as db:  # the users table changes in place: no trigger stops this
        db.execute(text("UPDATE users SET role = 'admin' WHERE name = 'Olga Observer'"))
        db.execute(text("UPDATE users SET active = false WHERE name = 'Emil Evaluator'"))
    assert sorted(TeamStore(store).verify_accounts()) == [
        "account Emil Evaluator was switched off outside slm-psr",
        "account Olga Observer is admin but the account trail says observer: changed outside slm-psr",
    ]
    with pytest.raises(SignInRefused, match="is admin but the account trail says observer"):
        accounts.sign_in(store, "Olga Observer", PASSWORD)
    assert TeamStore(store).account_events("Olga Observer")[-1].detail == "account changed outside slm-psr"
    TeamStore(store).set_role("Olga Observer", "observer", by="Adam Admin")  # the administrator sets it again
    assert accounts.sign_in(store, "Olga Observer", PASSWORD) == OLGA
