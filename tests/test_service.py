"""The project service (slm_psr.service): one evaluation and one workbook of a stored project for
the app and the CLI alike, with overrides, evaluator scores, what-if weights and the audit trail."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
import python_calamine

from slm_psr.demo import DEMO_PROJECT, DEMO_SCORES
from slm_psr.engine import evaluate
from slm_psr.excel.responses import read_responses
from slm_psr.service import (
    ProjectNotFound,
    audit_rows,
    comparison_workbook,
    evaluate_project,
    open_project,
)
from slm_psr.store import Store
from tests.conftest import DEMO

WESTPARK = "Westpark Datacenter Services GmbH"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The demo project in a fresh store, plus an override accepting Westpark."""
    url = f"sqlite:///{tmp_path_factory.mktemp('service') / 'store.sqlite3'}"
    with Store.open(url) as store:
        state, _ = open_project(store, DEMO_PROJECT)  # created on first use, as the app does
        store.set_override(
            state.id, WESTPARK, "accept", "confirmed in writing",
            user="A. Buyer", expected_revision=state.revision,
        )  # fmt: skip
        state, audit = open_project(store, state.id)
    return state, audit


def test_the_stored_project_evaluates_like_its_files(stored):
    """The service reads the same inputs the files give: answers, the two evaluators' scores and
    the stored override (without it, Westpark would need review)."""
    state, _ = stored
    files = sorted((DEMO / "responses").glob("*.xlsx"))
    report = read_responses(state.psr, [(p.name, p.read_bytes()) for p in files])
    responses = [r.response for r in report.results if r.response is not None]
    expected = evaluate(
        state.psr, responses, overrides=state.override_models(), evaluator_scores=pd.read_csv(DEMO_SCORES)
    )
    got = evaluate_project(state)
    columns = ["supplier", "status", "rank", "total"]
    pd.testing.assert_frame_equal(got.suppliers[columns], expected.suppliers[columns])
    assert got.suppliers.set_index("supplier").loc[WESTPARK, "status"] == "qualified"


def test_what_if_weights_change_the_result_not_the_published_one(stored):
    """Only hosting counting (SD and RP at 0), as in test_engine_evaluate's what-if."""
    state, _ = stored
    what_if = evaluate_project(state, service_weights={"SD": 0, "RP": 0})
    assert what_if.service_weights["SD"] == 0.0
    assert evaluate_project(state).service_weights == {s.id: s.weight for s in state.psr.services}


def test_the_workbook_carries_the_audit_trail(stored):
    state, audit = stored
    data = comparison_workbook(state, audit)
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("method")
    text = "\n".join(str(cell) for row in rows.to_python() for cell in row)
    assert "Audit trail" in text
    for entry in audit_rows(audit):
        assert f"action: {entry['action']}" in text
    assert {"create_project", "add_response", "set_override"} <= {e.action for e in audit}
    # no negative zero (the demo's scores sheet held some before the sheet kit guarded against it)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<v>-0</v>" in xml for xml in sheets)
    # every current upload is listed with its SHA-256
    for response in state.responses:
        assert response.sha256 in text


def test_an_unknown_project_names_the_ones_there_are(tmp_path):
    with (
        Store.open(f"sqlite:///{tmp_path / 'empty.sqlite3'}") as store,
        pytest.raises(ProjectNotFound, match=r"no project 'nope' in sqlite:.*; projects: none"),
    ):
        open_project(store, "nope")
