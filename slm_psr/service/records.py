"""A stored project's printable records: the award record and the monthly service report, the same for the app and the CLI."""

from __future__ import annotations

import datetime as dt

from slm_psr.engine import Evaluation
from slm_psr.engine.options import OptionsResult
from slm_psr.reports import AuditLine, FileLine, VersionLine, audit_sentence, award_record_pdf
from slm_psr.reports.service_report import service_report_pdf
from slm_psr.service.lots import LotAward, award_of_project
from slm_psr.service.project import Sealed, evaluate_project, evaluator_scores, level_options, robustness_of
from slm_psr.store import AuditEntry, ProjectState, PSRVersionInfo, Store, StoredResponse


def audit_lines(entries: list[AuditEntry]) -> list[AuditLine]:
    """The audit trail in words, oldest first."""
    return [AuditLine(e.when, e.who, audit_sentence(e.action, e.target, e.before, e.after)) for e in entries]


def _state(response: StoredResponse) -> str:
    if response.status == "removed":
        return "taken out of the evaluation" + (
            f": {response.removed_reason}" if response.removed_reason else ""
        )
    if response.status == "superseded":
        return "replaced by a later upload"
    if response.response is None:
        return f"refused: {response.rejection}"
    return "read and evaluated"


def file_lines(responses: list[StoredResponse]) -> list[FileLine]:
    """Each upload with its SHA-256 and what became of it."""
    return [
        FileLine(r.filename, r.sha256, r.supplier, _state(r), r.uploaded_by, r.uploaded_at) for r in responses
    ]


def version_lines(versions: list[PSRVersionInfo]) -> list[VersionLine]:
    return [VersionLine(v.version, v.saved_at, v.saved_by, v.content_hash) for v in versions]


def award_record(
    store: Store,
    state: ProjectState,
    *,
    evaluation: Evaluation | None = None,
    generated_at: dt.datetime | None = None,
    prepared_by: str = "",
    options: OptionsResult | None = None,
    lots: LotAward | None = None,
) -> bytes:
    """The project's award record as PDF bytes, with the published weights.

    Every upload on record is listed (replaced and removed ones too), with the PSR
    versions and the audit trail from the store. ``evaluation`` reuses one already
    computed with the published settings; ``options`` and ``lots`` the level options
    and the award across lots (computed here when the PSR has them and they are not given).
    """
    if state.sealed:
        raise Sealed(
            "the award record holds the prices: it is written once the lead buyer opens the price envelope"
        )
    result = evaluation if evaluation is not None else evaluate_project(state)
    if options is None and any(r.options for r in state.psr.requirements):
        options = level_options(state)
    lot_notes: list[str] = []
    if lots is None and state.psr.lots is not None:
        try:
            lots = award_of_project(state)
        except ValueError as exc:
            lot_notes.append(f"The lots cannot be awarded yet: {exc}")
    return award_record_pdf(
        result,
        versions=version_lines(store.psr_versions(state.id)),
        files=file_lines(store.response_history(state.id)),
        audit=audit_lines(store.audit(state.id)),
        evaluator_scores=evaluator_scores(state),
        generated_at=generated_at,
        prepared_by=prepared_by,
        robustness=robustness_of(result, evaluator_scores(state)),
        envelope=envelope_words(store, state),
        options=options,
        lots=lots.result if lots is not None else None,
        lot_notes=[*lot_notes, *(lots.lots.notes if lots is not None else [])],
    )


def envelope_words(store: Store, state: ProjectState) -> str:
    """Whether the PSR's two-envelope procedure applied and, in a team, who froze and who opened when."""
    from slm_psr.service.accounts import team_mode
    from slm_psr.service.team import team_of

    if not state.psr.evaluation.sealed_prices:
        return "does not apply (the PSR says so): prices were read openly from the start"
    if not team_mode(store):
        return "applies; this store has no accounts (single-user mode), so nothing was sealed from anyone"
    team = team_of(store, state.id)
    if team.frozen is None or team.opened is None:
        return "applies; the price envelope is not opened yet"
    frozen, opened = team.frozen, team.opened
    return (
        f"applies: quality scores frozen by {frozen.by} at {frozen.at:%Y-%m-%d %H:%M} UTC "
        f"(SHA-256 {frozen.data.get('sha256', '?')[:16]}...), then the price envelope opened by {opened.by} "
        f"at {opened.at:%Y-%m-%d %H:%M} UTC with the file and price hashes of {len(opened.data.get('bids', []))} "
        "bids on record"
    )


def service_report(
    store: Store, project_id: int, period: str, *, generated_at: dt.datetime | None = None
) -> tuple[bytes, bytes]:
    """The monthly service report for ``period`` (``YYYY-MM``): (PDF bytes, workbook bytes).

    One computation for both parties (the monitoring service's), so the supplier's copy
    is the buyer's copy; the workbook holds the same frames for the period.
    """
    from slm_psr.model import SLASchedule
    from slm_psr.service.monitor import MonitoringError, monitor
    from slm_psr.store.monitoring import MonitoringStore

    contract = MonitoringStore(store).contract(project_id)
    if contract is None:
        raise MonitoringError("no confirmed contract yet: confirm the awarded bid's SLA schedule first")
    report = monitor(store, project_id, save=False)
    if period not in report.periods:
        raise MonitoringError(f"no results for {period}; the measured months are {', '.join(report.periods)}")
    from slm_psr.service import review as reviews

    rv = reviews.current(store, project_id, period)
    entries = [
        (reviews.PARTY_WORDS[e.party].removeprefix("the ").capitalize(), e.text, "", "")
        for e in rv.current("comment")
        if e.party
    ]
    entries += [("Action", e.text, e.owner or "", e.due or "") for e in rv.current("action")]
    signed = [
        f"Signed off for {reviews.PARTY_WORDS[p]} by {e.by} on {e.at:%Y-%m-%d}" for p, e in rv.signed.items()
    ]
    pdf = service_report_pdf(
        SLASchedule.model_validate(contract.schedule),
        period,
        results=report.results,
        ledger=report.ledger,
        termination=report.termination,
        files=report.files,
        review=entries,
        signed=signed,
        review_version=rv.version,
        generated_at=generated_at,
    )
    return pdf, report.period(period).to_xlsx()
