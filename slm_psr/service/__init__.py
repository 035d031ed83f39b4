"""Use cases over a stored project, shared by the pages and the command line.

    from slm_psr.service import open_project, evaluate_project, comparison_workbook
    with Store.open() as store:
        state, audit = open_project(store, "Managed IT 2027")
    result = evaluate_project(state, settings=what_if)            # overrides and scores included
    data = comparison_workbook(state, audit, evaluation=result)   # with the audit trail

Monitoring after the award is ``slm_psr.service.monitor`` (import measurements, compute a period).

Nothing here imports streamlit: a notebook, the CLI and the app do the same job the same way.
"""

from slm_psr.service.project import (
    ProjectNotFound,
    audit_rows,
    comparison_workbook,
    evaluate_project,
    evaluator_scores,
    input_files,
    level_options,
    open_project,
    robustness_of,
)
from slm_psr.service.records import audit_lines, award_record, service_report

__all__ = [
    "ProjectNotFound",
    "audit_lines",
    "audit_rows",
    "award_record",
    "comparison_workbook",
    "evaluate_project",
    "evaluator_scores",
    "input_files",
    "level_options",
    "open_project",
    "robustness_of",
    "service_report",
]
