"""A stored project's evaluation and comparison workbook, the same for the app and the CLI."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from slm_psr.engine import Evaluation, evaluate
from slm_psr.model import EvaluationSettings
from slm_psr.model.vocabulary import Method
from slm_psr.reports import audit_sentence
from slm_psr.service.accounts import LOGIN_PASSWORD_ENV, NotSignedIn, Refused, team_mode
from slm_psr.service.team import GuardedStore
from slm_psr.store import AuditEntry, NotFound, ProjectState, Store

if TYPE_CHECKING:
    from slm_psr.engine.options import OptionsResult
    from slm_psr.engine.robustness import Acceptability, StabilityInterval

# The demo, the workbook writer, the robustness checks and the report words are imported
# where they are used: a command that evaluates does not pay for them at start-up.


class Sealed(Refused):
    """Asked for prices while the price envelope is sealed."""


def quality_only(settings: EvaluationSettings) -> EvaluationSettings:
    """The settings with price left out: what the comparison shows while the envelope is sealed."""
    return settings.model_copy(update={"method": Method.MEAT, "quality_weight": 100.0, "price_weight": 0.0})


class ProjectNotFound(NotFound):
    """No stored project has the ID or name asked for; the message names the ones there are."""


def open_project(store: Store, wanted: str | int) -> tuple[ProjectState, list[AuditEntry]]:
    """A stored project by ID or exact name, with its audit trail.

    The demo project is created on first use in an empty store, as the app does on
    first start, so that ``evaluate --project`` with the demo's name works on a fresh clone.
    A store with accounts must come through ``team.guard(store, actor)`` (a signed-in
    actor): the project is then as that actor may see it (``team.view``).
    """
    if not isinstance(store, GuardedStore) and team_mode(store):
        raise NotSignedIn(
            "this store has accounts: sign in first (on the command line: --login NAME, the password "
            f"is asked for or read from {LOGIN_PASSWORD_ENV})"
        )
    wanted = f"#{wanted}" if isinstance(wanted, int) else str(wanted)
    from slm_psr.demo import DEMO_PROJECT, ensure_demo_project

    if wanted == DEMO_PROJECT:
        ensure_demo_project(store)
    try:
        info = store.find_project(wanted)  # a name, or '#ID'; never a guess
    except NotFound as exc:
        raise ProjectNotFound(str(exc)) from None
    return store.load(info.id), store.audit(info.id)


MODERATED = "moderated (consensus)"  # the evaluator column of a lead's moderated score


def evaluator_scores(state: ProjectState) -> pd.DataFrame | None:
    """The evaluators' scores as the engine takes them (None when nobody has scored yet).

    Where the lead moderated a bid's score on a criterion, that consensus score stands
    alone for it (the originals stay in the project and the team records).
    """
    rows = [
        r for r in state.evaluator_score_rows() if (r["supplier"], r["requirement"]) not in state.moderated
    ]
    rows += [
        {"supplier": supplier, "requirement": requirement, "evaluator": MODERATED, "score": score}
        for (supplier, requirement), score in state.moderated.items()
    ]
    return pd.DataFrame(rows) if rows else None


def evaluate_project(
    state: ProjectState,
    *,
    settings: EvaluationSettings | None = None,
    service_weights: dict[str, float] | None = None,
) -> Evaluation:
    """The project's current responses with its overrides and evaluator scores, evaluated.

    ``settings`` and ``service_weights`` default to the published ones (pass others
    for a what-if); raises ``ValueError`` with the reason when the bids cannot be evaluated.
    While the price envelope is sealed (a team's view) the evaluation is on quality alone.
    """
    if state.sealed:
        settings = quality_only(settings or state.psr.evaluation)
    return evaluate(
        state.psr,
        state.accepted_responses(),
        overrides=state.override_models(),
        evaluator_scores=evaluator_scores(state),
        settings=settings,
        service_weights=service_weights,
    )


def level_options(state: ProjectState, *, settings: EvaluationSettings | None = None) -> OptionsResult:
    """Every bid at its best combination of priced level options, and what each level step costs and earns."""
    from slm_psr.engine.options import evaluate_options

    return evaluate_options(
        state.psr,
        state.accepted_responses(),
        overrides=state.override_models(),
        evaluator_scores=evaluator_scores(state),
        settings=settings,
    )


def input_files(state: ProjectState) -> list[tuple[str, str]]:
    """Every current upload as (file name, SHA-256), refused ones included."""
    return [(r.filename, r.sha256) for r in state.responses]


def audit_rows(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """The audit trail as the workbook's method sheet lists it: when, who and what changed, in words."""

    return [
        {"when": e.when, "who": e.who, "what": audit_sentence(e.action, e.target, e.before, e.after)}
        for e in entries
    ]


def comparison_workbook(
    state: ProjectState,
    audit: list[AuditEntry],
    *,
    evaluation: Evaluation | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The comparison workbook of the project with the published weights, input files and audit trail.

    ``evaluation`` reuses one already computed (it must be of this project with the
    published settings); by default the project is evaluated here.
    """
    if state.sealed:
        raise Sealed(
            "the comparison workbook holds the prices: it is written once the lead buyer opens the price envelope"
        )
    from slm_psr.excel.comparison import write_comparison

    result = evaluation if evaluation is not None else evaluate_project(state)
    return write_comparison(
        result,
        state.accepted_responses(),
        files=input_files(state),
        audit=audit_rows(audit),
        generated_at=generated_at,
        robustness=robustness_of(result, evaluator_scores(state)),
    )


ROBUSTNESS_DRAWS = 10_000
ROBUSTNESS_SPREAD = 0.2  # "each weight +-20 %": the default on the page and in the award file


def robustness_of(
    result: Evaluation, scores: pd.DataFrame | None, spread: float | None = ROBUSTNESS_SPREAD
) -> tuple[list[StabilityInterval], Acceptability | None] | None:
    """Stability intervals and SMAA acceptability (seeded draws); None when no bid is ranked."""
    from slm_psr.engine.robustness import acceptability, stability

    if result.ranking().empty:
        return None
    return stability(result), acceptability(
        result, draws=ROBUSTNESS_DRAWS, seed=0, spread=spread, evaluator_scores=scores
    )
