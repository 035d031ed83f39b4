"""The command line (slm_psr.cli), every subcommand in one place: validate, projects, questionnaire,
import and evaluate (from files, from a JSON list of responses, and of a stored project: the same
result as the files it was made from, and the app's workbook with the audit trail)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import python_calamine

from slm_psr.cli import main
from slm_psr.excel.comparison import SHEETS
from slm_psr.excel.responses import read_responses
from slm_psr.psr_file import load_psr
from slm_psr.store import Store
from tests import test_engine_evaluate, test_store
from tests.conftest import DEMO, ROOT
from tests.test_comparison import table
from tests.test_engine_evaluate import DEMO_SCORES
from tests.test_store import _full_project

# fixtures of the modules whose data these commands read
demo_bids = test_engine_evaluate.demo_bids
db_url, pg_server = test_store.db_url, test_store.pg_server


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_evaluate_a_stored_project_like_its_files(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    psr = load_psr(DEMO / "psr.json")
    files = sorted((DEMO / "responses").glob("*.xlsx"))
    with Store.open(url) as store:
        info = store.create_project("Tender", psr, user="A. Buyer")
        revision = info.revision
        for result in read_responses(psr, [(p.name, p.read_bytes()) for p in files]).results:
            revision = store.add_response(
                info.id, result.filename, (DEMO / "responses" / result.filename).read_bytes(),
                result.response, result.rejection, user="A. Buyer", expected_revision=revision,
            )  # fmt: skip
        revision = store.set_evaluator_score(
            info.id, "Nordwind IT Services AG", "SD-09", "A. Keller", 9,
            user="A. Keller", expected_revision=revision,
        )  # fmt: skip
        store.set_override(
            info.id, "Westpark Datacenter Services GmbH", "accept", "confirmed in writing",
            user="A. Buyer", expected_revision=revision,
        )  # fmt: skip

    scores = tmp_path / "scores.csv"
    scores.write_text("supplier,requirement,evaluator,score\nNordwind IT Services AG,SD-09,A. Keller,9\n")
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps(
            [
                {
                    "supplier": "Westpark Datacenter Services GmbH",
                    "decision": "accept",
                    "justification": "confirmed in writing",
                }
            ]
        )
    )
    from_files = _cli(
        "evaluate", "data/demo/psr.json", *map(str, files), "--evaluator-scores", str(scores),
        "--overrides", str(overrides), "--json", str(tmp_path / "files.json"),
    )  # fmt: skip
    assert from_files.returncode == 0, from_files.stderr
    from_store = _cli(
        "evaluate", "--project", "Tender", "--database", url, "--json", str(tmp_path / "store.json"),
        "-o", str(tmp_path / "comparison.xlsx"),
    )  # fmt: skip
    assert from_store.returncode == 0, from_store.stderr

    def ranking(path):
        data = json.loads(path.read_text())
        return {s["supplier"]: (s["status"], s["rank"], round(s["total"] or 0, 6)) for s in data["suppliers"]}

    stored = ranking(tmp_path / "store.json")
    assert stored == ranking(tmp_path / "files.json")
    assert stored["Westpark Datacenter Services GmbH"][0] == "qualified"  # the stored override counted
    # the app's workbook: the audit trail of the store is on the method sheet
    book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "comparison.xlsx"))
    method = "\n".join(str(c) for row in book.get_sheet_by_name("method").to_python() for c in row)
    assert "Audit trail" in method and "by override; justification:" in method  # in words


def test_evaluate_names_an_unknown_project(tmp_path):
    run = _cli("evaluate", "--project", "nope", "--database", f"sqlite:///{tmp_path / 's.sqlite3'}")
    assert run.returncode == 1
    assert "no project 'nope'" in run.stderr
    both = _cli("evaluate", "data/demo/psr.json", "--project", "x")
    assert both.returncode == 1 and "not both" in both.stderr


def test_the_demo_project_evaluates_from_a_fresh_store_as_the_readme_says(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    run = _cli("evaluate", "--project", "Demo: managed IT services 2027", "--database", url)
    assert run.returncode == 0, run.stderr
    assert "6 bids" in run.stdout
    assert "Alpenblick Digital GmbH" in run.stdout and "disqualified" in run.stdout
    listed = _cli("projects", "--database", url)
    assert "Demo: managed IT services 2027" in listed.stdout


def test_cli_lists_projects(db_url, demo_psr):
    with Store.open(db_url) as store:
        project_id, _ = _full_project(store, demo_psr)
        old = store.create_project("Old tender", demo_psr, user="ben")
        store.archive_project(old.id, user="ben")
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "projects", "--database", db_url],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    header, line = run.stdout.splitlines()
    assert header.split() == [
        "ID",
        "name",
        "PSR",
        "version",
        "responses",
        "updated",
        "by",
        "updated",
        "at",
        "(UTC)",
    ]
    assert line.split()[:8] == [str(project_id), "Managed", "IT", "2027", "MS-2027-01", "1", "3", "anna"]
    everything = subprocess.run(
        [sys.executable, "-m", "slm_psr", "projects", "--all", "--database", db_url],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Old tender (archived)" in everything.stdout


def test_cli_reports_an_unreachable_database(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "slm_psr", "projects", "--database", "postgresql://nobody@127.0.0.1:1/none"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.startswith("cannot open the project store: ") and "Traceback" not in run.stderr
    empty = subprocess.run(
        [sys.executable, "-m", "slm_psr", "projects", "--database", f"sqlite:///{tmp_path / 'new' / 'p.sqlite3'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert empty.returncode == 0 and empty.stdout.startswith("no projects in sqlite:///")


def test_cli_import_reads_the_demo_answers(tmp_path, capsys):
    files = sorted(str(p) for p in (DEMO / "responses").glob("*.xlsx"))
    report = tmp_path / "r.json"
    assert main(["import", str(DEMO / "psr.json"), *files, "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "6 read, 0 rejected" in out
    assert "westpark.xlsx: accepted, Westpark Datacenter Services GmbH" in out
    assert "review HO-01 (Answers!G14): '0.995'" in out
    assert json.loads(report.read_text(encoding="utf-8"))["accepted"] == 6


def test_cli_import_exits_1_when_a_file_is_rejected(tmp_path, capsys):
    bad = tmp_path / "offer.xlsx"
    bad.write_text("Company;Price\nACME;1000\n", encoding="utf-8")
    good = DEMO / "responses" / "nordwind.xlsx"
    report = tmp_path / "r.json"
    code = main(["import", str(DEMO / "psr.json"), str(bad), str(good), "--report", str(report)])
    assert code == 1
    out = capsys.readouterr().out
    assert "offer.xlsx: REJECTED" in out and "CSV" in out and "nordwind.xlsx: accepted" in out
    assert json.loads(report.read_text(encoding="utf-8"))["rejected"] == 1
    assert main(["import", str(DEMO / "psr.json"), str(good), str(tmp_path / "gone.xlsx")]) == 1
    captured = capsys.readouterr()
    assert "nordwind.xlsx: accepted" in captured.out and "gone.xlsx: cannot be read" in captured.err


def test_cli_writes_the_questionnaire(tmp_path, capsys, demo_psr):
    out = tmp_path / "q.xlsx"
    assert main(["questionnaire", str(DEMO / "psr.json"), "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    printed = capsys.readouterr().out
    assert f"questionnaire for {demo_psr.id} version 1" in printed
    assert main(["questionnaire", str(tmp_path / "nope.json"), "-o", str(out)]) == 1


def test_cli_validate_ok():
    run = _cli("validate", "data/demo/psr.json")
    assert run.returncode == 0, run.stderr
    assert "valid PSR MS-2027-01 version 1" in run.stdout
    assert "HO Hosting: weight 45" in run.stdout


def test_cli_validate_reports_errors(tmp_path, demo_psr_dict):
    demo_psr_dict["requirements"].append(dict(demo_psr_dict["requirements"][1]))
    demo_psr_dict["services"][0]["weight"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(demo_psr_dict))
    run = _cli("validate", str(bad))
    assert run.returncode == 1
    assert "not a valid PSR" in run.stderr
    assert "duplicate requirement ID SD-02" in run.stderr
    assert "service SD: weight -1; service weights must be positive" in run.stderr


def test_cli_help_lists_commands():
    run = _cli("--help")
    assert run.returncode == 0 and "validate" in run.stdout


def test_cli_evaluate_with_responses_json(tmp_path, demo_bids, capsys):
    responses = tmp_path / "responses.json"
    responses.write_text(json.dumps([r.model_dump(mode="json") for r in demo_bids]), encoding="utf-8")
    evaluator = tmp_path / "scores.csv"
    DEMO_SCORES.to_csv(evaluator, index=False)
    out = tmp_path / "result.json"
    psr = "data/demo/psr.json"
    code = main(
        [
            "evaluate",
            psr,
            "--responses-json",
            str(responses),
            "--evaluator-scores",
            str(evaluator),
            "--json",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    lines = printed.splitlines()
    assert lines[0] == (
        "MS-2027-01 version 1: 4 bids, Most economically advantageous tender (MEAT), "
        "price points = max x Pmin / P"
    )
    assert lines[2].split()[:3] == ["1", "Beta", "qualified"]
    assert "- SD-01 languages: offered DE, EN; required DE, EN, FR; missing FR" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [s["supplier"] for s in data["suppliers"]] == ["Beta", "Alpha", "Delta", "Gamma"]


def test_cli_evaluate_rejects_bad_overrides(tmp_path, demo_bids, capsys):
    responses = tmp_path / "responses.json"
    responses.write_text(json.dumps([r.model_dump(mode="json") for r in demo_bids]), encoding="utf-8")
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps([{"supplier": "Gamma", "decision": "accept", "justification": ""}]))
    code = main(
        ["evaluate", "data/demo/psr.json", "--responses-json", str(responses), "--overrides", str(overrides)]
    )
    assert code == 1
    assert "override for Gamma: a justification is required" in capsys.readouterr().err


def test_demo_evaluation_exports_through_the_cli(tmp_path):
    out = tmp_path / "comparison.xlsx"
    files = sorted(str(p) for p in (DEMO / "responses").glob("*.xlsx"))
    proc = subprocess.run(
        [sys.executable, "-m", "slm_psr", "evaluate", str(DEMO / "psr.json"), *files, "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"comparison: {out}" in proc.stdout
    wb = python_calamine.CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names == list(SHEETS)
    summary = wb.get_sheet_by_name("summary").to_python()
    assert any(str(row[0]).startswith("Winner: ") for row in summary)
    listed = table(wb.get_sheet_by_name("method").to_python(skip_empty_area=False), "File")
    assert sorted(f["File"] for f in listed) == sorted(p.split("/")[-1] for p in files)
    assert all(re.fullmatch("[0-9a-f]{64}", f["SHA-256"]) for f in listed)


def test_weights_from_a_pairwise_matrix(tmp_path):
    """`weights` on the demo's service judgements (Service desk = Hosting, each 3 x Reporting):
    a consistent matrix, so the weights are exactly 3/7, 3/7, 1/7 and the ratio 0."""
    out = tmp_path / "w.json"
    done = _cli("weights", str(DEMO / "service_weights_ahp.csv"), "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "Service desk 42.9 %, Hosting 42.9 %, Reporting 14.3 %" in done.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["weights"] == pytest.approx({"Service desk": 3 / 7, "Hosting": 3 / 7, "Reporting": 1 / 7})
    assert data["consistency_ratio"] == pytest.approx(0.0, abs=1e-9)


def test_weights_names_a_bad_cell_and_warns_on_inconsistency(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(",A,B\nA,1,lots\nB,,1\n", encoding="utf-8")
    done = _cli("weights", str(bad))
    assert done.returncode == 1
    assert "row 2, column 3 (A against B): 'lots' is not a judgement" in done.stderr
    cycle = tmp_path / "cycle.csv"
    cycle.write_text("A,B,9\nB,C,9\nC,A,9\n", encoding="utf-8")
    done = _cli("weights", str(cycle))
    assert done.returncode == 0 and "above 0.10" in done.stdout


def test_evaluate_json_carries_stability_and_acceptability(tmp_path):
    out = tmp_path / "r.json"
    files = [str(p) for p in sorted((DEMO / "responses").glob("*.xlsx"))]
    done = _cli(
        "evaluate", str(DEMO / "psr.json"), *files,
        "--evaluator-scores", str(DEMO / "evaluator_scores.csv"), "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    price = next(s for s in data["stability"] if s["key"] == "price")
    assert price["winners"] == ["Nordwind IT Services AG"] and 0.46 < price["winner_interval"][1] < 0.47
    first = {s["supplier"]: s["rank_acceptability"][0] for s in data["acceptability"]["suppliers"]}
    assert max(first, key=first.get) == "Nordwind IT Services AG"
    assert data["acceptability"]["draws"] == 10_000


def _imported(*args: str) -> set[str]:
    """The modules ``python -m slm_psr ARGS`` imports (from ``-X importtime``), after it succeeded."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "slm_psr", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line.split("|")[-1] for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert lines, "no import times: was -X importtime ignored?"
    return {line.strip() for line in lines}


HEAVY = ("sqlalchemy", "alembic", "altair", "fpdf", "streamlit", "openpyxl", "xlsxwriter")


@pytest.mark.parametrize("args", [("--help",), ("validate", "data/demo/psr.json")], ids=["help", "validate"])
def test_help_and_validate_start_without_pandas_or_the_store(args):
    """Start-up is imports: a command imports what it needs when it runs, so asking for help or
    checking a PSR file never loads pandas, the database layer, the charts or the PDF writer."""
    modules = _imported(*args)
    assert "slm_psr.cli" in modules
    loaded = sorted(m for m in modules if m.split(".")[0] in ("pandas", *HEAVY))
    assert loaded == [], loaded


def test_evaluating_files_does_not_load_the_store_the_charts_or_the_pdf_writer(tmp_path):
    files = sorted(str(p.relative_to(ROOT)) for p in (DEMO / "responses").glob("*.xlsx"))
    modules = _imported("evaluate", "data/demo/psr.json", *files)
    assert "pandas" in modules and "slm_psr.engine" in modules  # it evaluates
    loaded = sorted(
        {m.split(".")[0] for m in modules} & {"sqlalchemy", "alembic", "altair", "fpdf", "streamlit"}
    )
    assert loaded == [], loaded
