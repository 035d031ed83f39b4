"""What keeps the store fast as a project fills: saves that do not read the stored answers,
and a load that parses each stored response once per process, with the collector paused."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import event

from slm_psr.store import Store, integrity, parsed
from tests.test_store import _response, _xlsx_bytes


@pytest.fixture
def sqlite_store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}") as opened:
        yield opened


def _statements(store: Store) -> list[str]:
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", before)
    return seen


def test_a_save_reads_no_stored_answers(sqlite_store, demo_psr):
    """Adding a file reads only the names of the current responses (to find the one it
    replaces), never their answers: its cost does not grow with the responses stored."""
    info = sqlite_store.create_project("Tender", demo_psr, user="anna")
    rev = info.revision
    for k in range(6):
        rev = sqlite_store.add_response(
            info.id, f"bid{k}.xlsx", _xlsx_bytes(f"bid{k}"), _response(f"Bidder {k}", demo_psr), None,
            user="anna", expected_revision=rev,
        )  # fmt: skip
    seen = _statements(sqlite_store)
    rev = sqlite_store.add_response(
        info.id, "new.xlsx", _xlsx_bytes("new"), _response("Newcomer", demo_psr), None,
        user="anna", expected_revision=rev,
    )  # fmt: skip
    reads = [s for s in seen if s.startswith("SELECT") and "response_json" in s]
    # the only read of answers is the chain hashing the row just inserted, by its id
    assert reads and all("WHERE responses.id = ?" in s for s in reads), reads
    # replacing a bid still finds it by the supplier's name, and keeps the old one on record
    seen.clear()
    sqlite_store.add_response(
        info.id, "bidder-3-v2.xlsx", _xlsx_bytes("v2"), _response("BIDDER 3", demo_psr), None,
        user="anna", expected_revision=rev,
    )  # fmt: skip
    state = sqlite_store.load(info.id)
    assert sorted(r.filename for r in state.responses) == sorted(
        [*(f"bid{k}.xlsx" for k in (0, 1, 2, 4, 5)), "new.xlsx", "bidder-3-v2.xlsx"]
    )
    history = {r.filename: r.status for r in sqlite_store.response_history(info.id)}
    assert history["bid3.xlsx"] == "superseded"


def test_a_stored_response_is_parsed_once_per_process(sqlite_store, demo_psr):
    info = sqlite_store.create_project("Tender", demo_psr, user="anna")
    sqlite_store.add_response(
        info.id, "acme.xlsx", _xlsx_bytes("acme"), _response("Acme", demo_psr), None,
        user="anna", expected_revision=info.revision,
    )  # fmt: skip
    parsed.forget()
    first = sqlite_store.load(info.id).responses[0].response
    again = sqlite_store.load(info.id).responses[0].response
    assert again is first and first.answers == _response("Acme", demo_psr).answers
    text = first.model_dump_json()
    changed = text.replace("Acme", "Acmf")
    assert parsed.parsed_response(text) is first
    assert parsed.parsed_response(changed).supplier == "Acmf"  # one byte differs: parsed afresh


def test_the_collector_is_paused_only_inside_and_left_as_it_was():
    assert gc.isenabled()
    with parsed.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ValueError), parsed.collector_paused():
            raise ValueError("a parse that fails")
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def test_a_load_parses_its_psr_once_and_a_changed_psr_text_afresh(sqlite_store, demo_psr, monkeypatch):
    """The load's check and the loaded state share one parse of the stored PSR text, kept per
    process; a new PSR version (another text) is parsed and hashed on its own."""
    info = sqlite_store.create_project("Tender", demo_psr, user="anna")
    parsed.forget()
    integrity.forget()
    texts: list[str] = []
    real = parsed.loads_psr
    monkeypatch.setattr(
        parsed, "loads_psr", lambda text, source="PSR": texts.append(text) or real(text, source)
    )
    first = sqlite_store.load(info.id)
    again = sqlite_store.load(info.id)
    assert len(texts) == 1 and again.psr is first.psr and first.psr == demo_psr
    heavier = demo_psr.model_copy(deep=True)
    heavier.evaluation.price_weight = 55.0
    sqlite_store.save_psr(info.id, heavier, user="anna", expected_revision=first.revision)
    assert sqlite_store.load(info.id).psr.evaluation.price_weight == 55.0
    assert len(texts) == 2  # the new version's text, parsed once for its check and its state


def test_a_load_reads_each_stored_row_once(sqlite_store, demo_psr):
    """The history check reads the chained rows (answers and audit trail included) and the
    load's state is made of those very rows: each is read once per load, as plain rows."""
    info = sqlite_store.create_project("Tender", demo_psr, user="anna")
    rev = info.revision
    for k in range(3):
        rev = sqlite_store.add_response(
            info.id, f"bid{k}.xlsx", _xlsx_bytes(f"bid{k}"), _response(f"Bidder {k}", demo_psr), None,
            user="anna", expected_revision=rev,
        )  # fmt: skip
    sqlite_store.add_response(  # bid 1 again: the older row is kept, superseded
        info.id, "bid1-v2.xlsx", _xlsx_bytes("v2"), _response("Bidder 1", demo_psr), None,
        user="anna", expected_revision=rev,
    )  # fmt: skip
    seen = _statements(sqlite_store)
    state = sqlite_store.load(info.id)
    answers = [s for s in seen if s.startswith("SELECT") and "responses.response_json" in s]
    audit = [s for s in seen if s.startswith("SELECT") and "FROM audit" in s]
    files = [s for s in seen if s.startswith("SELECT") and "response_files.data" in s]
    assert len(answers) == 1 and len(audit) == 1 and len(files) == 1, (answers, audit, files)
    # the state: the current rows only, oldest first, as before
    assert [r.filename for r in state.responses] == ["bid0.xlsx", "bid2.xlsx", "bid1-v2.xlsx"]
    assert [r.response.supplier for r in state.responses] == ["Bidder 0", "Bidder 2", "Bidder 1"]
    assert all(r.status == "current" for r in state.responses)
