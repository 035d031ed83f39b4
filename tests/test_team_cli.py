"""The command line with accounts: `users add|passwd|list|log`, `--login`, and the sealed envelope in `evaluate`."""

from __future__ import annotations

import os
import subprocess
import sys

from slm_psr.demo import DEMO_PROJECT, ensure_demo_project
from slm_psr.service import team
from slm_psr.service.accounts import Actor
from slm_psr.store import Store
from tests.conftest import ROOT

PASSWORD = "correct horse battery"


def _cli(url: str, *args: str, password: str | None = PASSWORD, login_password: str | None = None):
    env = {**os.environ, "SLM_PSR_DATABASE_URL": url}
    env.pop("SLM_PSR_USER", None)
    for key, value in (("SLM_PSR_PASSWORD", password), ("SLM_PSR_LOGIN_PASSWORD", login_password)):
        env.pop(key, None)
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_accounts_from_the_command_line_and_a_signed_in_evaluation(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with Store.open(url) as store:
        ensure_demo_project(store)
    first = _cli(url, "users", "add", "Lena Lead", "--role", "lead")
    assert (
        first.returncode == 1
        and "the first account manages the others: add it with --role admin" in first.stderr
    )
    assert _cli(url, "users", "add", "Adam Admin", "--role", "admin").returncode == 0
    # After the first account, only a signed-in administrator adds accounts.
    anonymous = _cli(url, "users", "add", "Lena Lead", "--role", "lead")
    assert anonymous.returncode == 1 and "sign in with --login NAME" in anonymous.stderr
    added = _cli(url, "--login", "Adam Admin", "users", "add", "Lena Lead", "--role", "lead")
    assert added.returncode == 0 and "account Lena Lead added: lead buyer" in added.stdout
    lead_adds = _cli(url, "--login", "Lena Lead", "users", "add", "Eve", "--role", "evaluator")
    assert lead_adds.returncode == 1
    assert (
        "Lena Lead (lead buyer) may not add or change accounts: only the administrator may"
        in lead_adds.stderr
    )
    _cli(url, "--login", "Adam Admin", "users", "add", "Eva Evaluator", "--role", "evaluator")
    listing = _cli(url, "--login", "Adam Admin", "users", "list")
    assert [line.split()[0:2] for line in listing.stdout.splitlines()[1:]] == [
        ["Adam", "Admin"],
        ["Eva", "Evaluator"],
        ["Lena", "Lead"],
    ]
    changed = _cli(url, "--login", "Adam Admin", "users", "passwd", "Eva Evaluator", password="another long one",
                   login_password=PASSWORD)  # fmt: skip
    assert changed.returncode == 0, changed.stderr

    # A project command needs a sign-in; the wrong password is refused and recorded.
    nobody = _cli(url, "evaluate", "--project", DEMO_PROJECT)
    assert nobody.returncode == 1 and "this store has accounts: sign in with --login NAME" in nobody.stderr
    wrong = _cli(
        url, "--login", "Lena Lead", "evaluate", "--project", DEMO_PROJECT, password="not the password"
    )
    assert wrong.returncode == 1 and "the name or the password is not right" in wrong.stderr
    # The lead sees the ranking on quality alone and no price while the envelope is sealed.
    lead = _cli(
        url, "--login", "Lena Lead", "evaluate", "--project", DEMO_PROJECT, "-o", str(tmp_path / "c.xlsx")
    )
    assert lead.returncode == 1, lead.stderr
    assert "comparison workbook not written: it holds the prices" in lead.stderr
    rows = [line for line in lead.stdout.splitlines() if "GmbH" in line or " AG" in line or " SA" in line]
    assert rows and all(line.rstrip().endswith("sealed") for line in rows if "qualified" in line)
    assert not (tmp_path / "c.xlsx").exists()
    # An evaluator sees nothing before declaring.
    eva = _cli(
        url, "--login", "Eva Evaluator", "evaluate", "--project", DEMO_PROJECT, password="another long one"
    )
    assert eva.returncode == 1 and "declare your interests in project" in eva.stderr
    # After the freeze and the opening, the prices are there.
    with Store.open(url) as store:
        pid = store.list_projects()[0].id
        team.freeze(store, Actor("Lena Lead", "lead"), pid)
        team.open_envelope(store, Actor("Lena Lead", "lead"), pid)
    opened = _cli(
        url, "--login", "Lena Lead", "evaluate", "--project", DEMO_PROJECT, "-o", str(tmp_path / "c.xlsx")
    )
    assert opened.returncode == 0, opened.stderr
    assert "sealed" not in opened.stdout and (tmp_path / "c.xlsx").stat().st_size > 0
    log = _cli(url, "--login", "Adam Admin", "users", "log", "Lena Lead")
    actions = [line.split(": ", 1)[1] for line in log.stdout.splitlines()]
    assert actions[0].startswith("user added (role lead; password ") and actions[0].endswith(
        ") by Adam Admin"
    )
    assert "login failed by Lena Lead" in actions and actions.count("login by Lena Lead") == 3


def test_a_role_on_one_project_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with Store.open(url) as store:
        ensure_demo_project(store)
        store.copy_project(store.list_projects()[0].id, "Second tender", user="setup")
    assert _cli(url, "users", "add", "Adam Admin", "--role", "admin").returncode == 0
    for name, role in (("Lena Lead", "lead"), ("Pat Person", "observer")):
        assert _cli(url, "--login", "Adam Admin", "users", "add", name, "--role", role).returncode == 0
    # The administrator gives Pat the lead on the second tender ...
    lead = _cli(
        url, "--login", "Adam Admin", "users", "role", "Pat Person", "lead", "--project", "Second tender"
    )
    assert lead.returncode == 0, lead.stderr
    assert lead.stdout.strip() == "Pat Person on project 'Second tender': lead buyer"
    # ... the demo's lead makes Pat an evaluator there; Pat, an observer elsewhere, may not.
    evaluator = _cli(
        url, "--login", "Lena Lead", "users", "role", "Pat Person", "evaluator", "--project", DEMO_PROJECT
    )
    assert evaluator.returncode == 0, evaluator.stderr
    refused = _cli(
        url, "--login", "Pat Person", "users", "role", "Lena Lead", "none", "--project", DEMO_PROJECT
    )
    assert refused.returncode == 1
    assert "Pat Person (evaluator) may not give accounts their roles on this project" in refused.stderr
    unknown = _cli(url, "--login", "Adam Admin", "users", "role", "Pat Person", "lead", "--project", "Nope")
    assert unknown.returncode == 1 and "users role:" in unknown.stderr and "Nope" in unknown.stderr
    listing = _cli(url, "--login", "Adam Admin", "users", "list").stdout
    assert "on project 'Second tender': lead buyer" in listing
    assert f"on project '{DEMO_PROJECT}': evaluator" in listing
    # Pat's roles hold on each project: lead of the second tender (evaluates it), evaluator on the demo.
    own = _cli(url, "--login", "Pat Person", "evaluate", "--project", "Second tender")
    assert "declare your interests" not in own.stderr
    demo = _cli(url, "--login", "Pat Person", "evaluate", "--project", DEMO_PROJECT)
    assert demo.returncode == 1 and "Pat Person (evaluator): declare your interests in project" in demo.stderr
    log = _cli(url, "--login", "Adam Admin", "users", "log", "Pat Person").stdout
    assert "project role set (lead on project" in log and "by Adam Admin" in log
