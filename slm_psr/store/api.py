"""The project store: projects, immutable PSR versions, uploads, decisions and their audit trail.

One ``Store`` per process (it holds the connection pool); every method is one
transaction, so a crash or an error leaves the last committed state. Every change
writes an audit row in the same transaction: who (passed in by the caller), when
(UTC), the action, what it touched, and the before/after as JSON text.

Two people editing one project: each change passes the ``revision`` the caller
loaded; the store bumps it with ``UPDATE ... WHERE revision = expected`` and raises
``Conflict`` when someone else saved in between, so nothing is overwritten silently.

Audit actions: create_project, copy_project, archive_project, restore_project,
save_psr, add_response, replace_response, remove_response, set_override,
withdraw_override, set_evaluator_score, withdraw_evaluator_score, set_settings.

The store imports only the model: overrides and evaluator scores go in and come out
as plain dicts, which the engine and the UI turn into their own types.
"""

from __future__ import annotations

from slm_psr.store.decisions import DecisionStore
from slm_psr.store.errors import NotFound, StoreError
from slm_psr.store.overrides import OverrideStore
from slm_psr.store.projects import ProjectStore
from slm_psr.store.psr_versions import PSRVersionStore, _psr_changes
from slm_psr.store.records import (
    AuditEntry,
    BatchNotStored,
    BatchStored,
    ProjectCheck,
    ProjectInfo,
    ProjectState,
    PSRVersionInfo,
    StoredResponse,
)
from slm_psr.store.transactions import (
    DATA_DIR,
    DATABASE_URL_ENV,
    DEFAULT_FILENAME,
    _NoChange,
    _now,
    _who,
    default_database_url,
)
from slm_psr.store.uploads import ResponseStore

# Re-exported: callers (and the store's other parts) import these from here.
__all__ = [
    "DATABASE_URL_ENV",
    "DATA_DIR",
    "DEFAULT_FILENAME",
    "AuditEntry",
    "BatchNotStored",
    "BatchStored",
    "NotFound",
    "PSRVersionInfo",
    "ProjectCheck",
    "ProjectInfo",
    "ProjectState",
    "Store",
    "StoreError",
    "StoredResponse",
    "_NoChange",
    "_now",
    "_psr_changes",
    "_who",
    "default_database_url",
]


class Store(ProjectStore, PSRVersionStore, ResponseStore, OverrideStore, DecisionStore):
    """Projects and everything decided in them; see the module docstring.

    Its parts, one module each: ``projects``, ``psr_versions``, ``uploads``,
    ``overrides``, ``decisions``, on the connection and transactions of ``transactions``.
    """
