"""Projects that persist: SQLite by default, PostgreSQL for a team, with an audit trail.

    store = Store.open()                      # SLM_PSR_DATABASE_URL or var/slm_psr.sqlite3
    info = store.create_project("Managed IT 2027", psr, user="anna")
    state = store.load(info.id)               # latest PSR, responses, decisions, revision
    rev = store.save_psr(info.id, edited, user="anna", expected_revision=state.revision)

Every change takes the ``revision`` the caller loaded and raises ``Conflict`` when
someone saved in between; see ``slm_psr.store.api`` for the whole API.
"""

from slm_psr.store.api import (
    DATABASE_URL_ENV,
    Archived,
    AuditEntry,
    Conflict,
    NotFound,
    ProjectInfo,
    ProjectState,
    PSRVersionInfo,
    Store,
    StoredResponse,
    StoreError,
    default_database_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "Archived",
    "AuditEntry",
    "Conflict",
    "NotFound",
    "PSRVersionInfo",
    "ProjectInfo",
    "ProjectState",
    "Store",
    "StoreError",
    "StoredResponse",
    "default_database_url",
]
