"""`evaluate --project`: a stored project gives the same result as the files it was made from."""

from __future__ import annotations

import json
import subprocess
import sys

import python_calamine

from slm_psr.excel.responses import read_responses
from slm_psr.psr_file import load_psr
from slm_psr.store import Store
from tests.conftest import DEMO, ROOT


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
    assert "Audit trail" in method and "action: set_override" in method


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
