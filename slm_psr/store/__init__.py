"""Projects that persist: SQLite by default, PostgreSQL for a team, with a tamper-evident audit trail.

    store = Store.open()                      # SLM_PSR_DATABASE_URL or var/slm_psr.sqlite3
    info = store.create_project("Managed IT 2027", psr, user="anna")
    state = store.load(info.id)               # latest PSR, responses, decisions, revision
    rev = store.save_psr(info.id, edited, user="anna", expected_revision=state.revision)

Every change takes the ``revision`` the caller loaded and raises ``Conflict`` when
someone saved in between; see ``slm_psr.store.api`` for the whole API. Every
failure is a ``StoreError`` with a message in words (``errors``); history rows are
hash-chained per project and checked on load and by ``Store.verify`` (``chain``,
``integrity``).
"""

from slm_psr.store.api import (
    DATABASE_URL_ENV,
    AuditEntry,
    BatchNotStored,
    BatchStored,
    ProjectCheck,
    ProjectInfo,
    ProjectState,
    PSRVersionInfo,
    Store,
    StoredResponse,
    default_database_url,
)
from slm_psr.store.errors import (
    Archived,
    Conflict,
    DatabaseFailure,
    NotFound,
    StoreError,
    Tampered,
)

__all__ = [
    "DATABASE_URL_ENV",
    "Archived",
    "AuditEntry",
    "BatchNotStored",
    "BatchStored",
    "Conflict",
    "DatabaseFailure",
    "NotFound",
    "PSRVersionInfo",
    "ProjectCheck",
    "ProjectInfo",
    "ProjectState",
    "Store",
    "StoreError",
    "StoredResponse",
    "Tampered",
    "default_database_url",
]
