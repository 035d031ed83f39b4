"""A team evaluates: accounts with roles, the account trail (sign-ins), the team's records per project.

- ``users``: local accounts (name, role, argon2 password hash, active); changed in place.
- ``account_events``: sign-ins, failed sign-ins, sign-outs and account changes; append-only,
  each row carries the hash of the one before (its own chain: it belongs to no project).
- ``team_records``: per project the declarations of interest, assignments, submitted and
  moderated scores, the freeze of the quality scores and the opening of the price envelope;
  append-only and on the project's history chain.

Revision ID: team
Revises: buyerday
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "team"
down_revision = "buyerday"
branch_labels = None
depends_on = None

APPEND_ONLY = ("account_events", "team_records")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.UniqueConstraint("name_key", name="uq_users_name_key"),
        sa.CheckConstraint("role IN ('lead', 'evaluator', 'observer', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_account_events_name", "account_events", ["name", "id"])
    op.create_table(
        "team_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
    )
    op.create_index("ix_team_records_project", "team_records", ["project_id", "id"])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
            )
        elif dialect == "sqlite":
            message = f"{table} is append-only: its rows are history and are never changed or deleted"
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def downgrade() -> None:
    for table in ("team_records", "account_events", "users"):
        op.drop_table(table)
