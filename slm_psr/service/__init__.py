"""Use cases over a stored project, shared by the pages and the command line.

    from slm_psr.service import open_project, evaluate_project, comparison_workbook
    with Store.open() as store:
        state, audit = open_project(store, "Managed IT 2027")
    result = evaluate_project(state, settings=what_if)            # overrides and scores included
    data = comparison_workbook(state, audit, evaluation=result)   # with the audit trail

Nothing here imports streamlit: a notebook, the CLI and the app do the same job the same way.
"""

from slm_psr.service.project import (
    ProjectNotFound,
    audit_rows,
    comparison_workbook,
    evaluate_project,
    evaluator_scores,
    input_files,
    open_project,
)

__all__ = [
    "ProjectNotFound",
    "audit_rows",
    "comparison_workbook",
    "evaluate_project",
    "evaluator_scores",
    "input_files",
    "open_project",
]
