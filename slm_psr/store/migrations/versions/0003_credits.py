"""Contract SLA schedules: every version kept, a confirmed one never changed.

Revision ID: credits
Revises: service
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "credits"
down_revision = "service"
branch_labels = None
depends_on = None

MESSAGE = "contracts is append-only: a schedule version is history; a change is a new version"


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("psr_version", sa.Integer, nullable=False),
        sa.Column("schedule_json", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("confirms", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("project_id", "version", name="uq_contracts_version"),
        sa.CheckConstraint("status IN ('draft', 'confirmed')", name="ck_contracts_status"),
    )
    dialect = op.get_bind().dialect.name
    # Every row is history (a draft changed or confirmed is a new version), so the
    # database refuses to change or delete one, like the other history tables.
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER contracts_append_only BEFORE UPDATE OR DELETE ON contracts "
            "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER contracts_no_truncate BEFORE TRUNCATE ON contracts "
            "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
        )
    elif dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER contracts_no_{event.lower()} BEFORE {event} ON contracts "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    op.drop_table("contracts")
