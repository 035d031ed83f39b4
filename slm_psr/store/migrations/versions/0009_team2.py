"""Roles per project: an account is lead buyer on one project and evaluator or observer on another.

- ``project_roles``: per project and account the role there (``lead``, ``evaluator``,
  ``observer``), ``none`` (no access to that project) or ``default`` (back to the
  account's store-wide role in ``users``); append-only, the latest row per account
  winning, and on the project's history chain like the other team tables. An
  administrator's role is store-wide and never set per project.

Revision ID: team2
Revises: record
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from slm_psr.store import chain

revision = "team2"
down_revision = "record"
branch_labels = None
depends_on = None

TABLE = "project_roles"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.CheckConstraint(
            "role IN ('lead', 'evaluator', 'observer', 'none', 'default')", name="ck_project_roles_role"
        ),
    )
    op.create_index("ix_project_roles_project", TABLE, ["project_id", "id"])
    if op.get_bind().dialect.name == "postgresql":  # slm_psr_refuse_change() comes from 0001
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
        )
    else:
        message = f"{TABLE} is append-only: its rows are history and are never changed or deleted"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade() -> None:
    """Drop the table; the projects that had roles get their chain rebuilt without those entries.

    Deleting the entries alone would leave holes in the chain (``verify`` would call them
    deleted history): the remaining entries are chained again in their order, so the
    project's head hash changes, as with any downgrade that removes history.
    """
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    kept = bind.execute(
        sa.text(
            "SELECT project_id, table_name, row_id, row_hash FROM history_chain WHERE project_id IN "
            "(SELECT project_id FROM history_chain WHERE table_name = :table) ORDER BY project_id, seq"
        ),
        {"table": TABLE},
    ).all()
    if postgres:
        op.execute("SET LOCAL session_replication_role = replica")  # history_chain refuses deletes
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS history_chain_no_{event}")
    for project_id in sorted({row.project_id for row in kept}):
        bind.execute(sa.text("DELETE FROM history_chain WHERE project_id = :p"), {"p": project_id})
    session = Session(bind=bind)
    for row in kept:
        if row.table_name != TABLE:
            chain.append(session, row.project_id, row.table_name, row.row_id, row.row_hash)
    session.flush()
    if postgres:
        op.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        message = "history_chain is append-only: its rows are history and are never changed or deleted"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_chain_no_{event.lower()} BEFORE {event} ON history_chain "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    op.drop_table(TABLE)
