"""Sessions of one process sharing the evaluation: no copy per session, no session changing it,
and a project's new revision loaded and evaluated afresh (AppTest, on the demo project)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from slm_psr import service
from slm_psr.store import Store

TIMEOUT = 60


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", url)
    return url


def _session(mutate: bool) -> None:
    """One page run: open the project, take its evaluation; optionally write to everything in it."""
    import streamlit as st

    from slm_psr.ui import compute, state

    state.init()
    project = state.project()
    view = compute.evaluation(project)
    weights = {s.id: s.weight for s in project.psr.services}
    settings_json = project.psr.evaluation.model_dump_json()
    shared = compute._evaluate(compute.inputs_key(project), project, settings_json, compute.plain(weights))
    st.session_state.probe = {"view": view, "shared": shared, "project": project}
    if mutate:  # what a careless page could do to the tables it was handed
        first = view.suppliers.index[0]
        view.suppliers.loc[first, "total"] = -1.0
        view.suppliers["added by a page"] = 1
        view.scores.loc[view.scores.index[0], "points"] = -5.0
        view.services.iloc[0, 0] = "changed"
        view.warnings.append("a page's own warning")
        view.service_weights["nothing"] = 1.0


def _run(mutate: bool = False) -> AppTest:
    at = AppTest.from_function(_session, kwargs={"mutate": mutate}, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _same_numbers(view: pd.DataFrame, shared: pd.DataFrame) -> bool:
    """True when every numeric column of ``view`` is the very data of ``shared``'s (not a copy)."""
    columns = list(shared.select_dtypes("float").columns)  # plain arrays (a nullable column converts)
    assert columns
    return all(np.shares_memory(view[c].to_numpy(), shared[c].to_numpy()) for c in columns)


def test_sessions_share_one_evaluation_without_copying_and_none_can_change_it(database):
    first = _run(mutate=True).session_state["probe"]
    second = _run().session_state["probe"]
    shared, view = second["shared"], second["view"]
    assert shared is first["shared"]  # one object per process: no unpickled copy per session
    assert view is not shared and view is not first["view"]  # each session its own view
    # the view's tables are the shared tables' data, not copies
    for name in ("suppliers", "scores", "services", "weights"):
        assert _same_numbers(getattr(view, name), getattr(shared, name)), name
    # what the first session wrote stayed in its view: the shared evaluation and the second
    # session's view equal an evaluation computed afresh from the same project
    fresh = service.evaluate_project(second["project"])
    for evaluation in (shared, view):
        for name in ("suppliers", "scores", "services", "weights", "leave_one_out"):
            pd.testing.assert_frame_equal(getattr(evaluation, name), getattr(fresh, name))
        assert evaluation.warnings == fresh.warnings
        assert evaluation.service_weights == fresh.service_weights
    mutated = first["view"]
    assert mutated.suppliers["total"].iloc[0] == -1.0 and "added by a page" in mutated.suppliers
    assert "a page's own warning" in mutated.warnings


def test_the_score_table_is_built_once_for_every_session(database):
    first = _run().session_state["probe"]
    first["view"].scores  # noqa: B018  (read: built in the shared evaluation)
    built = first["shared"].__dict__["scores"]
    assert isinstance(built, pd.DataFrame)
    second = _run().session_state["probe"]
    assert _same_numbers(second["view"].scores, built)


def test_a_new_revision_is_loaded_and_evaluated_afresh(database):
    before = _run().session_state["probe"]
    project = before["project"]
    heavier = project.psr.model_copy(deep=True)
    heavier.evaluation.price_weight = project.psr.evaluation.price_weight + 10
    with Store.open(database) as store:
        store.save_psr(project.id, heavier, user="anna", expected_revision=project.revision)
    after = _run().session_state["probe"]
    assert after["project"].revision > project.revision
    assert after["project"].psr.evaluation.price_weight == heavier.evaluation.price_weight
    assert after["shared"] is not before["shared"]
    assert after["view"].settings.price_weight == heavier.evaluation.price_weight
    # the earlier revision's evaluation is untouched (another session may still show it)
    assert before["shared"].settings.price_weight == project.psr.evaluation.price_weight


def _options_session(mutate: bool) -> None:
    import streamlit as st

    from slm_psr.ui import compute, state

    state.init()
    project = state.project()
    view = compute.level_options(project)
    shared = compute._level_options(compute.inputs_key(project), project)
    st.session_state.probe = {"view": view, "shared": shared, "project": project}
    if mutate:
        view.bids.loc[view.bids.index[0], view.bids.columns[0]] = "changed"
        view.levels["added by a page"] = 1
        view.notes.append("a page's own note")


def test_sessions_share_the_level_options_the_same_way(database):
    at = AppTest.from_function(_options_session, kwargs={"mutate": True}, default_timeout=TIMEOUT)
    at.run()
    first = at.session_state["probe"]
    at = AppTest.from_function(_options_session, kwargs={"mutate": False}, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    second = at.session_state["probe"]
    shared, view = second["shared"], second["view"]
    assert shared is first["shared"] and view is not shared
    assert not shared.levels.empty and _same_numbers(view.levels, shared.levels)
    fresh = service.level_options(second["project"])
    for result in (shared, view):
        pd.testing.assert_frame_equal(result.bids, fresh.bids)
        pd.testing.assert_frame_equal(result.levels, fresh.levels)
        assert result.notes == fresh.notes
