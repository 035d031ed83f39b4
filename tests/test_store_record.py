"""The record holds for the tables added after the hash chain, and eight people can work at once.

On SQLite and a real PostgreSQL: an insider edit to a contract, a monitoring plan, a
measurement file, a correction, a settled dispute, a service review entry, an
acknowledged PSR change or a value decision is found by load and by verify (as
``test_store_integrity`` does for round two's tables); the text rule holds for their
names; a batch of measurement files is one decision; and eight writers changing
different parts of one project at once all get their saves in.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pytest

from slm_psr.service import saving
from slm_psr.store import BatchNotStored, Conflict, Store
from slm_psr.store.contracts import ContractStore
from slm_psr.store.monitoring import MeasurementUpload, MonitoringStore
from slm_psr.store.reviews import ReviewStore
from tests.test_store import _full_project, db_url, pg_server  # noqa: F401 - fixtures
from tests.test_store_integrity import _refused, tamper


def _upload(name: str, text: str = "", *, rejection: str | None = None) -> MeasurementUpload:
    data = f"start,end\n2027-01-0{len(name) % 9 + 1} 10:00,{text}\n".encode()
    return MeasurementUpload(
        name, data, hashlib.sha256(data).hexdigest(), "outages", b"records", [], rejection
    )


def _later_history(store: Store, project_id: int, rev: int, psr) -> int:
    """Everything after the evaluation: PSR v2 acknowledged, a value decision, contract, monitoring, review."""
    rev = store.save_psr(
        project_id, psr.model_copy(update={"title": "Revised"}), user="ben", expected_revision=rev
    )
    rev = store.acknowledge_psr_change(project_id, 2, user="anna", expected_revision=rev)
    rev = store.set_value_decision(
        project_id, "Acme", "HO-01", "confirm", "99,9 is 99.9 %", user="anna", expected_revision=rev
    )
    contracts = ContractStore(store)
    schedule = {"supplier": "Acme", "psr_version": 2, "levels": [{"id": "HO-01", "committed": 99.9}]}
    _, rev = contracts.save_contract(project_id, schedule, user="anna", expected_revision=rev)
    _, rev = contracts.confirm_contract(project_id, 1, user="anna", expected_revision=rev)
    ms = MonitoringStore(store)
    rev = ms.save_plan(project_id, {"HO-01": {"records": "outages"}}, user="anna", expected_revision=rev)
    rev, _ = ms.add_measurement_files(project_id, [_upload("a.csv", "x")], user="anna", expected_revision=rev)
    rev = ms.correct(
        project_id, "R1", "end", "10:30", "10:20", "ticket 42", user="anna", expected_revision=rev
    )
    rev = ms.dispute(project_id, "R1", "supplier", "planned", user="sam", expected_revision=rev)
    dispute = ms.disputes(project_id)[0]["id"]
    rev = ms.settle_dispute(project_id, dispute, "agreed: unplanned", user="anna", expected_revision=rev)
    return ReviewStore(store).add(
        project_id, "2027-01", "comment", "slow January", party="buyer", user="anna", expected_revision=rev
    )


@pytest.fixture
def later(db_url, demo_psr):  # noqa: F811 - the fixture imported above
    with Store.open(db_url) as store:
        project_id, rev = _full_project(store, demo_psr)
        _later_history(store, project_id, rev, demo_psr)
        (check,) = store.verify(project_id)
        assert check.ok, check.breaks
    return db_url, project_id


# (SQL run behind slm-psr's back, the words load and verify must say first)
TAMPERING = {
    "contracts": (
        "UPDATE contracts SET psr_version = 1 WHERE status = 'confirmed'",
        r"contract schedule version 2 \(confirmed, Acme\) was changed after it was saved",
    ),
    "monitoring_plans": (
        "UPDATE monitoring_plans SET plan_json = '{}'",
        r"monitoring plan version 1 was changed after it was saved",
    ),
    "measurement_files": (
        "UPDATE measurement_files SET notes_json = '[\"forged\"]'",
        r"measurement file \d+ \(a.csv, imported by anna\) was changed after it was saved",
    ),
    "measurement_corrections": (
        "UPDATE measurement_corrections SET after = '10:01'",
        r"correction of end of measurement R1 \(by anna\) was changed after it was saved",
    ),
    "measurement_disputes": (
        "UPDATE measurement_disputes SET resolution = 'agreed: planned'",
        r"the settlement of the dispute on measurement R1 \(raised by the supplier\) differs from its audit entry",
    ),
    "service_review_entries": (
        "UPDATE service_review_entries SET text = 'a fine January'",
        r"service review entry \d+ \(2027-01, comment by anna\) was changed after it was saved",
    ),
    "psr_change_acks": (
        "DELETE FROM psr_change_acks",
        r"psr_change_acks row \d+ \(history entry \d+\) was deleted",
    ),
    "value_decisions": (
        "UPDATE value_decisions SET decision = 'correct', value_json = '99.0'",
        r"the decision on value Acme / HO-01 is corrected to 99.0 in the database, but confirmed as read by "
        r"anna on record: it was changed outside slm-psr",
    ),
}


@pytest.mark.parametrize("table", list(TAMPERING))
def test_an_edit_to_a_later_history_table_is_found(later, table):
    url, project_id = later
    statement, expected = TAMPERING[table]
    tamper(url, statement)
    _refused(url, project_id, expected)


def test_a_value_decision_added_or_deleted_behind_the_apps_back_is_found(later):
    url, project_id = later
    tamper(url, "DELETE FROM value_decisions")
    _refused(url, project_id, r"the decision on value Acme / HO-01 is on record but missing: it was deleted")


def test_a_measurement_file_changed_with_its_hash_recomputed_is_still_found(later):
    url, project_id = later
    forged = b"start,end\n"
    tamper(url, f"UPDATE measurement_files SET sha256 = '{hashlib.sha256(forged).hexdigest()}'")
    _refused(
        url, project_id, r"measurement file \d+ \(a.csv, imported by anna\) was changed after it was saved"
    )


# --- one text rule on both databases for the later tables --------------------------------------


def test_long_names_and_control_characters_are_stored_alike_on_both_databases(db_url, demo_psr):  # noqa: F811
    supplier = "Ac\x00me " + "Gesellschaft für Informationstechnik " * 7  # 260 characters, a NUL
    with Store.open(db_url) as store:
        info = store.create_project("Text", demo_psr, user="anna")
        contracts, ms = ContractStore(store), MonitoringStore(store)
        _, rev = contracts.save_contract(
            info.id, {"supplier": supplier, "psr_version": 1}, user="anna", expected_revision=info.revision,
            note="signed\x00 copy",
        )  # fmt: skip
        name = "outages-" + "x" * 600 + "\x07.csv"
        rev, _ = ms.add_measurement_files(info.id, [_upload(name)], user="anna", expected_revision=rev)
        record = "TICKET-" + "9" * 120
        rev = ms.correct(info.id, record + "\x00", "resolved at", None, "12:00\x00", "late\x1b", user="anna",
                         expected_revision=rev)  # fmt: skip
        ReviewStore(store).add(info.id, "2027-01", "action", "call them", owner="O" * 300, user="anna",
                               expected_revision=rev)  # fmt: skip
        stored = contracts.contract(info.id)
        assert stored.supplier == supplier.replace("\x00", "").strip() and len(stored.supplier) > 200
        assert stored.note == "signed copy"
        assert ms.measurement_files(info.id)[0].filename == "outages-" + "x" * 600 + ".csv"
        (correction,) = ms.corrections(info.id)
        assert (correction["record"], correction["after"], correction["reason"]) == (record, "12:00", "late")
        assert store.verify(info.id)[0].ok


# --- a batch of measurement files is one decision ---------------------------------------------


def test_a_refused_measurement_batch_stores_none_and_names_every_file(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:
        info = store.create_project("Archived", demo_psr, user="anna")
        rev = store.archive_project(info.id, user="anna")
        ms = MonitoringStore(store)
        with pytest.raises(
            BatchNotStored, match=r"none of the 3 files \(a.csv, b.csv, c.csv\) were stored: .*archived"
        ):
            ms.add_measurement_files(
                info.id, [_upload("a.csv", "1"), _upload("b.csv", "2"), _upload("c.csv", "3")], user="anna",
                expected_revision=rev,
            )  # fmt: skip
        assert ms.measurement_files(info.id) == []


def test_two_people_importing_measurement_batches_at_once_store_every_file(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:
        info = store.create_project("Monitoring", demo_psr, user="anna")
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def importer(who: str) -> None:
        with Store.open(db_url) as mine:
            files = [_upload(f"{who}-{i}.csv", f"{who}{i}") for i in range(4)]
            start.wait()
            try:
                outcomes[who] = MonitoringStore(mine).add_measurement_files(
                    info.id, files, user=who, expected_revision=info.revision
                )
            except Exception as exc:  # reported by the assertion below
                outcomes[who] = exc

    threads = [threading.Thread(target=importer, args=(who,)) for who in ("anna", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(isinstance(o, tuple) for o in outcomes.values()), outcomes
    with Store.open(db_url) as store:
        names = sorted(f.filename for f in MonitoringStore(store).measurement_files(info.id))
        assert names == sorted(f"{w}-{i}.csv" for w in ("anna", "ben") for i in range(4))
        assert store.verify(info.id)[0].ok


# --- saves that do not overlap merge ---------------------------------------------------------------


def test_a_psr_save_merges_a_colleagues_save_of_other_fields(db_url, demo_psr):  # noqa: F811
    with Store.open(db_url) as store:
        info = store.create_project("Merge", demo_psr, user="anna")
        opened = store.load(info.id)
        ben = opened.psr.model_copy(deep=True)
        ben.evaluation.price_weight = 35.0
        store.save_psr(info.id, ben, user="ben", expected_revision=opened.revision)
        anna = opened.psr.model_copy(update={"title": "Managed IT, lot 1"})
        saved = saving.save_psr(
            store, info.id, anna, base_version=1, expected_revision=opened.revision, user="anna"
        )
        assert (saved.version, saved.merged) == (3, True)
        merge = json.loads(store.audit(info.id)[-1].after)["merged"]
        assert merge == {"edited_from": 1, "kept": ["evaluation, price weight: 40 -> 35"]}
        psr = store.load(info.id).psr
        assert (psr.title, psr.evaluation.price_weight) == ("Managed IT, lot 1", 35.0)
        # both changing the same field differently: nothing saved, both sides named
        carl = psr.model_copy(update={"title": "Carl's title"})
        store.save_psr(info.id, psr.model_copy(update={"title": "Dora's title"}), user="dora",
                       expected_revision=saved.revision)  # fmt: skip
        with pytest.raises(saving.PSRClash, match=r"dora saved PSR version 4 .*\(title: yours Carl's title, "
                           r"dora's Dora's title\): nothing was saved"):  # fmt: skip
            saving.save_psr(
                store, info.id, carl, base_version=3, expected_revision=saved.revision, user="carl"
            )
        assert store.load(info.id).psr_version == 4


def _writer(
    url: str, project_id: int, index: int, rounds: int, start: threading.Barrier, errors: list
) -> None:
    """One of eight people, each changing their own part of the project ``rounds`` times."""
    with Store.open(url) as store:
        revision = store.load(project_id).revision  # then only what their own saves return
        start.wait()
        for k in range(rounds):
            try:
                if index == 0:
                    revision = store.set_settings(
                        project_id, {"round": k}, user="w0", expected_revision=revision
                    )
                elif index in (1, 2):
                    supplier, requirement = ("Acme", None) if index == 1 else ("Beta", "HO-06")
                    revision = store.set_override(
                        project_id, supplier, ("accept", "reject")[k % 2], f"round {k}", user=f"w{index}",
                        expected_revision=revision, requirement_id=requirement,
                    )  # fmt: skip
                elif index in (3, 4):
                    supplier, evaluator = ("Acme", "Eva") if index == 3 else ("Beta", "Otto")
                    revision = store.set_evaluator_score(
                        project_id,
                        supplier,
                        "SD-09",
                        evaluator,
                        k % 11,
                        user=f"w{index}",
                        expected_revision=revision,
                    )
                elif index == 5:
                    revision = store.set_value_decision(
                        project_id, "Acme", "HO-01", "correct", f"round {k}", value=99.0 + k / 100, user="w5",
                        expected_revision=revision,
                    )  # fmt: skip
                else:  # two people editing the PSR: a title, a requirement's wording
                    state = store.load(project_id)
                    psr = state.psr.model_copy(deep=True)
                    if index == 6:
                        psr.title = f"Managed IT, round {k}"
                    else:
                        next(r for r in psr.requirements if r.id == "SD-01").text = f"Languages, round {k}"
                    revision = saving.save_psr(
                        store, project_id, psr, base_version=state.psr_version, expected_revision=state.revision,
                        user=f"w{index}",
                    ).revision  # fmt: skip
            except Exception as exc:  # every failure is reported by the test
                errors.append((index, k, exc))


@pytest.mark.parametrize("rounds", [12])
def test_eight_people_changing_different_parts_at_once_all_get_in(db_url, demo_psr, rounds):  # noqa: F811
    with Store.open(db_url) as store:
        project_id, _ = _full_project(store, demo_psr)
        before = len(store.audit(project_id))
    errors: list = []
    start = threading.Barrier(8)
    threads = [
        threading.Thread(target=_writer, args=(db_url, project_id, i, rounds, start, errors))
        for i in range(8)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - began
    assert errors == [] and not any(t.is_alive() for t in threads)
    last = rounds - 1
    with Store.open(db_url) as store:
        state = store.load(project_id)  # the chain and the replay hold
        assert store.verify(project_id)[0].ok
        assert state.settings == {"round": last}
        overrides = {(o["supplier"], o["requirement_id"]): o["justification"] for o in state.overrides}
        assert overrides[("Acme", None)] == overrides[("Beta", "HO-06")] == f"round {last}"
        scores = {(s["supplier"], s["evaluator"]): s["score"] for s in state.evaluator_scores}
        assert scores[("Acme", "Eva")] == scores[("Beta", "Otto")] == last % 11
        (decision,) = state.value_decisions
        assert decision["value"] == 99.0 + last / 100
        assert state.psr.title == f"Managed IT, round {last}"
        assert state.psr.requirement("SD-01").text == f"Languages, round {last}"
        # every save is on record once (a PSR save that merged is one save)
        assert len(store.audit(project_id)) - before == 8 * rounds
    print(f"\n8 writers x {rounds} saves on {db_url.split(':')[0]}: {elapsed:.1f} s, 0 refused")


def test_a_save_on_a_revision_the_record_cannot_explain_is_a_conflict(db_url, demo_psr):  # noqa: F811
    # Audit entries written before migration 'record' carry no revision: no merging over them.
    with Store.open(db_url) as store:
        info = store.create_project("Old", demo_psr, user="anna")
        rev = store.set_settings(info.id, {"a": 1}, user="ben", expected_revision=info.revision)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update") if db_url.startswith(
                "sqlite"
            ) else conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            conn.exec_driver_sql("UPDATE audit_log SET revision = NULL")
        with pytest.raises(Conflict, match=f"revision 1, now {rev}"):
            store.set_override(
                info.id, "Acme", "reject", "late", user="anna", expected_revision=info.revision
            )
