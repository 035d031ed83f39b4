"""Service reviews: each party's comments, agreed actions and sign-offs per monitored period.

Revision ID: reports
Revises: monitoring
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reports"
down_revision = "monitoring"
branch_labels = None
depends_on = None

TABLE = "service_review_entries"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("due", sa.String(10)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.CheckConstraint("kind IN ('comment', 'action', 'sign_off', 'reopen')", name="ck_review_kind"),
        sa.CheckConstraint("party IS NULL OR party IN ('buyer', 'supplier')", name="ck_review_party"),
    )
    op.create_index("ix_service_review_period", TABLE, ["project_id", "period", "id"])
    # History: a signed-off review never changes; a correction is a new version.
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
        )
    elif dialect == "sqlite":
        message = f"{TABLE} is append-only: its rows are history and are never changed or deleted"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade() -> None:
    op.drop_table(TABLE)
