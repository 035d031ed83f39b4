"""The team tables on PostgreSQL with a migration role and an app role: grants, triggers, traces.

A throwaway server (``tests/pg_server.py``, loopback only) holds one database owned
by a migration role; the app role gets what ``migrate --app-role`` grants. The app
runs a team evaluation through the store; then both roles try to rewrite it in SQL:
the app role may not touch the team's history at all, the owner is stopped by the
append-only triggers, and an evaluator's score (a row that changes in place, so the
app may update it) changed in SQL is found by the audit replay and the project
refuses to open.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from slm_psr.demo import ensure_demo_project
from slm_psr.service import accounts, roles, team
from slm_psr.service.accounts import Actor
from slm_psr.store import Store, Tampered
from slm_psr.store.team import TeamStore
from tests.test_store import pg_server  # noqa: F401 - the fixture
from tests.test_store_failures import _cli

PASSWORD = "correct horse battery"
LEAD, EVA, PAT = (
    Actor("Lena Lead", "lead"),
    Actor("Eva Evaluator", "evaluator"),
    Actor("Pat Person", "observer"),
)
ALPEN = "Alpenblick Digital GmbH"
HISTORY = ("team_records", "project_roles", "account_events")


@pytest.fixture
def team_database(pg_server):  # noqa: F811 - the fixture imported above
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"slm_owner_{suffix}", f"slm_app_{suffix}", f"team_{suffix}"
    with psycopg.connect(pg_server.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN")
        admin.execute(f"CREATE ROLE {app} LOGIN")
        admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
    owner_url = f"postgresql://{owner}@127.0.0.1:{pg_server.port}/{database}"
    app_url = f"postgresql://{app}@127.0.0.1:{pg_server.port}/{database}"
    run = _cli("migrate", "--database", owner_url, "--app-role", app)
    assert run.returncode == 0, run.stderr
    return owner_url, app_url


@pytest.mark.postgres
def test_the_team_history_cannot_be_rewritten_and_a_changed_score_is_found(team_database):
    owner_url, app_url = team_database
    with Store.open(app_url) as store:
        ensure_demo_project(store)
        pid = store.list_projects()[0].id
        for actor in (LEAD, EVA, PAT):
            accounts.add_user(store, actor.name, actor.role, PASSWORD, by="setup")
        assert accounts.sign_in(store, EVA.name, PASSWORD) == EVA
        roles.set_project_role(store, LEAD, pid, PAT.name, "evaluator")
        team.declare(store, EVA, pid, [])
        rev = team.score_bid(
            store, EVA, pid, ALPEN, "SD-09", 8, justification="clear staffing plan",
            expected_revision=store.load(pid).revision,
        )  # fmt: skip
        team.submit(store, EVA, pid)
        (check,) = store.verify(pid)
        assert check.ok, check.breaks
        assert TeamStore(store).verify_accounts() == []

    # The app role may add history, never change or remove it, nor switch off what guards it.
    with psycopg.connect(app_url, autocommit=True) as con:
        for table in HISTORY:
            for statement in (
                f"UPDATE {table} SET by = 'mallory'",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                f"DROP TRIGGER {table}_append_only ON {table}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(statement)
    # The owner may, by the grants, but the triggers refuse: history is never changed.
    with psycopg.connect(owner_url, autocommit=True) as con:
        for table in HISTORY:
            for statement in (
                f"UPDATE {table} SET by = 'mallory'",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
            ):
                with pytest.raises(psycopg.errors.RaiseException, match=f"{table} is append-only"):
                    con.execute(statement)

    # An evaluator's score changes in place, so the app role may update the row: the change
    # has no audit entry, the replay finds it, and nobody can open the project any more.
    with psycopg.connect(app_url, autocommit=True) as con:
        changed = con.execute(
            "UPDATE evaluator_scores SET score = 2 WHERE evaluator = %s AND supplier = %s", (EVA.name, ALPEN)
        )
        assert changed.rowcount == 1
    with Store.open(app_url) as store:
        (check,) = store.verify(pid)
        assert not check.ok
        assert any(f"score {ALPEN} / SD-09 by {EVA.name}" in line for line in check.breaks), check.breaks
        for who in (LEAD, EVA):
            with pytest.raises(Tampered):
                team.guard(store, who).load(pid)
        assert store.audit(pid)[-1].action == "team_submission"  # the trail still ends with Eva's submission
        assert store.project(pid).revision == rev + 1  # the submission after the score; SQL moved nothing

    # An account changes in place too: a role or a password hash set in SQL is found on the
    # account trail, and the account may not sign in until an administrator sets it again.
    with psycopg.connect(app_url, autocommit=True) as con:
        con.execute("UPDATE users SET role = 'lead' WHERE name = %s", (EVA.name,))
        con.execute(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = %s) WHERE name = %s",
            (EVA.name, PAT.name),
        )
    with Store.open(app_url) as store:
        assert sorted(TeamStore(store).verify_accounts()) == [
            f"account {EVA.name} is lead but the account trail says evaluator: changed outside slm-psr",
            f"account {PAT.name}'s password was replaced outside slm-psr",
        ]
        with pytest.raises(accounts.SignInRefused, match="is lead but the account trail says evaluator"):
            accounts.sign_in(store, EVA.name, PASSWORD)
        with pytest.raises(accounts.SignInRefused, match="password was replaced outside slm-psr"):
            accounts.sign_in(store, PAT.name, PASSWORD)  # Eva's password, swapped into Pat's account
        TeamStore(store).set_role(EVA.name, "evaluator", by="Adam Admin")
        assert accounts.sign_in(store, EVA.name, PASSWORD) == EVA
