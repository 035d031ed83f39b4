"""The record holds: the later history tables on the hash chain, saves that merge, one text rule.

- ``audit_log.revision``: the project revision each change made, so that a save on an
  older revision can see what changed since and go in when nothing it touches did
  (``slm_psr.store.overlap``). Older entries keep NULL (left out of their row hash).
- The history tables added after the chain (contracts, monitoring plans, measurement
  files, corrections, disputes, service review entries, acknowledged PSR changes) join
  it: the rows already stored are chained here, per project in the order written.
- ``psr_change_acks`` becomes append-only (an acknowledgement is history);
  ``service_review_entries`` gets PostgreSQL's truncate guard like the others.
- The name and text columns of those tables become unlimited text on PostgreSQL
  (SQLite never had limits), so both databases accept the same text.

Revision ID: record
Revises: team
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from slm_psr.store import chain

revision = "record"
down_revision = "team"
branch_labels = None
depends_on = None

UNLIMITED = {
    "contracts": ("supplier", "saved_by"),
    "monitoring_plans": ("saved_by",),
    "measurement_files": ("filename", "uploaded_by"),
    "measurement_corrections": ("record", "field", "who"),
    "measurement_disputes": ("record", "opened_by", "resolved_by"),
    "monitoring_results": ("level", "computed_by"),
    "service_review_entries": ("owner", "by"),
}
LIMITS = {"filename": 500, "record": 64, "level": 64, "field": 40}  # for the downgrade

# The tables chained here, the column that orders a project's rows, and the columns that
# change in place (left out of the row hash; the audit trail accounts for them).
CHAINED = {
    "contracts": "saved_at",
    "monitoring_plans": "saved_at",
    "measurement_files": "uploaded_at",
    "measurement_corrections": "at",
    "measurement_disputes": "opened_at",
    "service_review_entries": "at",
    "psr_change_acks": "acknowledged_at",
}
MUTABLE = {"measurement_disputes": {"resolved_at", "resolved_by", "resolution"}}


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.add_column("audit_log", sa.Column("revision", sa.Integer, nullable=True))
    op.create_index("ix_audit_log_revision", "audit_log", ["project_id", "revision"])
    if postgres:
        for table, columns in UNLIMITED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.String())
        op.execute(
            "CREATE TRIGGER service_review_entries_no_truncate BEFORE TRUNCATE ON service_review_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
        )
    _append_only("psr_change_acks", postgres)
    _chain_existing_rows(bind)


def _append_only(table: str, postgres: bool) -> None:
    if postgres:  # slm_psr_refuse_change() comes from 0001
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
        )
    else:
        message = f"{table} is append-only: its rows are history and are never changed or deleted"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _chain_existing_rows(bind: Any) -> None:
    """Chain the rows already stored, per project in the order they were written, after its chain."""
    metadata = sa.MetaData()
    rows: list[tuple[Any, str, int, int, str, str]] = []
    for order, (name, when_column) in enumerate(CHAINED.items()):
        table = sa.Table(name, metadata, autoload_with=bind)
        columns = [c.key for c in table.c if c.key != "id" and c.key not in MUTABLE.get(name, set())]
        for values in bind.execute(sa.select(*table.c)).mappings():
            digest = chain.digest({c: values[c] for c in columns})
            when = chain.plain(values[when_column])
            rows.append((values["project_id"], when, order, values["id"], name, digest))
    session = Session(bind=bind)
    for project_id, _when, _order, row_id, name, digest in sorted(rows, key=lambda r: r[:4]):
        chain.append(session, project_id, name, row_id, digest)
    session.flush()


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    names = ", ".join(f"'{name}'" for name in CHAINED)
    if postgres:
        op.execute("SET LOCAL session_replication_role = replica")  # history_chain refuses deletes
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS history_chain_no_{event}")
    op.execute(f"DELETE FROM history_chain WHERE table_name IN ({names})")
    if postgres:
        op.execute("SET LOCAL session_replication_role = DEFAULT")
        op.execute("DROP TRIGGER IF EXISTS psr_change_acks_append_only ON psr_change_acks")
        op.execute("DROP TRIGGER IF EXISTS psr_change_acks_no_truncate ON psr_change_acks")
        op.execute("DROP TRIGGER IF EXISTS service_review_entries_no_truncate ON service_review_entries")
        for table, columns in UNLIMITED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.String(LIMITS.get(column, 200)))
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS psr_change_acks_no_{event}")
        message = "history_chain is append-only: its rows are history and are never changed or deleted"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_chain_no_{event.lower()} BEFORE {event} ON history_chain "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    op.drop_index("ix_audit_log_revision", table_name="audit_log")
    op.drop_column("audit_log", "revision")
