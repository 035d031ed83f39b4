"""Reading workbooks in a worker process: a file that crashes or stalls the reader is refused, the rest are read."""

from __future__ import annotations

import pytest

from slm_psr.excel.isolation import read_responses_isolated
from slm_psr.excel.preflight import MB, Limits
from slm_psr.excel.questionnaire import write_questionnaire
from slm_psr.psr_file import load_psr
from tests import hostile_files as hostile
from tests.conftest import DEMO
from tests.test_responses import SUPPLIER, fill

# With the text budget switched off the amplification file reaches python-calamine,
# which then allocates gigabytes: only the worker's memory limit stops it.
NO_TEXT_BUDGET = Limits(max_expanded_text=10**12, max_batch_expanded_text=10**12)


@pytest.fixture(scope="module")
def psr():
    return load_psr(DEMO / "psr.json")


@pytest.fixture(scope="module")
def good(psr) -> bytes:
    return fill(write_questionnaire(psr), {"supplier": SUPPLIER, "answers": {"SD-08": "ja"}})


def test_the_worker_reads_as_the_reader_does(psr, good):
    from slm_psr.excel.responses import read_responses

    isolated = read_responses_isolated(psr, [("a.xlsx", good), ("b.xlsx", b"not a workbook")])
    direct = read_responses(psr, [("a.xlsx", good), ("b.xlsx", b"not a workbook")])
    for mine, theirs in zip(isolated.results, direct.results, strict=True):
        assert mine.to_dict() | {"seconds": 0} == theirs.to_dict() | {"seconds": 0}


def test_a_file_that_exhausts_the_workers_memory_is_refused_and_the_next_is_read(psr, good):
    bomb = hostile.amplified(good)
    seen = []
    report = read_responses_isolated(
        psr,
        [("bomb.xlsx", bomb), ("good.xlsx", good)],
        limits=NO_TEXT_BUDGET,
        memory_limit=400 * MB,
        on_file=lambda number, name: seen.append((number, name)),
    )
    bad, fine = report.results
    assert bad.rejection == (
        '"bomb.xlsx" is refused: reading it needed more than 400 MB of memory, far more than a '
        "questionnaire answer needs; open it in Excel, save it as .xlsx and send it again."
    )
    assert bad.rejection_code == "reader_failed" and bad.sha256 and bad.response is None
    assert fine.accepted and fine.response.supplier == "Messy Muster AG"
    assert seen == [(1, "bomb.xlsx"), (2, "good.xlsx")]


def test_a_file_that_overruns_its_time_is_refused(psr, good):
    report = read_responses_isolated(psr, [("slow.xlsx", good)], seconds_per_file=0.001)
    (result,) = report.results
    assert result.rejection.startswith('"slow.xlsx" is refused: reading it took longer than 0.001 seconds')


def test_each_batch_checks_its_files_against_its_own_psr_hash(psr, good):
    """The worker hashes its batch's PSR once; a second batch with a changed PSR (same ID and
    version, other content) gets its own hash, so the same file is now flagged as made from
    another PSR content, in every file of that batch, as the direct reader does."""
    from slm_psr.excel.responses import read_responses

    changed = psr.model_copy(deep=True)
    changed.evaluation.price_weight += 5
    note = "the PSR changed after this questionnaire was made"
    first = read_responses_isolated(psr, [("a.xlsx", good), ("b.xlsx", good)])
    second = read_responses_isolated(changed, [("a.xlsx", good), ("b.xlsx", good)])
    assert not any(note in text for r in first.results for text in r.notes)
    assert all(any(note in text for text in r.notes) for r in second.results)
    direct = read_responses(changed, [("a.xlsx", good), ("b.xlsx", good)])
    for mine, theirs in zip(second.results, direct.results, strict=True):
        assert mine.to_dict() | {"seconds": 0} == theirs.to_dict() | {"seconds": 0}


def test_the_worker_pauses_the_collector_per_file_and_shares_readings_within_its_batch(
    psr, good, monkeypatch
):
    """``_serve`` run in this process on framed stdin: each file read with the collector paused,
    on again between files and at the end; one store of readings for the worker's batch."""
    import gc
    import io
    import json
    import types

    from slm_psr.excel import isolation, responses

    seen: list[tuple[bool, int]] = []
    original = responses.read_with_budget

    def spy(*args, **kwargs):
        seen.append((gc.isenabled(), id(args[6])))
        return original(*args, **kwargs)

    frames = io.BytesIO()
    setup = {"psr": psr.model_dump(mode="json"), "limits": vars(Limits()), "memory_limit": 0}
    isolation._send(frames, json.dumps(setup).encode())
    for name in ("a.xlsx", "b.xlsx"):
        isolation._send(frames, json.dumps({"filename": name, "spent": 0}).encode())
        isolation._send(frames, good)
    answers = io.BytesIO()
    monkeypatch.setattr(responses, "read_with_budget", spy)
    monkeypatch.setattr(isolation, "_limit_memory", lambda limit: None)  # not this process
    monkeypatch.setattr(isolation.sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(frames.getvalue())))
    monkeypatch.setattr(isolation.sys, "stdout", types.SimpleNamespace(buffer=answers, flush=lambda: None))
    was_on = gc.isenabled()
    gc.enable()
    try:
        isolation._serve()
        assert gc.isenabled()
    finally:
        (gc.enable if was_on else gc.disable)()
    assert [on for on, _ in seen] == [False, False]
    assert seen[0][1] == seen[1][1]  # the same BatchReadings for both files
    answers.seek(0)
    assert json.loads(isolation._read_frame(answers)) == "ready"
    results = [json.loads(isolation._read_frame(answers))["result"] for _ in range(2)]
    assert all(result["rejection"] is None and result["response"] for result in results)
