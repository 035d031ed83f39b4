"""Cached pure computations for the pages: keyed on plain data (PSR text, file bytes), never on widgets.

Reading workbooks is not cached: it runs in a worker process (``excel.isolation``)
and each upload is read once before it is stored. An evaluation is cached per a
digest of everything it depends on, so moving a slider back to an earlier value
or switching pages costs nothing; it is kept once per process as computed (not
pickled: a new session, a second tab, gets it without copying a table) and each
session reads it through a view of its own (``_session_view``); a chart's
Vega-Lite spec per its input tables.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from slm_psr import charts, service
from slm_psr.engine import Evaluation
from slm_psr.engine.options import OptionsResult
from slm_psr.excel.isolation import read_responses_isolated
from slm_psr.excel.responses import ImportReport
from slm_psr.model import PSR, EvaluationSettings
from slm_psr.service.lots import LotAward, award_of_project
from slm_psr.store import AuditEntry, ProjectState, Store


def read_uploads(
    psr: PSR, files: list[tuple[str, bytes]], *, on_file: Callable[[int, str], object] | None = None
) -> ImportReport:
    """Supplier workbooks read against the PSR in a worker process (a file that crashes it is refused)."""
    return read_responses_isolated(psr, files, on_file=on_file)


def plain(value: Any) -> str:
    """JSON text of plain data, stable across runs (a cache key)."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


Shared = TypeVar("Shared", Evaluation, OptionsResult)  # results kept once per process (see _session_view)
RECENT_EVALUATIONS = 2  # per session: the published weights and the what-if on screen


@st.cache_resource(max_entries=64, show_spinner="Evaluating the bids…")
def _evaluate(key: str, _project: ProjectState, settings_json: str, weights_json: str) -> Evaluation:
    # ``key`` stands for everything of the project the evaluation reads (see evaluation()).
    # One object per process, shared by every session: read only through _session_view.
    return service.evaluate_project(
        _project,
        settings=EvaluationSettings.model_validate_json(settings_json),
        service_weights=json.loads(weights_json),
    )


def _view(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)  # copy-on-write: a write or a new column copies, here only
    if isinstance(value, list | dict | set):
        return type(value)(value)
    return value  # text, numbers, and the PSR and settings (pydantic models, read-only like the project's)


def _session_view(shared: Shared) -> Shared:
    """One session's view of a result the process shares: no table is copied, none can be changed.

    Every table is a shallow copy: it shares the shared table's data, and under
    pandas' copy-on-write a write to it, or a column added, copies what it changes
    into this view only, so a page cannot reach the shared result or another
    session. Lists and dicts are copied. An evaluation's score table (built on
    first read) is built once, in the shared evaluation, and viewed the same way.
    """
    changes: dict[str, Any] = (
        {"scores": lambda: _view(shared.scores)} if isinstance(shared, Evaluation) else {}
    )
    for f in dataclasses.fields(shared):
        if f.name not in changes:
            changes[f.name] = _view(getattr(shared, f.name))
    return dataclasses.replace(shared, **changes)


def evaluation(
    project: ProjectState,
    *,
    settings: EvaluationSettings | None = None,
    service_weights: dict[str, float] | None = None,
) -> Evaluation:
    """The evaluation of the open project (optionally with what-if weights), cached on what it depends on."""
    settings = settings or project.psr.evaluation
    weights = service_weights or {s.id: s.weight for s in project.psr.services}
    settings_json = settings.model_dump_json()
    weights_json = plain(weights)
    key = inputs_key(project)
    # The session keeps its views of the evaluations on screen, so a rerun takes them as they are.
    recent = st.session_state.setdefault("_evaluations", {})
    memo_key = (id(Evaluation), key, settings_json, weights_json)
    if memo_key in recent:
        recent[memo_key] = recent.pop(memo_key)  # most recently used last
        return recent[memo_key]
    result = _session_view(_evaluate(key, project, settings_json, weights_json))
    recent[memo_key] = result
    while len(recent) > RECENT_EVALUATIONS:
        recent.pop(next(iter(recent)))
    return result


@st.cache_resource(max_entries=16, show_spinner="Evaluating the level options…")
def _level_options(key: str, _project: ProjectState) -> OptionsResult:
    # ``key`` stands for what it reads, as in _evaluate; shared by the sessions, read through _session_view
    return service.level_options(_project)


def inputs_key(project: ProjectState) -> str:
    """What every evaluation of the project reads, as a cache key (one list for every cache)."""
    return plain(
        [
            project.id,
            project.psr_version,
            project.psr_hash,
            [r.id for r in project.responses],
            project.overrides,
            project.evaluator_scores,
            project.value_decisions,  # a settled value changes what the engine reads
            project.sealed,  # a team's view: prices sealed, moderated scores
            sorted(project.moderated.items()),
        ]
    )


def level_options(project: ProjectState) -> OptionsResult:
    """Every bid at its best combination of level options (published weights), cached on the project's inputs."""
    key = inputs_key(project)
    return _session_view(_level_options(key, project))


@st.cache_data(max_entries=16, show_spinner="Solving the award across lots…")
def _lot_award(key: str, _project: ProjectState) -> LotAward:
    return award_of_project(_project)  # ``key`` stands for what it reads, as in _evaluate


def lot_award(project: ProjectState) -> LotAward:
    """The optimal award across the project's lots, its rules' prices and the runner-up (cached)."""
    key = inputs_key(project)
    return _lot_award(key, project)


@st.cache_data(max_entries=128, show_spinner=False)
def _chart_spec(builder: str, frames: tuple[pd.DataFrame, ...], options_json: str) -> dict[str, Any]:
    # Streamlit's own conversion (what st.altair_chart does on every run): it validates
    # the spec against the Vega-Lite schema and serialises each data set to Arrow, tens
    # of milliseconds per chart. Done once per input here; it holds Streamlit's lock
    # around Altair's global data transformer.
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    chart = getattr(charts, builder)(*frames, **json.loads(options_json))
    return dict(_convert_altair_to_vega_lite_spec(chart))


def chart(builder: str, *frames: pd.DataFrame, **options: Any) -> None:
    """Draw ``charts.<builder>(*frames, **options)`` full width, its Vega-Lite spec cached on the inputs.

    The builders are pure, so equal tables give an equal chart: a rerun that changed
    nothing it shows reuses the spec instead of converting the chart again.
    """
    try:
        spec = _chart_spec(builder, tuple(frames), plain(options))
    except (ImportError, AttributeError, TypeError):
        # The helper is private to Streamlit: if a release moves or changes it, draw
        # the chart the public way (converted on every run, as before).
        st.altair_chart(getattr(charts, builder)(*frames, **options), width="stretch")
        return
    st.vega_lite_chart(spec, width="stretch")


def comparison_workbook(project: ProjectState, audit: list[AuditEntry]) -> bytes:
    """The comparison workbook with the published weights, the input files and the audit trail."""
    return service.comparison_workbook(project, audit, evaluation=evaluation(project))


def award_record(project: ProjectState, store: Store, prepared_by: str) -> bytes:
    """The award record (PDF) with the published weights, the files, the PSR versions and the audit trail."""
    psr = project.psr
    options = level_options(project) if any(r.options for r in psr.requirements) else None
    try:
        lots = lot_award(project) if psr.lots is not None else None
    except ValueError:
        lots = None  # the service tries again and puts the reason in the record
    return service.award_record(
        store, project, evaluation=evaluation(project), prepared_by=prepared_by, options=options, lots=lots
    )


def evaluation_or_stop(project: ProjectState, **what_if: Any) -> Evaluation:
    """The evaluation, or the reason it cannot be done shown to the buyer (and the page stops)."""
    try:
        return evaluation(project, **what_if)
    except ValueError as exc:
        st.error(f"The bids cannot be evaluated yet: {exc}", icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers informed
