"""Tamper-evident history: the hash chain, unlimited name columns, case-insensitive project names.

- ``history_chain``: one entry per history row, chained per project (see
  ``slm_psr.store.chain``); existing rows are chained here, oldest first, so a
  store from round one verifies from now on.
- Names, IDs, users and audit targets become unlimited text on PostgreSQL (SQLite
  never had limits), so both databases accept the same text.
- ``projects.name_key``: the name as compared (NFC, no invisible characters, case
  folded), unique; an existing pair that only differs in case keeps both, the
  later one's key gets its ID appended.

Revision ID: store
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from slm_psr.store import chain
from slm_psr.store.text import name_key

revision = "store"
down_revision = "0001"
branch_labels = None
depends_on = None

UNLIMITED = {
    "projects": ("name", "psr_id", "created_by", "updated_by"),
    "psr_versions": ("psr_id", "saved_by"),
    "responses": ("filename", "supplier", "uploaded_by", "removed_by"),
    "overrides": ("supplier", "requirement_id", "set_by"),
    "evaluator_scores": ("supplier", "requirement_id", "evaluator", "set_by"),
    "audit_log": ("who", "target"),
}
# The history tables of 0001, in the order rows of one transaction were written.
CHAINED = ("psr_versions", "responses", "audit_log")
TIME_COLUMN = {"psr_versions": "saved_at", "responses": "uploaded_at", "audit_log": "at"}
# Columns of responses that change after the upload (the audit trail accounts for them).
MUTABLE = {"responses": {"status", "superseded_by", "removed_at", "removed_by", "removed_reason"}}


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        for table, columns in UNLIMITED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.String())
    op.add_column("projects", sa.Column("name_key", sa.String(), nullable=False, server_default=""))
    projects = sa.table(
        "projects", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("name_key")
    )
    seen: set[str] = set()
    for project_id, name in bind.execute(sa.select(projects.c.id, projects.c.name).order_by(projects.c.id)):
        key = name_key(name)
        key = key if key not in seen else f"{key}#{project_id}"
        seen.add(key)
        bind.execute(sa.update(projects).where(projects.c.id == project_id).values(name_key=key))
    if postgres:
        op.alter_column("projects", "name_key", server_default=None)
    op.create_index("uq_projects_name_key", "projects", ["name_key"], unique=True)
    op.create_table(
        "history_chain",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.Integer, nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("project_id", "seq", name="uq_history_chain_project_seq"),
        sa.UniqueConstraint("table_name", "row_id", name="uq_history_chain_row"),
    )
    _append_only("history_chain", postgres)
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
    """Chain the rows already stored, per project in the order they were written."""
    metadata = sa.MetaData()
    rows: list[tuple[Any, int, int, str, int, str]] = []
    for order, name in enumerate(CHAINED):
        table = sa.Table(name, metadata, autoload_with=bind)
        columns = [c.key for c in table.c if c.key != "id" and c.key not in MUTABLE.get(name, set())]
        for values in bind.execute(sa.select(*table.c)).mappings():
            digest = chain.digest({c: values[c] for c in columns})
            when = chain.plain(values[TIME_COLUMN[name]])
            rows.append((values["project_id"], when, order, values["id"], name, digest))
    session = Session(bind=bind)
    for project_id, _when, _order, row_id, name, digest in sorted(rows, key=lambda r: r[:4]):
        chain.append(session, project_id, name, row_id, digest)
    session.flush()


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.drop_table("history_chain")
    op.drop_index("uq_projects_name_key", table_name="projects")
    op.drop_column("projects", "name_key")
    if postgres:
        for table, columns in UNLIMITED.items():
            for column in columns:
                limit = (
                    500
                    if column in ("filename", "target")
                    else 64
                    if column in ("psr_id", "requirement_id")
                    else 200
                )
                op.alter_column(table, column, type_=sa.String(limit))
