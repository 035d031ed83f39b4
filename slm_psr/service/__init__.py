"""Use cases over a stored project, shared by the pages and the command line.

    from slm_psr.service import open_project, evaluate_project, comparison_workbook
    with Store.open() as store:
        state, audit = open_project(store, "Managed IT 2027")
    result = evaluate_project(state, settings=what_if)            # overrides and scores included
    data = comparison_workbook(state, audit, evaluation=result)   # with the audit trail

Monitoring after the award is ``slm_psr.service.monitor`` (import measurements, compute a period).

Nothing here imports streamlit: a notebook, the CLI and the app do the same job the same way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name is imported from its module when first used: the command line's commands
# need only a few of them, and the records bring a PDF library and the charts with them.
_WHERE = {
    "ProjectNotFound": "project",
    "audit_rows": "project",
    "comparison_workbook": "project",
    "evaluate_project": "project",
    "evaluator_scores": "project",
    "input_files": "project",
    "level_options": "project",
    "open_project": "project",
    "robustness_of": "project",
    "audit_lines": "records",
    "award_record": "records",
    "service_report": "records",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


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
