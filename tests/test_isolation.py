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
