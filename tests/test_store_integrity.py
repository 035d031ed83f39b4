"""Tamper evidence on SQLite and a real PostgreSQL: one insider edit per history table, found by load and verify.

Each test builds a full project through the store, then changes the database
behind slm-psr's back the way an insider with full rights would (triggers off:
SQLite drops them, PostgreSQL runs as superuser in replica mode), and checks that
loading refuses the project naming the first altered row, that ``verify`` finds
it, and that the command line exits 1.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys

import psycopg
import pytest

from slm_psr.psr_file import content_hash, dumps_psr
from slm_psr.store import Store, Tampered, chain
from tests.conftest import ROOT
from tests.test_store import _full_project, db_url, pg_server  # noqa: F401 - fixtures


def tamper(url: str, *statements: str | tuple[str, str]) -> None:
    """Run SQL with every safeguard off; a (sqlite, postgres) pair where the dialects differ."""
    sqlite = url.startswith("sqlite")
    chosen = [s if isinstance(s, str) else s[0 if sqlite else 1] for s in statements]
    if sqlite:
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        for statement in chosen:
            con.execute(statement)
        con.commit()
        con.close()
        return
    with psycopg.connect(url.replace("+psycopg", "")) as con:
        con.execute("SET session_replication_role = replica")  # superuser: triggers do not fire
        for statement in chosen:
            con.execute(statement)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(db_url, demo_psr):  # noqa: F811 - the fixture imported above
    """A full project whose PSR has a second version with a changed price weight."""
    with Store.open(db_url) as store:
        project_id, rev = _full_project(store, demo_psr)
        heavier = demo_psr.model_copy(deep=True)
        heavier.evaluation.price_weight = 55.0
        store.save_psr(project_id, heavier, user="ben", expected_revision=rev)
        assert store.verify(project_id)[0].ok
    return db_url, project_id


def _refused(url: str, project_id: int, expected: str) -> list[str]:
    """Load refuses the project naming ``expected`` first; verify lists it first too."""
    with Store.open(url) as store:
        with pytest.raises(Tampered, match=expected) as refused:
            store.load(project_id)
        assert "Nothing is computed from altered history" in str(refused.value)
        (check,) = store.verify(project_id)
    assert not check.ok
    assert check.breaks[0] == refused.value.breaks[0].message
    return check.breaks


ACME_FILE = "(SELECT file_id FROM responses WHERE filename = 'acme.xlsx')"
# (what is changed, SQL, the words load and verify must say first)
TAMPERING = {
    "audit_log": (
        "UPDATE audit_log SET who = 'mallory' WHERE action = 'set_override' AND target LIKE '%Acme%'",
        r"audit entry \d+ \(set_override override Acme, by mallory at .*\) was changed after it was saved",
    ),
    "psr_versions": (
        "UPDATE psr_versions SET psr_json = replace(psr_json, '\"price_weight\": 55.0', '\"price_weight\": 5.0') "
        "WHERE version = 2",
        r"PSR MS-2027-01 version 2 was changed after it was saved",
    ),
    "responses": (
        "UPDATE responses SET response_json = replace(response_json, '12500.0', '1250.0') "
        "WHERE filename = 'beta.xlsx'",
        r"response \d+ \(beta.xlsx, uploaded by ben\) was changed after it was saved",
    ),
    "response_files": (
        (
            f"UPDATE response_files SET data = CAST(X'504B0304' || data AS BLOB) WHERE id = {ACME_FILE}",
            f"UPDATE response_files SET data = '\\x504b0304'::bytea || data WHERE id = {ACME_FILE}",
        ),
        r"the stored file of response \d+ \(acme.xlsx\) is not the file that was uploaded",
    ),
    "overrides": (
        "UPDATE overrides SET decision = 'accept' WHERE supplier = 'Acme'",
        r"override Acme was changed outside slm-psr",
    ),
    "evaluator_scores": (
        "UPDATE evaluator_scores SET score = 10 WHERE evaluator = 'Eva'",
        r"score Acme / SD-09 by Eva is 10 in the database, but 7 on record",
    ),
    "projects": (
        "UPDATE projects SET latest_version = 1",
        r"points at PSR version 1, the audit trail at version 2",
    ),
    "history_chain": ("DELETE FROM history_chain WHERE seq = 3", r"history entry 3 was deleted"),
}


@pytest.mark.parametrize("table", list(TAMPERING))
def test_an_edit_to_any_history_table_is_found(project, table):
    url, project_id = project
    statement, expected = TAMPERING[table]
    tamper(url, statement)
    _refused(url, project_id, expected)


def test_a_psr_rewritten_with_a_matching_content_hash_is_still_found(project, demo_psr):
    # The insider of the issue: price weight of version 1 changed, content hash recomputed to match.
    url, project_id = project
    forged = demo_psr.model_copy(deep=True)
    forged.evaluation.price_weight = 90.0
    text = dumps_psr(forged).replace("'", "''")
    tamper(
        url,
        f"UPDATE psr_versions SET psr_json = '{text}', content_hash = '{content_hash(forged)}' WHERE version = 1",
    )
    breaks = _refused(url, project_id, r"PSR MS-2027-01 version 1 was changed after it was saved")
    assert len(breaks) == 1  # its own hash matches: only the chain knows


def test_forged_and_deleted_audit_rows_are_found(project):
    url, project_id = project
    tamper(
        url,
        "INSERT INTO audit_log (project_id, at, who, action, target, before, after) "
        f"VALUES ({project_id}, '2026-01-01 00:00:00', 'anna', 'set_settings', 'project settings', NULL, '{{}}')",
    )
    _refused(
        url,
        project_id,
        r"audit entry \d+ \(set_settings project settings, by anna .*\) is not on the project's history chain",
    )


def test_a_deleted_audit_row_is_found(project):
    url, project_id = project
    tamper(url, "DELETE FROM audit_log WHERE action = 'save_psr'")
    breaks = _refused(url, project_id, r"audit_log row \d+ \(history entry \d+\) was deleted")
    # Its loss also shows in what the audit trail no longer explains.
    assert any("points at PSR version 2, the audit trail at version 1" in b for b in breaks)


def test_sqlite_insert_or_replace_does_not_slip_past(tmp_path, demo_psr):
    # INSERT OR REPLACE deletes without firing the DELETE trigger: the way round it.
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with Store.open(url) as store:
        project_id, _ = _full_project(store, demo_psr)
    con = sqlite3.connect(tmp_path / "store.sqlite3")
    row = con.execute("SELECT * FROM psr_versions WHERE version = 1").fetchone()
    forged = row[5].replace('"price_weight": 40.0', '"price_weight": 90.0')
    assert forged != row[5]
    con.execute(
        "INSERT OR REPLACE INTO psr_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*row[:5], forged, *row[6:])
    )
    con.commit()
    con.close()
    breaks = _refused(url, project_id, r"PSR MS-2027-01 version 1 was changed after it was saved")
    assert any("does not match its recorded content hash" in b for b in breaks)
    with (
        Store.open(url) as store,
        pytest.raises(Tampered, match="version 1 does not match its recorded content hash"),
    ):
        store.load_psr(project_id, 1)


def test_the_command_line_refuses_altered_history_and_verify_exits_1(project):
    url, project_id = project
    ok = _cli("verify", "--database", url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith(f"ok      #{project_id} Managed IT 2027: 15 history rows, head ")
    assert ok.stdout.rstrip().endswith("1 project(s) in " + url + " checked: history intact")

    tamper(url, "UPDATE evaluator_scores SET score = 10 WHERE evaluator = 'Eva'")
    run = _cli("verify", "--database", url, "--project", "managed it 2027")
    assert run.returncode == 1
    assert run.stdout.startswith(
        f"ALTERED #{project_id} Managed IT 2027: score Acme / SD-09 by Eva is 10 in the database, but 7 on record"
    )
    evaluate = _cli("evaluate", "--project-id", str(project_id), "--database", url)
    assert evaluate.returncode == 1 and "Traceback" not in evaluate.stderr
    assert (
        "the history of project 'Managed IT 2027' was altered outside slm-psr: score Acme" in evaluate.stderr
    )


def test_a_clean_store_verifies_and_the_head_moves_with_each_change(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:
        project_id, rev = _full_project(store, demo_psr)
        (before,) = store.verify(project_id)
        # 3 uploads (response + audit each), 1 create (version + audit), 5 more audit entries
        assert (before.ok, before.entries) == (True, 2 + 3 * 2 + 5)
        assert len(before.head) == 64 and int(before.head, 16) >= 0
        store.set_settings(project_id, {"rounding": 3}, user="anna", expected_revision=rev)
        (after,) = store.verify(project_id)
        assert after.ok and after.entries == before.entries + 1 and after.head != before.head
        other = store.create_project("Other", demo_psr, user="ben")
        assert [c.name for c in store.verify()] == ["Managed IT 2027", "Other"]
        assert store.verify(other.id)[0].entries == 2
        assert store.response_bytes(store.load(project_id).responses[0].id)[:4] == b"PK\x03\x04"


def test_bytes_served_are_checked(project):
    url, project_id = project
    with Store.open(url) as store:
        acme = next(r for r in store.load(project_id).responses if r.filename == "acme.xlsx")
        assert hashlib.sha256(store.response_bytes(acme.id)).hexdigest() == acme.sha256
    statement, _ = TAMPERING["response_files"]
    tamper(url, statement)
    with (
        Store.open(url) as store,
        pytest.raises(Tampered, match=r"stored file of response \d+ \(acme.xlsx\)"),
    ):
        store.response_bytes(acme.id)


def test_the_store_benchmark_runs_at_smoke_size(capsys):
    from benchmarks.store_bench import main

    assert main(["3", "20", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("store, 3 suppliers x 20 requirements, medians of 1 run(s):")
    for name in ("load", "check on load", "verify"):
        assert re.search(rf"^  {name} +\d+ ms$", out, re.MULTILINE), name


@pytest.mark.parametrize("table", list(TAMPERING))
def test_an_edit_after_a_clean_load_is_still_found_on_the_next_load(project, table):
    """The check keeps row digests and PSR hashes per process, keyed on the exact values: a
    project loaded cleanly (everything kept), then edited behind slm-psr's back, is refused
    on the next load in the same process with the same words as on a first load."""
    url, project_id = project
    statement, expected = TAMPERING[table]
    with Store.open(url) as store:
        store.load(project_id)
        store.load(project_id)  # the second load is served from what the first one kept
    tamper(url, statement)
    _refused(url, project_id, expected)


def test_a_repeated_load_hashes_no_row_again_and_an_edited_row_once(project, monkeypatch):
    """What is kept: each chained row's digest, keyed on its values. A repeated load encodes
    and hashes nothing; after one row is edited, exactly that row is hashed (and refused)."""
    url, project_id = project
    hashed: list[dict] = []
    real = chain.digest
    monkeypatch.setattr(chain, "digest", lambda values: hashed.append(dict(values)) or real(values))
    with Store.open(url) as store:
        store.load(project_id)
        hashed.clear()
        store.load(project_id)
        assert hashed == []
        tamper(
            url, "UPDATE audit_log SET who = 'mallory' WHERE action = 'set_override' AND target LIKE '%Acme%'"
        )
        with pytest.raises(Tampered, match="by mallory"):
            store.load(project_id)
    assert [row["who"] for row in hashed] == ["mallory"]
