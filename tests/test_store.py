"""The project store against SQLite and a real PostgreSQL: round trip, conflicts, audit, crashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from slm_psr.model import PSR, Answer, Flag, Response
from slm_psr.psr_file import dumps_psr
from slm_psr.store import Archived, Conflict, NotFound, Store, StoreError, api, transactions
from slm_psr.store.database import VERSION_TABLE
from slm_psr.store.schema import Base
from tests.conftest import ROOT, need_tool
from tests.pg_server import find_bindir, running_postgres

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    need_tool(bindir is not None, "the PostgreSQL server (initdb, pg_ctl)")
    with running_postgres(bindir) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def store(db_url):
    with Store.open(db_url) as opened:
        yield opened


def _response(supplier: str, psr: PSR, *, availability: float = 99.9) -> Response:
    """A plausible parsed response with every kind of typed value."""
    answers = {
        "SD-01": Answer(requirement_id="SD-01", value=["de", "en", "fr", "it"], raw="DE, EN, FR, IT"),
        "SD-02": Answer(requirement_id="SD-02", value="24/7", raw="24x7"),
        "SD-03": Answer(requirement_id="SD-03", value=20.0, raw="20 min", unit="minutes"),
        "SD-08": Answer(requirement_id="SD-08", value=True, raw="yes"),
        "HO-01": Answer(
            requirement_id="HO-01",
            value=availability,
            raw=f"{availability} %",
            flags=[Flag.AMBIGUOUS],
            notes=["'99,9' read as 99.9 %"],
            cell="Answers!F12",
        ),
        "SD-P1": Answer(requirement_id="SD-P1", value=12500.0, raw="12.500 €"),
    }
    return Response(
        supplier=supplier,
        contact={"name": "Kim Lee", "email": "kim@example.com"},
        psr_id=psr.id,
        psr_version=psr.version,
        answers=answers,
        notes=["sheet 'Answers' read"],
    )


def _xlsx_bytes(seed: str, size: int = 4096) -> bytes:
    return (b"PK\x03\x04" + hashlib.sha256(seed.encode()).digest()) * (size // 36)


def _full_project(store: Store, psr: PSR) -> tuple[int, int]:
    """A project with two responses, a refused file, overrides, scores and settings."""
    info = store.create_project("Managed IT 2027", psr, user="anna")
    rev = info.revision
    rev = store.add_response(
        info.id,
        "acme.xlsx",
        _xlsx_bytes("acme"),
        _response("Acme", psr),
        None,
        user="anna",
        expected_revision=rev,
    )
    rev = store.add_response(
        info.id,
        "beta.xlsx",
        _xlsx_bytes("beta"),
        _response("Beta", psr),
        None,
        user="ben",
        expected_revision=rev,
    )
    rev = store.add_response(
        info.id,
        "macro.xlsm",
        b"\xd0\xcf\x11\xe0 macro",
        None,
        "contains macros",
        user="ben",
        expected_revision=rev,
    )
    rev = store.set_override(
        info.id, "Beta", "accept", "Certificate renewal confirmed by letter of 3 Feb", user="anna",
        expected_revision=rev, requirement_id="HO-06",
    )  # fmt: skip
    rev = store.set_override(
        info.id,
        "Acme",
        "reject",
        "Abnormally low price, no explanation given",
        user="anna",
        expected_revision=rev,
    )
    rev = store.set_evaluator_score(info.id, "Acme", "SD-09", "Eva", 7, user="eva", expected_revision=rev)
    rev = store.set_evaluator_score(info.id, "Acme", "SD-09", "Otto", 8.5, user="otto", expected_revision=rev)
    rev = store.set_settings(
        info.id, {"show_excluded": True, "rounding": 2}, user="anna", expected_revision=rev
    )
    return info.id, rev


# --- round trip ---------------------------------------------------------------------


def test_whole_project_round_trips_through_a_new_connection(db_url, demo_psr):
    with Store.open(db_url) as first:
        project_id, revision = _full_project(first, demo_psr)
    with Store.open(db_url) as again:  # a restart: nothing kept in memory
        state = again.load(project_id)
        assert state.revision == revision == 9
        assert state.psr == demo_psr and dumps_psr(state.psr) == dumps_psr(demo_psr)
        assert state.psr_version == 1 and state.name == "Managed IT 2027"
        assert [r.filename for r in state.responses] == ["acme.xlsx", "beta.xlsx", "macro.xlsm"]
        acme, beta, macro = state.responses
        expected = _response("Acme", demo_psr)
        assert acme.response is not None
        assert acme.response.answers == expected.answers
        assert acme.response.answers["HO-01"].flags == [Flag.AMBIGUOUS]
        assert acme.response.answers["SD-02"].value.hours_per_week == 168
        assert acme.response.sha256 == acme.sha256 == hashlib.sha256(_xlsx_bytes("acme")).hexdigest()
        assert acme.response.file == "acme.xlsx" and acme.supplier == "Acme"
        assert again.response_bytes(acme.id) == _xlsx_bytes("acme")
        assert again.response_bytes(macro.id) == b"\xd0\xcf\x11\xe0 macro"
        assert macro.response is None and macro.rejection == "contains macros" and macro.supplier is None
        assert beta.uploaded_by == "ben" and beta.uploaded_at.tzinfo is dt.UTC
        assert [(o["supplier"], o["requirement_id"], o["decision"], o["who"]) for o in state.overrides] == [
            ("Acme", None, "reject", "anna"),
            ("Beta", "HO-06", "accept", "anna"),
        ]
        assert state.overrides[1]["justification"] == "Certificate renewal confirmed by letter of 3 Feb"
        assert [(s["evaluator"], s["score"]) for s in state.evaluator_scores] == [("Eva", 7.0), ("Otto", 8.5)]
        assert state.settings == {"show_excluded": True, "rounding": 2}
        [listed] = again.list_projects()
        assert (listed.name, listed.psr_id, listed.latest_version, listed.response_count) == (
            "Managed IT 2027", "MS-2027-01", 1, 3
        )  # fmt: skip
        assert listed.updated_by == "anna" and listed.created_by == "anna"


def test_schema_matches_the_migrations(db_url):
    with Store.open(db_url) as store, store.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}), Base.metadata
        )
        assert diffs == []


def test_default_store_creates_its_data_folder(tmp_path, monkeypatch, demo_psr):
    monkeypatch.delenv(api.DATABASE_URL_ENV, raising=False)
    monkeypatch.setattr(transactions, "DATA_DIR", tmp_path / "not" / "yet" / "var")
    with Store.open() as store:
        store.create_project("Demo", demo_psr, user="anna")
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "not" / "yet" / "var" / "slm_psr.sqlite3").is_file()


def test_database_url_from_the_environment(tmp_path, monkeypatch, demo_psr):
    path = tmp_path / "team" / "shared.sqlite3"
    monkeypatch.setenv(api.DATABASE_URL_ENV, f"sqlite:///{path}")
    with Store.open() as store:
        store.create_project("Demo", demo_psr, user="anna")
    assert path.is_file()


def test_unknown_database_kind_is_explained():
    with pytest.raises(StoreError, match=r"SQLite .* or PostgreSQL"):
        Store.open("mysql://someone@localhost/db")


def test_a_stored_evaluation_recomputes_to_the_same_numbers(store, demo_psr):
    # The engine and the reader are not the store's business; here they prove that
    # what the store keeps is enough to recompute a result, from the parsed answers
    # and from the original bytes alike.
    import pandas as pd

    from slm_psr.engine import evaluate
    from slm_psr.excel.responses import read_response
    from tests.conftest import DEMO

    files = [(path.name, path.read_bytes()) for path in sorted((DEMO / "responses").glob("*.xlsx"))]
    assert files
    read = [read_response(demo_psr, data, name) for name, data in files]
    responses = [r.response for r in read if r.response is not None]
    scores = pd.read_csv(DEMO / "evaluator_scores.csv")
    supplier = responses[0].supplier
    override = {
        "supplier": supplier,
        "decision": "reject",
        "justification": "Abnormally low price, not explained",
    }

    info = store.create_project("Recompute", demo_psr, user="anna")
    rev = info.revision
    for (name, data), result in zip(files, read, strict=True):
        rev = store.add_response(
            info.id, name, data, result.response, result.rejection, user="anna", expected_revision=rev
        )
    rev = store.set_override(info.id, **override, user="anna", expected_revision=rev)
    for row in scores.itertuples():
        rev = store.set_evaluator_score(
            info.id,
            row.supplier,
            row.requirement,
            row.evaluator,
            float(row.score),
            user="eva",
            expected_revision=rev,
        )

    state = store.load(info.id)
    # The override's who and when appear in the reasons, so the original run gets the recorded ones.
    recorded = {**override, "who": "anna", "when": state.overrides[0]["when"]}
    original = evaluate(demo_psr, responses, overrides=[recorded], evaluator_scores=scores)
    stored_scores = pd.DataFrame(state.evaluator_scores).rename(columns={"requirement_id": "requirement"})
    stored_scores = stored_scores[["supplier", "requirement", "evaluator", "score"]]
    from_answers = evaluate(
        state.psr,
        [r.response for r in state.responses if r.response is not None],
        overrides=state.overrides,
        evaluator_scores=stored_scores,
    )
    reread = [read_response(state.psr, store.response_bytes(r.id), r.filename) for r in state.responses]
    from_bytes = evaluate(
        state.psr,
        [r.response for r in reread if r.response is not None],
        overrides=state.overrides,
        evaluator_scores=stored_scores,
    )
    for again in (from_answers, from_bytes):
        for frame in ("suppliers", "scores", "services"):
            pd.testing.assert_frame_equal(getattr(again, frame), getattr(original, frame))
        assert again.winners == original.winners
    assert supplier not in original.ranking()["supplier"].tolist()


# --- PSR versions -------------------------------------------------------------------


def test_psr_versions_are_numbered_and_immutable(store, demo_psr):
    info = store.create_project("Demo", demo_psr, user="anna")
    heavier = demo_psr.model_copy(deep=True)
    heavier.requirements[1].weight = 5.0
    rev = store.save_psr(info.id, heavier, user="ben", expected_revision=info.revision)
    retitled = heavier.model_copy(update={"title": "Managed IT services (revised)"})
    rev = store.save_psr(info.id, retitled, user="anna", expected_revision=rev)

    assert [(v.version, v.saved_by) for v in store.psr_versions(info.id)] == [
        (1, "anna"),
        (2, "ben"),
        (3, "anna"),
    ]
    assert store.load_psr(info.id, 1) == demo_psr
    assert store.load_psr(info.id, 2).requirements[1].weight == 5.0
    assert store.load_psr(info.id, 2).title == demo_psr.title
    state = store.load(info.id)
    assert state.psr_version == state.psr.version == 3 and state.psr.title.endswith("(revised)")
    assert store.project(info.id).latest_version == 3

    # Saving the same content again adds no version and changes nothing.
    assert store.save_psr(info.id, state.psr, user="anna", expected_revision=rev) == rev
    assert len(store.psr_versions(info.id)) == 3

    # The database itself refuses to rewrite a saved version.
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE psr_versions SET psr_json = '{}' WHERE version = 1"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM psr_versions"))
    assert store.load_psr(info.id, 1) == demo_psr

    with pytest.raises(NotFound, match="no PSR version 9"):
        store.load_psr(info.id, 9)


def test_psr_changes_name_what_changed_in_buyer_terms(demo_psr):
    before = json.loads(dumps_psr(demo_psr))
    after = json.loads(dumps_psr(demo_psr))
    after["version"] = 2
    after["evaluation"]["price_weight"] = 55.0
    added = dict(after["requirements"][0], id="SD-10", text="Chat support")
    after["requirements"].append(added)
    old, new = api._psr_changes(before, after)
    assert old == {
        "evaluation.price_weight": before["evaluation"]["price_weight"],
        "requirements[SD-10]": None,
    }
    assert new == {"evaluation.price_weight": 55.0, "requirements[SD-10]": added}


# --- concurrency --------------------------------------------------------------------


def test_a_stale_save_is_refused_with_a_clear_message(db_url, demo_psr):
    """A save on an old revision is refused when a change since touched what it touches (here: the PSR)."""
    with Store.open(db_url) as setup:
        info = setup.create_project("Demo", demo_psr, user="anna")
    with Store.open(db_url) as anna, Store.open(db_url) as ben:
        opened_by_anna = anna.load(info.id)
        opened_by_ben = ben.load(info.id)
        edited = opened_by_ben.psr.model_copy(update={"title": "Ben's title"})
        ben_rev = ben.save_psr(info.id, edited, user="ben", expected_revision=opened_by_ben.revision)

        anna_edit = opened_by_anna.psr.model_copy(update={"title": "Anna's title"})
        stale = opened_by_anna.revision
        attempts = [
            lambda: anna.save_psr(info.id, anna_edit, user="anna", expected_revision=stale),
            # a response is read against the PSR the uploader saw: a new PSR version overlaps
            lambda: anna.add_response(
                info.id,
                "a.xlsx",
                b"x",
                _response("Acme", demo_psr),
                None,
                user="anna",
                expected_revision=stale,
            ),
        ]
        for attempt in attempts:
            with pytest.raises(Conflict) as info_conflict:
                attempt()
            conflict = info_conflict.value
            assert conflict.changed_by == "ben" and conflict.current_revision == ben_rev
            message = str(conflict)
            assert message.startswith("project 'Demo' was changed by ben at ")
            assert " UTC since you opened it (revision 1, now 2); your edits are kept" in message
            assert message.endswith("reload and apply them again")

        # Nothing of Anna's went in, and her retry after reloading does.
        state = anna.load(info.id)
        assert state.psr.title == "Ben's title" and state.responses == [] and state.overrides == []
        assert [e.action for e in anna.audit(info.id)] == ["create_project", "save_psr"]
        rev = anna.save_psr(info.id, anna_edit, user="anna", expected_revision=state.revision)
        assert rev == 3 and ben.load(info.id).psr.title == "Anna's title"


def test_saves_that_do_not_overlap_go_in_on_an_old_revision(db_url, demo_psr):
    """Ben saved the PSR (a title) meanwhile: Anna's override, score and settings touch other parts."""
    with Store.open(db_url) as setup:
        info = setup.create_project("Demo", demo_psr, user="anna")
    with Store.open(db_url) as anna, Store.open(db_url) as ben:
        stale = anna.load(info.id).revision
        opened_by_ben = ben.load(info.id)
        edited = opened_by_ben.psr.model_copy(update={"title": "Ben's title"})
        ben.save_psr(info.id, edited, user="ben", expected_revision=opened_by_ben.revision)
        assert anna.set_override(info.id, "Acme", "reject", "late", user="anna", expected_revision=stale) == 3
        assert (
            anna.set_evaluator_score(info.id, "Acme", "SD-09", "Eva", 5, user="anna", expected_revision=stale)
            == 4
        )
        assert anna.set_settings(info.id, {"x": 1}, user="anna", expected_revision=stale) == 5
        # the same override again on the old revision: that part changed since
        with pytest.raises(Conflict, match="was changed by anna"):
            anna.set_override(info.id, "Acme", "accept", "letter", user="anna", expected_revision=stale)
        # a PSR save that changes SD-09 overlaps a score on SD-09 made on the revision before it
        state = ben.load(info.id)
        reworded = state.psr.model_copy(deep=True)
        next(r for r in reworded.requirements if r.id == "SD-09").text = "Describe the onboarding plan"
        ben.save_psr(info.id, reworded, user="ben", expected_revision=state.revision)
        with pytest.raises(Conflict):
            anna.set_evaluator_score(
                info.id, "Acme", "SD-09", "Otto", 6, user="anna", expected_revision=state.revision
            )
        anna.set_evaluator_score(
            info.id, "Beta", "HO-06", "Otto", 6, user="anna", expected_revision=state.revision
        )
        final = anna.load(info.id)
        assert final.psr.title == "Ben's title" and final.settings == {"x": 1}
        assert [(o["supplier"], o["decision"]) for o in final.overrides] == [("Acme", "reject")]
        assert sorted((s["supplier"], s["evaluator"]) for s in final.evaluator_scores) == [
            ("Acme", "Eva"),
            ("Beta", "Otto"),
        ]
        assert [e.action for e in anna.audit(info.id)] == [
            "create_project", "save_psr", "set_override", "set_evaluator_score", "set_settings", "save_psr",
            "set_evaluator_score",
        ]  # fmt: skip
        assert anna.verify(info.id)[0].ok


def test_simultaneous_saves_of_one_revision_let_exactly_one_through(db_url, demo_psr):
    with Store.open(db_url) as setup:
        info = setup.create_project("Demo", demo_psr, user="anna")
    stores = [Store.open(db_url) for _ in range(4)]
    start = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def save(index: int) -> None:
        store = stores[index]
        start.wait()
        try:
            store.set_override(
                info.id,
                "Acme",
                "reject",
                f"reason {index}",
                user=f"user{index}",
                expected_revision=info.revision,
            )
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]
        state = stores[0].load(info.id)
        assert state.revision == 2 and len(state.overrides) == 1
        assert [e.action for e in stores[0].audit(info.id)] == ["create_project", "set_override"]
    finally:
        for s in stores:
            s.close()


def test_processes_opening_a_new_database_at_once_migrate_it_once(db_url):
    opener = "import sys; from slm_psr.store import Store; Store.open(sys.argv[1]).close()"
    children = [
        subprocess.Popen([sys.executable, "-c", opener, db_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    with Store.open(db_url) as store:
        assert store.list_projects() == []


def test_threads_opening_one_database_at_once(db_url):
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store.open(db_url).close()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and not any(t.is_alive() for t in threads)


# --- audit --------------------------------------------------------------------------


def test_every_kind_of_change_is_on_record(db_url, demo_psr):
    with Store.open(db_url) as store:
        project_id, rev = _full_project(store, demo_psr)
        heavier = demo_psr.model_copy(deep=True)
        heavier.requirements[2].weight = 6.5
        rev = store.save_psr(project_id, heavier, user="ben", expected_revision=rev)
        rev = store.add_response(
            project_id, "acme-v2.xlsx", _xlsx_bytes("acme2"), _response("ACME", demo_psr), None,
            user="anna", expected_revision=rev,
        )  # fmt: skip
        beta = next(r for r in store.load(project_id).responses if r.supplier == "Beta")
        rev = store.remove_response(
            project_id, beta.id, user="anna", expected_revision=rev, reason="withdrawn by the bidder"
        )
        rev = store.set_override(
            project_id, "Acme", None, "price explained in the hearing", user="anna", expected_revision=rev
        )
        rev = store.set_evaluator_score(
            project_id, "Acme", "SD-09", "Eva", None, user="eva", expected_revision=rev
        )
        rev = store.archive_project(project_id, user="carl")
        rev = store.archive_project(project_id, user="carl", archived=False)
        copy = store.copy_project(project_id, "Managed IT 2030", user="dora")

        trail = store.audit(project_id)
        assert [e.action for e in trail] == [
            "create_project",
            "add_response",
            "add_response",
            "add_response",
            "set_override",
            "set_override",
            "set_evaluator_score",
            "set_evaluator_score",
            "set_settings",
            "save_psr",
            "replace_response",
            "remove_response",
            "withdraw_override",
            "withdraw_evaluator_score",
            "archive_project",
            "restore_project",
        ]
        assert all(e.when.tzinfo is dt.UTC and e.who for e in trail)
        assert [e.id for e in trail] == sorted(e.id for e in trail)
        by_action = {e.action: e for e in trail}

        saved = by_action["save_psr"]
        assert saved.target == "PSR MS-2027-01 version 2" and saved.who == "ben"
        assert json.loads(saved.before)["changes"] == {"requirements[SD-03].weight": 4.0}
        assert json.loads(saved.after)["changes"] == {"requirements[SD-03].weight": 6.5}
        assert json.loads(saved.after)["version"] == 2

        replaced = by_action["replace_response"]
        assert replaced.target == "response acme-v2.xlsx (ACME)"
        assert json.loads(replaced.before)["filename"] == "acme.xlsx"
        assert json.loads(replaced.after)["sha256"] == hashlib.sha256(_xlsx_bytes("acme2")).hexdigest()

        removed = by_action["remove_response"]
        assert json.loads(removed.before)["status"] == "current"
        assert (
            json.loads(removed.after).items()
            >= {"status": "removed", "reason": "withdrawn by the bidder"}.items()
        )

        withdrawn = by_action["withdraw_override"]
        assert withdrawn.target == "override Acme"
        assert json.loads(withdrawn.before)["decision"] == "reject"
        assert json.loads(withdrawn.after)["justification"] == "price explained in the hearing"

        assert json.loads(by_action["withdraw_evaluator_score"].before)["score"] == 7.0
        assert by_action["withdraw_evaluator_score"].after is None
        assert json.loads(by_action["set_settings"].after) == {"show_excluded": True, "rounding": 2}
        assert json.loads(by_action["archive_project"].after) == {"archived": True}

        [copied] = store.audit(copy.id)
        assert copied.action == "copy_project" and copied.who == "dora"
        assert json.loads(copied.before)["name"] == "Managed IT 2027"

        # Append-only, enforced by the database.
        for statement in ("UPDATE audit_log SET who = 'mallory'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
                conn.execute(text(statement))
        assert [e.who for e in store.audit(project_id)] == [e.who for e in trail]


def test_a_refused_change_leaves_no_trace(store, demo_psr):
    info = store.create_project("Demo", demo_psr, user="anna")
    with pytest.raises(StoreError, match="PSR MS-2027-01 version 1 has no requirement XX-99"):
        store.set_evaluator_score(info.id, "Acme", "XX-99", "Eva", 5, user="eva", expected_revision=1)
    with pytest.raises(StoreError, match="there is no override Acme / SD-02 to withdraw"):
        store.set_override(
            info.id, "Acme", None, "by mistake", user="anna", expected_revision=1, requirement_id="SD-02"
        )
    assert store.load(info.id).revision == 1
    assert [e.action for e in store.audit(info.id)] == ["create_project"]


# --- responses ----------------------------------------------------------------------


def test_replaced_and_removed_responses_stay_on_record(store, demo_psr):
    info = store.create_project("Demo", demo_psr, user="anna")
    rev = store.add_response(
        info.id,
        "acme.xlsx",
        _xlsx_bytes("v1"),
        _response("Acme", demo_psr),
        None,
        user="anna",
        expected_revision=1,
    )
    # Same supplier, new file name: the first upload is superseded, not lost.
    rev = store.add_response(
        info.id, "Acme final.xlsx", _xlsx_bytes("v2"), _response("Acme", demo_psr, availability=99.95), None,
        user="anna", expected_revision=rev,
    )  # fmt: skip
    # Same file name again but refused this time: replaces the second upload.
    rev = store.add_response(
        info.id,
        "Acme final.xlsx",
        b"not a workbook",
        None,
        "not an Excel file",
        user="ben",
        expected_revision=rev,
    )
    [current] = store.load(info.id).responses
    assert current.rejection == "not an Excel file"
    history = store.response_history(info.id)
    assert [(r.filename, r.status) for r in history] == [
        ("acme.xlsx", "superseded"),
        ("Acme final.xlsx", "superseded"),
        ("Acme final.xlsx", "current"),
    ]
    assert history[0].superseded_by == history[1].id and history[1].superseded_by == history[2].id
    assert store.response_bytes(history[0].id) == _xlsx_bytes("v1")
    assert history[1].response.answers["HO-01"].value == 99.95

    rev = store.remove_response(info.id, current.id, user="ben", expected_revision=rev, reason="duplicate")
    assert store.load(info.id).responses == []
    removed = store.response_history(info.id)[-1]
    assert (removed.status, removed.removed_by, removed.removed_reason) == ("removed", "ben", "duplicate")
    with pytest.raises(StoreError, match="already removed"):
        store.remove_response(info.id, current.id, user="ben", expected_revision=rev)
    with pytest.raises(NotFound, match="no response with ID 999"):
        store.remove_response(info.id, 999, user="ben", expected_revision=rev)
    with pytest.raises(NotFound):
        store.response_bytes(999)


def test_a_response_must_match_its_bytes(store, demo_psr):
    info = store.create_project("Demo", demo_psr, user="anna")
    claimed = _response("Acme", demo_psr).model_copy(update={"sha256": "0" * 64})
    with pytest.raises(
        ValueError, match=r"acme.xlsx: the response was read from a file with SHA-256 000000000000"
    ):
        store.add_response(info.id, "acme.xlsx", b"bytes", claimed, None, user="anna", expected_revision=1)
    with pytest.raises(ValueError, match="give the parsed response or the reason the file was refused"):
        store.add_response(info.id, "x.xlsx", b"bytes", None, "  ", user="anna", expected_revision=1)


def test_what_the_import_said_is_kept_with_the_response(store, demo_psr):
    """The import's notes and values to review, as worded then, come back with the stored response
    (a response stored without them reads None: the page words those afresh)."""
    info = store.create_project("Demo", demo_psr, user="anna")
    said = {
        "notes": ["acme.xlsx, sheet Answers, cell F12 (HO-01 availability): '99,9' read as 99.9 %"],
        "review": [
            {"requirement_id": "HO-01", "cell": "Answers!F12", "raw": "99.9 %", "value": "99.9 %",
             "flags": ["ambiguous"], "notes": ["'99,9' read as 99.9 %"]}
        ],
    }  # fmt: skip
    rev = store.add_response(
        info.id, "acme.xlsx", _xlsx_bytes("a"), _response("Acme", demo_psr), None,
        user="anna", expected_revision=info.revision, import_review=said,
    )  # fmt: skip
    store.add_response(
        info.id, "beta.xlsx", _xlsx_bytes("b"), _response("Beta", demo_psr), None,
        user="anna", expected_revision=rev,
    )  # fmt: skip
    kept = {r.filename: r.import_review for r in store.load(info.id).responses}
    assert kept == {"acme.xlsx": said, "beta.xlsx": None}


# --- decisions and their rules --------------------------------------------------------


def test_overrides_and_scores_say_what_is_missing(store, demo_psr):
    info = store.create_project("Demo", demo_psr, user="anna")
    with pytest.raises(ValueError, match="an override needs a justification"):
        store.set_override(info.id, "Acme", "accept", "   ", user="anna", expected_revision=1)
    with pytest.raises(ValueError, match="use 'accept' or 'reject'"):
        store.set_override(info.id, "Acme", "maybe", "unsure", user="anna", expected_revision=1)
    with pytest.raises(ValueError, match="must be from 0 to 10"):
        store.set_evaluator_score(info.id, "Acme", "SD-09", "Eva", 11, user="eva", expected_revision=1)
    with pytest.raises(ValueError, match="who is making this change"):
        store.set_override(info.id, "Acme", "accept", "fine", user=" ", expected_revision=1)
    with pytest.raises(NotFound, match="no project with ID 42"):
        store.load(42)
    # Setting an override again replaces it; the trail keeps both.
    rev = store.set_override(info.id, "Acme", "ACCEPT", "first view", user="anna", expected_revision=1)
    rev = store.set_override(info.id, "Acme", "reject", "second view", user="ben", expected_revision=rev)
    [override] = store.load(info.id).overrides
    assert (override["decision"], override["justification"], override["who"]) == (
        "reject",
        "second view",
        "ben",
    )
    assert override["when"].tzinfo is dt.UTC
    assert [json.loads(e.after)["decision"] for e in store.audit(info.id)[1:]] == ["accept", "reject"]


# --- projects -----------------------------------------------------------------------


def test_copy_starts_a_new_tender_and_archive_hides_and_freezes(store, demo_psr):
    project_id, rev = _full_project(store, demo_psr)
    rev = store.save_psr(
        project_id, demo_psr.model_copy(update={"term_months": 48}), user="anna", expected_revision=rev
    )
    copy = store.copy_project(project_id, "Managed IT 2031", user="ben", psr_id="MS-2031-01")
    state = store.load(copy.id)
    assert (state.psr.id, state.psr.version, state.psr.term_months) == ("MS-2031-01", 1, 48)
    assert state.responses == [] and state.overrides == [] and state.evaluator_scores == []
    assert state.settings == {"show_excluded": True, "rounding": 2} and state.revision == 1
    assert store.load(project_id).psr.id == "MS-2027-01"  # the source is untouched

    with pytest.raises(StoreError, match="a project named 'Managed IT 2031' already exists"):
        store.copy_project(project_id, "Managed IT 2031", user="ben")
    with pytest.raises(StoreError, match="already exists"):
        store.create_project("Managed IT 2027", demo_psr, user="ben")

    rev = store.archive_project(project_id, user="carl")
    assert store.archive_project(project_id, user="carl") == rev  # already archived: no change
    assert [p.name for p in store.list_projects()] == ["Managed IT 2031"]
    assert [p.archived for p in store.list_projects(include_archived=True)] == [True, False]
    with pytest.raises(Archived, match="is archived; restore it before changing it"):
        store.set_settings(project_id, {}, user="carl", expected_revision=rev)
    assert store.load(project_id).revision == rev  # the refused change rolled back
    rev = store.archive_project(project_id, user="carl", archived=False)
    assert store.set_settings(project_id, {}, user="carl", expected_revision=rev) == rev + 1


# --- a crash in the middle of a save ----------------------------------------------------

_CRASHING_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from sqlalchemy import event
    from slm_psr.model import Response
    from slm_psr.store import Store

    url, ready, project_id, revision, operation = sys.argv[1:]
    project_id, revision = int(project_id), int(revision)
    store = Store.open(url)
    if operation == "add_response":
        data = os.urandom(24 * 1024 * 1024)
        save = lambda: store.add_response(
            project_id, "huge.xlsx", data, Response(supplier="Crashco"), None, user="crash",
            expected_revision=revision,
        )
    else:
        psr = store.load(project_id).psr.model_copy(update={"title": "never saved"})
        save = lambda: store.save_psr(project_id, psr, user="crash", expected_revision=revision)

    @event.listens_for(store.engine, "commit")
    def stall(connection):
        # Every statement of the save has run; the commit has not. Say so and wait to be killed.
        Path(ready).write_text("in transaction")
        time.sleep(300)

    save()
    print("the save committed, which it must not")
    """
)


@pytest.mark.parametrize("operation", ["add_response", "save_psr"])
def test_a_save_killed_mid_transaction_leaves_the_last_committed_state(db_url, operation, tmp_path, demo_psr):
    with Store.open(db_url) as store:
        project_id, rev = _full_project(store, demo_psr)
        before = store.load(project_id)
        trail = store.audit(project_id)

    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_SAVE, db_url, str(ready), str(project_id), str(rev), operation],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if child.poll() is not None:
                out, err = child.communicate()
                pytest.fail(
                    f"the saving process ended early ({child.returncode}):\n{out.decode()}{err.decode()}"
                )
            assert time.monotonic() < deadline, "the saving process never reached its commit"
            time.sleep(0.05)
        with Store.open(db_url) as observer:  # readers are not blocked by the open transaction
            assert observer.load(project_id).revision == rev
            # The child really is inside its transaction, with its writes sent.
            if observer.engine.dialect.name == "postgresql":
                with observer.engine.connect() as conn:
                    assert conn.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND state = 'idle in transaction'"
                    ).scalar()
            elif operation == "add_response":
                wal = Path(observer.engine.url.database + "-wal")
                assert wal.stat().st_size > 20 * 1024 * 1024
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    with Store.open(db_url) as store:
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        after = store.load(project_id)
        assert after == before
        assert store.audit(project_id) == trail
        assert len(store.psr_versions(project_id)) == 1
        assert [r.filename for r in store.response_history(project_id)] == [
            "acme.xlsx",
            "beta.xlsx",
            "macro.xlsm",
        ]
        # The write lock died with the process: the next save goes through at once.
        started = time.monotonic()
        new_rev = store.add_response(
            project_id,
            "gamma.xlsx",
            b"gamma",
            _response("Gamma", demo_psr),
            None,
            user="anna",
            expected_revision=rev,
        )
        assert new_rev == rev + 1 and time.monotonic() - started < 20
        assert store.load(project_id).responses[-1].supplier == "Gamma"


# --- command line -------------------------------------------------------------------


def test_store_module_imports_only_the_model():
    source = "\n".join(p.read_text() for p in (ROOT / "slm_psr" / "store").rglob("*.py"))
    imported = {
        line.split()[1] for line in source.splitlines() if line.startswith(("from slm_psr", "import slm_psr"))
    }
    outside = {name for name in imported if name != "slm_psr.store" and not name.startswith("slm_psr.store.")}
    # and the store itself; psr_merge is pure data (it imports nothing of ours): PSR saves merge under the
    # lock; collector pauses the garbage collector while a load parses (it imports nothing of ours)
    assert outside <= {"slm_psr.model", "slm_psr.psr_file", "slm_psr.psr_merge", "slm_psr.collector"}
