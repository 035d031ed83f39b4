"""Roles per project and the PSR's two-envelope flag, checked in the service on every call.

The store holds the demo project (six bids, the demo evaluators' scores of SD-09), a
second project copied from it (no bids) and five accounts; Pat's store-wide role is
observer, and each test gives Pat other roles on one project or the other.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from sqlalchemy import text

from slm_psr.demo import ensure_demo_project
from slm_psr.model import PSR, psr_errors
from slm_psr.psr_file import dumps_psr, loads_psr
from slm_psr.service import accounts, roles, team
from slm_psr.service.accounts import Actor
from slm_psr.service.team import NotAllowed
from slm_psr.store import Store
from slm_psr.store.team import TeamStore

PASSWORD = "correct horse battery"
LEAD = Actor("Lena Lead", "lead")
EVA = Actor("Eva Evaluator", "evaluator")
PAT = Actor("Pat Person", "observer")
ADMIN = Actor("Adam Admin", "admin")
OLGA = Actor("Olga Observer", "observer")
ALPEN = "Alpenblick Digital GmbH"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("roles") / "template.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:
        pid = ensure_demo_project(store) or store.list_projects()[0].id
        store.copy_project(pid, "Second tender", user="setup")
        for actor in (LEAD, EVA, PAT, ADMIN, OLGA):
            accounts.add_user(store, actor.name, actor.role, PASSWORD, by="setup")
    return str(path)


@pytest.fixture
def store(template, tmp_path):
    path = tmp_path / "store.sqlite3"
    shutil.copy(template, path)
    with Store.open(f"sqlite:///{path}") as s:
        yield s


def projects(store: Store) -> tuple[int, int]:
    """(the demo project with its bids, the second tender)."""
    by_name = {p.name: p.id for p in store.list_projects()}
    second = by_name.pop("Second tender")
    return next(iter(by_name.values())), second


# --- one account, a role per project ---------------------------------------------------------------


def test_an_account_is_lead_on_one_project_and_evaluator_on_another(store):
    demo, second = projects(store)
    roles.set_project_role(store, ADMIN, second, PAT.name, "lead")
    roles.set_project_role(store, LEAD, demo, PAT.name, "evaluator")
    assert roles.role_on(store, PAT, second) == "lead" and roles.role_on(store, PAT, demo) == "evaluator"
    pat = team.guard(store, PAT)
    # Lead on the second tender: changes it through the same guard.
    rev = store.load(second).revision
    pat.set_settings(second, {"note": "Pat leads"}, user=PAT.name, expected_revision=rev)
    assert store.load(second).settings == {"note": "Pat leads"}
    # Evaluator on the demo: declares, scores, and may not change anything else.
    state = store.load(demo)
    with pytest.raises(NotAllowed, match=r"Pat Person \(evaluator\) may not change the project"):
        pat.set_settings(demo, {"note": "x"}, user=PAT.name, expected_revision=state.revision)
    with pytest.raises(NotAllowed, match="declare your interests in project"):
        pat.load(demo)
    team.declare(store, PAT, demo, [])
    team.score_bid(store, PAT, demo, ALPEN, "SD-09", 7, expected_revision=store.load(demo).revision)
    with pytest.raises(NotAllowed, match=r"Pat Person \(evaluator\) may not freeze"):
        team.freeze(store, PAT, demo)
    # The lead of the second tender cannot lead the demo: the role is the project's.
    team.freeze(store, PAT, second)
    # The store-wide role still counts where nothing was set, and for creating projects.
    with pytest.raises(NotAllowed, match=r"Pat Person \(observer\) may not create, copy or archive"):
        pat.create_project("Pat's own", state.psr, user=PAT.name)
    # Both changes are on the projects' audit trails, hash chains and the account trail.
    entry = [e for e in store.audit(demo) if e.action == "team_role"][-1]
    assert entry.who == LEAD.name and "role of Pat Person" in entry.target
    assert all(check.ok for check in store.verify())
    log = [e for e in TeamStore(store).account_events(PAT.name) if e.action == "project_role_set"]
    assert [e.detail for e in log] == [f"lead on project {second}", f"evaluator on project {demo}"]


@pytest.mark.parametrize("role", ["lead", "evaluator", "observer", "none"])
@pytest.mark.parametrize("action", sorted(roles.PERMISSIONS))
def test_every_permission_follows_the_role_on_the_project(store, action, role):
    demo, second = projects(store)
    roles.set_project_role(store, LEAD, demo, PAT.name, role)
    permission = roles.PERMISSIONS[action]
    if role != "none" and role in permission.roles:
        assert roles.require(PAT, action, store, demo) == role
    else:
        words = "has no access to project" if role == "none" else r"Pat Person \(.*\) may not"
        with pytest.raises(NotAllowed, match=words):
            roles.require(PAT, action, store, demo)
    # The other project keeps Pat's store-wide role (observer).
    if "observer" in permission.roles:
        assert roles.require(PAT, action, store, second) == "observer"
    else:
        with pytest.raises(NotAllowed, match=r"Pat Person \(observer\) may not"):
            roles.require(PAT, action, store, second)


def test_every_permission_of_an_administrator_is_the_same_on_every_project(store):
    demo, second = projects(store)
    for action, permission in roles.PERMISSIONS.items():
        for pid in (demo, second, None):
            allowed = "admin" in permission.roles
            if allowed:
                roles.require(ADMIN, action, store, pid)
            else:
                with pytest.raises(NotAllowed, match=r"Adam Admin \(administrator\) may not"):
                    roles.require(ADMIN, action, store, pid)
    with pytest.raises(ValueError, match="is an administrator: that role is the same on every project"):
        roles.set_project_role(store, LEAD, demo, ADMIN.name, "observer")


def test_each_team_step_is_checked_against_the_role_on_its_project(store):
    demo, _ = projects(store)
    roles.set_project_role(store, LEAD, demo, EVA.name, "observer")
    rev = store.load(demo).revision
    steps = {
        "declare conflicts of interest": lambda: team.declare(store, EVA, demo, []),
        "score the qualitative criteria": lambda: team.score_bid(
            store, EVA, demo, ALPEN, "SD-09", 5, expected_revision=rev
        ),
        "assign criteria": lambda: team.assign(store, EVA, demo, EVA.name, ["SD-09"]),
        "moderate": lambda: team.moderate(store, EVA, demo, ALPEN, "SD-09", 5, "agreed"),
        "close the scoring": lambda: team.close_scoring(store, EVA, demo),
        "freeze the quality scores": lambda: team.freeze(store, EVA, demo),
        "open the price envelope": lambda: team.open_envelope(store, EVA, demo),
        "give accounts their roles": lambda: roles.set_project_role(store, EVA, demo, PAT.name, "lead"),
    }
    for words, step in steps.items():
        with pytest.raises(NotAllowed, match=rf"Eva Evaluator \(observer\) may not {words}"):
            step()
    # An observer here is not an evaluator to assign criteria to; an observer elsewhere made one here is.
    with pytest.raises(ValueError, match="Eva Evaluator is observer here, not an evaluator"):
        team.assign(store, LEAD, demo, EVA.name, ["SD-09"])
    roles.set_project_role(store, LEAD, demo, PAT.name, "evaluator")
    team.assign(store, LEAD, demo, PAT.name, ["SD-09"])
    assert team.team_of(store, demo).assignments == {PAT.name: ["SD-09"]}


def test_no_access_hides_the_project_from_every_read_and_change(store):
    demo, second = projects(store)
    roles.set_project_role(store, LEAD, demo, OLGA.name, "none")
    olga = team.guard(store, OLGA)
    assert [p.id for p in olga.list_projects()] == [second]
    response_id = store.load(demo).responses[0].id
    for call in (
        lambda: olga.load(demo),
        lambda: olga.find_project(f"#{demo}"),
        lambda: olga.audit(demo),
        lambda: olga.load_psr(demo),
        lambda: olga.response_history(demo),
        lambda: olga.response_bytes(response_id),
        lambda: olga.audit(np.int64(demo)),  # a numpy integer names the project as well
    ):
        with pytest.raises(NotAllowed, match="Olga Observer has no access to project"):
            call()
    # Back to the usual role: Olga reads the demo again.
    roles.set_project_role(store, LEAD, demo, OLGA.name, "default")
    assert olga.load(demo).sealed and olga.find_project(f"#{demo}").id == demo


def test_a_role_change_applies_to_a_session_already_signed_in(store):
    demo, _ = projects(store)
    olga = team.guard(store, OLGA)  # signed in before the change
    assert olga.load(demo).id == demo
    roles.set_project_role(store, LEAD, demo, OLGA.name, "lead")
    rev = store.load(demo).revision
    olga.set_settings(demo, {"note": "now lead"}, user=OLGA.name, expected_revision=rev)
    roles.set_project_role(store, LEAD, demo, OLGA.name, "observer")
    with pytest.raises(NotAllowed, match=r"Olga Observer \(observer\) may not change"):
        olga.set_settings(demo, {}, user=OLGA.name, expected_revision=store.load(demo).revision)


def test_the_last_lead_keeps_the_project_and_roles_are_words_or_refused(store):
    demo, _ = projects(store)
    with pytest.raises(ValueError, match="Lena Lead is the only lead buyer of this project"):
        roles.set_project_role(store, LEAD, demo, LEAD.name, "observer")
    with pytest.raises(ValueError, match="a role on a project is one of lead, evaluator, observer, none"):
        roles.set_project_role(store, LEAD, demo, PAT.name, "admin")
    roles.set_project_role(store, LEAD, demo, PAT.name, "lead")
    roles.set_project_role(store, LEAD, demo, LEAD.name, "evaluator")  # Pat leads now
    assert roles.role_on(store, LEAD, demo) == "evaluator"


def test_project_roles_are_history_a_changed_row_is_refused_and_shows(store):
    demo, _ = projects(store)
    roles.set_project_role(store, LEAD, demo, PAT.name, "lead")
    with pytest.raises(Exception, match="project_roles is append-only"), store.engine.begin() as db:
        db.execute(text("UPDATE project_roles SET role = 'lead' WHERE name = 'Pat Person'"))
    with store.engine.begin() as db:  # someone with the database file gets past the trigger
        db.execute(text("DROP TRIGGER project_roles_no_update"))
        db.execute(text("UPDATE project_roles SET by = 'Adam Admin'"))
    (check,) = store.verify(demo)
    assert not check.ok and any("project role" in line and "Pat Person" in line for line in check.breaks)


# --- the PSR's two-envelope flag -------------------------------------------------------------------------


def _psr_with(psr: PSR, two_envelopes: object) -> dict:
    data = psr.model_dump(mode="json", exclude_none=True)
    data["evaluation"]["two_envelopes"] = two_envelopes
    return data


def test_the_two_envelope_flag_is_validated_and_unstated_means_it_applies(demo_psr):
    assert demo_psr.evaluation.two_envelopes is None and demo_psr.evaluation.sealed_prices
    assert "two_envelopes" not in dumps_psr(demo_psr)  # PSRs stored before keep their content hash
    off = PSR.model_validate(_psr_with(demo_psr, False))
    assert not off.evaluation.sealed_prices
    assert loads_psr(dumps_psr(off)) == off
    with pytest.raises(ValueError) as refused:
        PSR.model_validate(_psr_with(demo_psr, "yes"))
    assert any("two_envelopes" in line and "valid boolean" in line for line in psr_errors(refused.value))
    no_prices = _psr_with(demo_psr, True)
    no_prices["requirements"] = [r for r in no_prices["requirements"] if not r["kind"].startswith("price")]
    with pytest.raises(
        ValueError, match="the two-envelope procedure seals the price items, but the PSR has none"
    ):
        PSR.model_validate(no_prices)


def test_without_the_two_envelope_procedure_prices_are_read_openly(store):
    demo, _ = projects(store)
    state = store.load(demo)
    off = PSR.model_validate(_psr_with(state.psr, False))
    # While bids are sealed the lead may not switch the procedure off to see the prices ...
    lead = team.guard(store, LEAD)
    with pytest.raises(NotAllowed, match="cannot be switched off while bids are in and their price envelope"):
        lead.save_psr(demo, off, user=LEAD.name, expected_revision=state.revision)
    # ... but a PSR that says so from the start reads its prices openly, for every role.
    second_demo = store.copy_project(demo, "Open prices", user="setup").id
    rev = store.save_psr(second_demo, off, user="setup", expected_revision=store.load(second_demo).revision)
    for bid in store.load(demo).responses[:2]:
        data = store.response_bytes(bid.id)
        rev = store.add_response(
            second_demo, bid.filename, data, bid.response, None, user="setup", expected_revision=rev
        )
    seen = team.guard(store, OLGA).load(second_demo)
    assert not seen.sealed and len(seen.responses) == 2
    assert {r.response.answers["SD-P1"].raw for r in seen.responses} != {team.SEALED}
    assert team.guard(store, OLGA).response_bytes(seen.responses[0].id)
    team.freeze(store, LEAD, second_demo)
    with pytest.raises(NotAllowed, match="this PSR has no two-envelope procedure"):
        team.open_envelope(store, LEAD, second_demo)


def _words(pdf: bytes, tmp_path) -> str:
    from tests.test_reports_award_record import pdf_text

    return " ".join(pdf_text(pdf, tmp_path, first=1, last=3).split())


def test_the_award_record_says_whether_the_two_envelope_procedure_applied(store, tmp_path):
    from slm_psr import service

    demo, _ = projects(store)
    team.freeze(store, LEAD, demo)
    team.open_envelope(store, LEAD, demo)
    opened = team.guard(store, LEAD).load(demo)
    text = _words(service.award_record(store, opened), tmp_path)
    assert "Two-envelope procedure" in text  # the label; pdftotext reads the values after the labels
    assert "applies: quality scores frozen by Lena Lead at" in text
    assert "then the price envelope opened by Lena Lead at" in text and "price hashes of 6 bids" in text
    # A PSR without the procedure says so in its record.
    off = PSR.model_validate(_psr_with(opened.psr, False))
    copy = store.copy_project(demo, "Open prices", user="setup").id
    store.save_psr(copy, off, user="setup", expected_revision=store.load(copy).revision)
    state = team.guard(store, LEAD).load(copy)
    text = _words(service.award_record(store, state), tmp_path)
    assert "does not apply (the PSR says so): prices were read openly" in text


def test_the_migration_down_and_up_again_keeps_the_chain_whole(store, tmp_path):
    from tests.test_store_failures import _migrate

    demo, _ = projects(store)
    roles.set_project_role(store, LEAD, demo, PAT.name, "lead")
    url = store.url
    store.close()
    _migrate(url, "record", down=True)  # before roles per project: the rows and their chain entries go
    with Store.open(url) as reopened:  # opening migrates up again: an empty project_roles table
        assert reopened.verify(demo)[0].ok
        assert TeamStore(reopened).project_roles() == {}
        assert roles.role_on(reopened, PAT, demo) == "observer"
