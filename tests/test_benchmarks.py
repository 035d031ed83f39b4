"""The benchmarks at smoke size: they run and print their table. No timing is asserted here.

``make bench`` runs them at the issue's sizes; this keeps them working in CI.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from benchmarks.__main__ import HEADER, main
from benchmarks.import_bench import make_files, read_bare_calamine
from benchmarks.synthetic import make_psr
from slm_psr.excel.responses import read_responses


def test_the_smoke_run_prints_one_table_with_a_row_per_benchmark(capsys):
    assert main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "medians of 1 run(s)" in out
    assert re.search(r"Machine: \d+ CPUs \(.+\), Python 3\.\d+\.\d+, \d{4}-\d\d-\d\d \d\d:\d\d UTC", out)
    lines = [line for line in out.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == list(HEADER)
    assert set(lines[1]) <= {"|", "-"}
    body = "\n".join(lines[2:])
    for benchmark in (
        "import, end to end",
        "evaluation",
        "against the peer",
        "Store.load",
        "add_response",
        "comparison",
        "Comparison page",
        "a new session",
        "monitoring",
        "award",
    ):
        assert benchmark in body, benchmark
    # the peer is installed for the benchmarks (requirements-dev.txt): its row carries numbers
    peer_row = next(line for line in lines if "against the peer" in line)
    assert re.search(r"\| bid-evaluation 0\.1\.0 [\d.]+ m?s", peer_row), peer_row
    assert "| failed" not in body
    # The import is in place, so its row carries numbers, not "n/a".
    import_row = next(line for line in lines if line.startswith("| import, end to end"))
    assert re.search(r"\| [\d.]+ m?s +\| python-calamine [\d.]+ m?s +\| [\d.]+x", import_row), import_row


def test_one_benchmark_can_run_alone(capsys):
    assert main(["--smoke", "--only", "import", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "medians of 2 run(s)" in out
    rows = [line for line in out.splitlines() if line.startswith("| ")][1:]
    assert rows and all("import" in row for row in rows)


def test_the_generated_answers_are_real_filled_questionnaires():
    """Every file is accepted, every answer found where the questionnaire put it, names differ."""
    psr = make_psr(30)
    with tempfile.TemporaryDirectory() as folder:
        files = [(path.name, path.read_bytes()) for path in make_files(psr, 5, Path(folder))]
    report = read_responses(psr, files)
    assert not report.rejected
    suppliers = [response.supplier for response in report.responses]
    assert len(set(suppliers)) == 5
    assert all("placeholder" not in name for name in suppliers)
    for result in report.results:
        assert len(result.response.answers) == len(psr.requirements)
        assert len(result.unanswered) <= 2  # make_responses leaves about 1 % empty
        assert result.response.answers["S1-P1"].value > 0  # the price written per file
    # the bare reader sees the same sheets: Supplier, Answers, Prices and the row map
    supplier, answers, prices, meta = read_bare_calamine(files[0][1])
    assert len(answers) > len(psr.service_requirements) and len(meta) > len(psr.requirements)
    assert any(suppliers[0] in row for row in supplier)
    assert prices


def test_the_import_before_and_after_a_change_runs_both_trees_side_by_side():
    from benchmarks import import_before_after

    root = Path(__file__).resolve().parents[1]
    times = import_before_after.run(root, root, n_files=2, rounds=1, repeats=2)
    for tree in ("before", "after"):
        for name in import_before_after.CONTENDERS:
            assert len(times[tree][name]["wall"]) == len(times[tree][name]["cpu"]) == 2
            assert all(seconds > 0 for seconds in times[tree][name]["wall"])
    text = import_before_after.report(times)
    assert re.search(r"before ours [\d.]+ s \([\d.]+x own calamine, [\d.]+x pooled\)", text), text
    assert re.search(r"after  ours [\d.]+ s", text), text
