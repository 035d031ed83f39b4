"""Store failures in words, batches that finish, one text rule, project references, a team's two roles.

Every case runs against SQLite and a real PostgreSQL where both can have it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import unicodedata

import psycopg
import pytest
from sqlalchemy import event

from slm_psr.store import (
    Archived,
    BatchNotStored,
    DatabaseFailure,
    NotFound,
    Store,
    StoreError,
)
from slm_psr.store.database import VERSION_TABLE, make_engine
from tests.conftest import ROOT
from tests.test_store import _full_project, _response, _xlsx_bytes, db_url, pg_server, store  # noqa: F401


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _batch(psr, names: list[str]) -> list[tuple]:
    return [(f"{n}.xlsx", _xlsx_bytes(n), _response(n.title(), psr), None) for n in names]


# --- failures in words ---------------------------------------------------------------


def test_a_read_only_sqlite_file_says_read_only(tmp_path, demo_psr):
    path = tmp_path / "store.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
    with Store.open(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        assert store.load(info.id).name == "Tender"  # reading still works
        with pytest.raises(DatabaseFailure, match=r"is read-only .* nothing was saved") as failure:
            store.set_settings(info.id, {"a": 1}, user="anna", expected_revision=info.revision)
        assert failure.value.kind == "read-only"
        assert store.load(info.id).settings == {}


def test_a_full_disk_says_full_and_leaves_nothing_half_done(tmp_path, demo_psr):
    path = tmp_path / "store.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
        with store.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    engine = make_engine(f"sqlite:///{path}")
    # SQLite's own "database or disk is full", at a page limit just above the current size.
    event.listen(engine, "connect", lambda con, _: con.execute(f"PRAGMA max_page_count = {pages + 2}"))
    store = Store(engine)
    batch = [
        (f"big{i}.xlsx", _xlsx_bytes(f"big{i}", 20_000), _response(f"S{i}", demo_psr), None) for i in range(3)
    ]
    with pytest.raises(
        BatchNotStored, match=r"none of the 3 files \(big0.xlsx, big1.xlsx, big2.xlsx\) were stored"
    ) as failure:
        store.add_responses(info.id, batch, user="anna", expected_revision=info.revision)
    assert "is full" in str(failure.value) and "Free some space" in str(failure.value)
    store.close()
    with Store.open(f"sqlite:///{path}") as again:
        assert again.load(info.id).responses == [] and again.verify(info.id)[0].ok


def test_a_locked_sqlite_file_says_locked(tmp_path, demo_psr):
    path = tmp_path / "store.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda con, _: con.execute("PRAGMA busy_timeout = 200"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a backup tool or a database browser holding the file
    try:
        with pytest.raises(DatabaseFailure, match="is locked by another program") as failure:
            Store(engine).set_settings(info.id, {"a": 1}, user="anna", expected_revision=info.revision)
        assert failure.value.kind == "locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


def test_an_unreachable_server_says_so_on_the_command_line():
    with pytest.raises(
        DatabaseFailure, match=r"cannot reach the PostgreSQL server at .*127.0.0.1:1"
    ) as failure:
        Store.open("postgresql://nobody@127.0.0.1:1/none")
    assert failure.value.kind == "unreachable"
    run = _cli("verify", "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("cannot open the project store: cannot reach the PostgreSQL server")
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.postgres
def test_a_server_that_goes_away_says_unreachable(pg_server, demo_psr):  # noqa: F811
    url = pg_server.create_database()
    with Store.open(url) as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
        with psycopg.connect(pg_server.url().replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{url.rsplit('/', 1)[1]}' AND pid <> pg_backend_pid()"
            )
            admin.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" ALLOW_CONNECTIONS false')
        with pytest.raises(DatabaseFailure) as failure:
            store.load(info.id)
        assert failure.value.kind == "unreachable" and "nothing was saved" in str(failure.value)


@pytest.mark.postgres
def test_a_read_only_postgres_database_says_read_only(pg_server, demo_psr):  # noqa: F811
    url = pg_server.create_database()
    with Store.open(url) as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
    with psycopg.connect(pg_server.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
    with Store.open(url) as store, pytest.raises(DatabaseFailure, match="is read-only") as failure:
        store.set_settings(info.id, {"a": 1}, user="anna", expected_revision=info.revision)
    assert failure.value.kind == "read-only"


def test_a_database_from_a_newer_version_says_update(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store, store.engine.begin() as conn:  # noqa: F811
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '0099_future'")
    with pytest.raises(
        DatabaseFailure, match=r"upgraded by a newer version of slm-psr \(schema 0099_future\)"
    ) as failure:
        Store.open(db_url)
    assert failure.value.kind == "newer schema" and "Update slm-psr" in str(failure.value)
    run = _cli("projects", "--database", db_url)
    assert run.returncode == 1 and "newer version of slm-psr" in run.stderr and "Traceback" not in run.stderr


# --- batches -------------------------------------------------------------------------


def test_two_writers_importing_full_batches_at_once_store_every_file(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:  # noqa: F811
        info = store.create_project("Tender", demo_psr, user="anna")
    results: dict[str, object] = {}

    def importer(who: str) -> None:
        with Store.open(db_url) as mine:
            names = [f"{who}-{i}" for i in range(6)]
            try:
                results[who] = mine.add_responses(
                    info.id, _batch(demo_psr, names), user=who, expected_revision=info.revision, psr_version=1
                )
            except Exception as exc:  # reported below
                results[who] = exc

    threads = [threading.Thread(target=importer, args=(who,)) for who in ("anna", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert {type(r).__name__ for r in results.values()} == {"BatchStored"}, results
    # uploads only add: the second batch merges with the first in the store, no second try
    assert sorted(r.attempts for r in results.values()) == [1, 1]
    assert sorted(r.revision for r in results.values()) == [2, 3]
    assert results["anna"].message == "all 6 files stored: " + ", ".join(f"anna-{i}.xlsx" for i in range(6))
    with Store.open(db_url) as store:
        state = store.load(info.id)
        assert len(state.responses) == 12 and store.verify(info.id)[0].ok


def test_a_refused_batch_stores_none_and_names_every_file(store, demo_psr):  # noqa: F811
    info = store.create_project("Tender", demo_psr, user="anna")
    rev = store.archive_project(info.id, user="anna")
    with pytest.raises(
        BatchNotStored, match=r"none of the 2 files \(a.xlsx, b.xlsx\) were stored: .*archived"
    ) as refused:
        store.add_responses(info.id, _batch(demo_psr, ["a", "b"]), user="anna", expected_revision=rev)
    assert refused.value.filenames == ["a.xlsx", "b.xlsx"] and isinstance(refused.value.__cause__, Archived)
    rev = store.archive_project(info.id, user="anna", archived=False)
    edited = demo_psr.model_copy(update={"title": "Revised"})
    store.save_psr(info.id, edited, user="ben", expected_revision=rev)
    with pytest.raises(BatchNotStored, match=r"PSR was changed to version 2 by ben .* upload them again"):
        store.add_responses(
            info.id, _batch(demo_psr, ["a", "b"]), user="anna", expected_revision=rev, psr_version=1
        )
    with pytest.raises(ValueError, match=r"c\.xlsx: give the parsed response or the reason"):
        store.add_responses(
            info.id,
            [*_batch(demo_psr, ["a"]), ("c.xlsx", b"x", None, "")],
            user="anna",
            expected_revision=rev,
        )
    assert store.load(info.id).responses == []


def test_a_batch_gives_up_after_its_bound_with_a_message(store, demo_psr):  # noqa: F811
    info = store.create_project("Tender", demo_psr, user="anna")

    # A colleague saves a new PSR version before each try (the busiest possible project; a
    # save that does not touch the PSR would merge with the batch instead).
    real_change = store._change

    def busy_change(project_id, user, expected_revision, touches=None):
        if user == "anna":
            current = store.load(project_id)
            retitled = current.psr.model_copy(update={"title": f"Tender {current.revision}"})
            store.save_psr(project_id, retitled, user="ben", expected_revision=current.revision)
        return real_change(project_id, user, expected_revision, touches)

    store._change = busy_change
    with pytest.raises(BatchNotStored, match=r"none of the 2 files .* kept changing .* \(3 tries\)"):
        store.add_responses(
            info.id, _batch(demo_psr, ["a", "b"]), user="anna", expected_revision=1, attempts=3
        )
    del store._change
    assert store.load(info.id).responses == []


def test_the_command_line_imports_into_a_project_as_one_batch(tmp_path):
    from tests.conftest import DEMO

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    files = [str(p) for p in sorted((DEMO / "responses").glob("*.xlsx"))]
    with Store.open(url) as store:  # noqa: F811
        from slm_psr.psr_file import load_psr

        info = store.create_project("Tender 2027", load_psr(DEMO / "psr.json"), user="anna")
    run = _cli("import", *files, "--project", "#" + str(info.id), "--database", url, "--user", "anna")
    assert "project 'Tender 2027': all 6 files stored: " in run.stdout, run.stderr
    missing = _cli(
        "import",
        files[0],
        str(tmp_path / "gone.xlsx"),
        "--project",
        "Tender 2027",
        "--database",
        url,
        "--user",
        "anna",
    )
    assert missing.returncode == 1 and "nothing stored" in missing.stderr
    with Store.open(url) as store:
        assert len(store.load(info.id).responses) == 6


# --- one text rule -------------------------------------------------------------------


def test_text_is_cleaned_the_same_on_both_databases(store, demo_psr):  # noqa: F811
    long_name = "Acme " + "Managed Services " * 15  # 260 characters: PostgreSQL refused it before
    psr = demo_psr.model_copy(update={"id": "MS-" + "X" * 80})  # a PSR ID over 64 characters
    info = store.create_project("Tender\x00 2027\u200b", psr, user="an\x00na")
    assert (info.name, info.created_by, info.psr_id) == ("Tender 2027", "anna", psr.id)
    upload = (" acme\x00.xlsx\x07", _xlsx_bytes("acme"), _response(long_name + "\x00", demo_psr), None)
    rev = store.add_responses(info.id, [upload], user="anna", expected_revision=info.revision).revision
    rev = store.set_override(
        info.id,
        long_name,
        "reject",
        "Price\x00 too low.\nNo explanation given.",
        user="anna",
        expected_revision=rev,
    )
    rev = store.set_evaluator_score(
        info.id, long_name, "SD-09", "E" * 300, 7, user="eva", expected_revision=rev
    )
    state = store.load(info.id)
    (stored,) = state.responses
    assert stored.filename == "acme.xlsx" and stored.supplier == long_name.strip() == stored.response.supplier
    assert (
        state.overrides[0]["justification"] == "Price too low.\nNo explanation given."
    )  # the line break stays
    assert state.evaluator_scores[0]["evaluator"] == "E" * 300
    assert store.verify(info.id)[0].ok
    with pytest.raises(ValueError, match=r"the project name 'x+…' has 201 characters; at most 200"):
        store.create_project("x" * 201, demo_psr, user="anna")


def test_look_alike_project_names_are_one_name(store, demo_psr):  # noqa: F811
    nfc = unicodedata.normalize("NFC", "Café 2027")
    store.create_project(nfc, demo_psr, user="anna")
    store.create_project("uploads", demo_psr, user="anna")
    # Cleaned to the same text (NFC, no zero-width space): the same name outright.
    for twin in (unicodedata.normalize("NFD", "Café 2027"), "Ca\u200bfé 2027"):
        with pytest.raises(StoreError, match=f"a project named '{nfc}' already exists; choose another name"):
            store.create_project(twin, demo_psr, user="ben")
    with pytest.raises(
        StoreError, match=f"a project named '{nfc}' already exists, and 'CAFÉ 2027' counts as"
    ):
        store.create_project("CAFÉ  2027", demo_psr, user="ben")
    with pytest.raises(StoreError, match="a project named 'uploads' already exists"):
        store.copy_project(store.find_project("uploads").id, "Uploads", user="ben")
    assert store.find_project(unicodedata.normalize("NFD", "café 2027")).name == nfc
    assert len(store.list_projects()) == 2


# --- project references ----------------------------------------------------------------


def test_a_project_is_found_by_name_or_hash_id_never_guessed(store, demo_psr):  # noqa: F811
    first = store.create_project("Alpha", demo_psr, user="anna")
    named_one = store.create_project(str(first.id), demo_psr, user="anna")  # a project *named* like an ID
    assert store.find_project(str(first.id)).id == named_one.id
    assert store.find_project(f"#{first.id}").id == first.id
    assert store.find_project(f"#{named_one.id}").name == str(first.id)
    with pytest.raises(NotFound, match=rf"no project '{named_one.id + 5}'"):
        store.find_project(str(named_one.id + 5))
    with pytest.raises(NotFound, match=rf"there is no project with ID {named_one.id + 5}"):
        store.find_project(f"#{named_one.id + 5}")
    with pytest.raises(
        NotFound,
        match=rf"no project '{named_one.id}' in .*; to open project ID {named_one.id}, write #",
    ):
        store.find_project(str(named_one.id))


# --- upgrading a round-one store, and a team's two roles -----------------------------------


def _migrate(url: str, target: str, *, down: bool = False) -> None:
    from alembic import command

    from slm_psr.store import database

    engine = make_engine(url)
    config = database._config()
    with engine.execution_options(**{database.WRITE: True}).connect() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, target)
        conn.commit()
    engine.dispose()


def _chain_order(opened: Store, project_id: int) -> list[tuple[str, int]]:
    with opened.engine.connect() as conn:
        return conn.exec_driver_sql(
            f"SELECT table_name, row_id FROM history_chain WHERE project_id = {project_id} ORDER BY seq"
        ).all()


def test_a_round_one_store_is_chained_when_upgraded(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:  # noqa: F811
        project_id, rev = _full_project(store, demo_psr)
        store.save_psr(
            project_id, demo_psr.model_copy(update={"title": "Revised"}), user="ben", expected_revision=rev
        )
        twin = store.create_project("Uploads 2", demo_psr, user="ben")
        (before,) = store.verify(project_id)
        order = _chain_order(store, project_id)
    _migrate(db_url, "0001", down=True)  # as round one left it: no chain, names compared as typed
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE projects SET name = 'UPLOADS' WHERE id = {twin.id}")
        conn.exec_driver_sql(f"UPDATE projects SET name = 'uploads' WHERE id = {project_id}")
    engine.dispose()
    with Store.open(db_url) as store:
        checks = store.verify()
        assert [(c.name, c.ok, c.entries) for c in checks] == [
            ("uploads", True, before.entries),
            ("UPLOADS", True, 2),
        ]
        # the same rows, chained in the order they were written (the head differs: the audit
        # rows lost the revision they carried, which the downgrade dropped)
        assert _chain_order(store, project_id) == order
        assert store.load(project_id).psr.title == "Revised"
        assert store.find_project("#" + str(twin.id)).name == "UPLOADS"
        with pytest.raises(StoreError, match="already exists"):
            store.create_project("Uploads", demo_psr, user="anna")


@pytest.mark.postgres
def test_a_team_database_with_a_migration_role_and_an_app_role(pg_server, demo_psr):  # noqa: F811
    import uuid

    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"slm_owner_{suffix}", f"slm_app_{suffix}", f"team_{suffix}"
    with psycopg.connect(pg_server.url().replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN")
        admin.execute(f"CREATE ROLE {app} LOGIN")
        admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
    owner_url = f"postgresql://{owner}@127.0.0.1:{pg_server.port}/{database}"
    app_url = f"postgresql://{app}@127.0.0.1:{pg_server.port}/{database}"

    # Before the migration role has run, the app may not create the schema itself.
    with pytest.raises(DatabaseFailure, match="ask the administrator to run `python -m slm_psr migrate`"):
        Store.open(app_url)
    run = _cli("migrate", "--database", owner_url, "--app-role", app)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith(
        f"schema up to date; role {app} may read and insert history, not change it"
    )

    # The app role does the whole job through the store ...
    with Store.open(app_url) as store:  # noqa: F811
        project_id, rev = _full_project(store, demo_psr)
        rev = store.set_override(
            project_id, "Acme", None, "price explained after all", user="anna", expected_revision=rev
        )
        first = store.load(project_id).responses[0]
        store.remove_response(
            project_id, first.id, user="anna", expected_revision=rev, reason="withdrawn by bidder"
        )
        assert store.verify(project_id)[0].ok
    # ... but can neither change history nor switch off what guards it.
    with psycopg.connect(app_url, autocommit=True) as con:
        for statement in (
            "UPDATE audit_log SET who = 'mallory'",
            "DELETE FROM psr_versions",
            "UPDATE history_chain SET row_hash = ''",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "CREATE TABLE shadow (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)
        # What it may do, insert, is found.
        con.execute(
            "INSERT INTO audit_log (project_id, at, who, action, target) "
            f"VALUES ({project_id}, now(), 'anna', 'set_settings', 'project settings')"
        )
    with Store.open(app_url) as store:
        (check,) = store.verify(project_id)
        assert "is not on the project's history chain: it was added outside slm-psr" in check.breaks[0]
