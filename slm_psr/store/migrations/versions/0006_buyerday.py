"""Per-value decisions (a flagged value confirmed or corrected) and acknowledged PSR changes.

Revision ID: buyerday
Revises: reports
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "buyerday"
down_revision = "reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "value_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("supplier", sa.String(), nullable=False),
        sa.Column("requirement_id", sa.String(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("value_json", sa.Text, nullable=True),
        sa.Column("justification", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(), nullable=False),
        sa.UniqueConstraint("project_id", "supplier", "requirement_id", name="uq_value_decisions_target"),
        sa.CheckConstraint("decision IN ('confirm', 'correct')", name="ck_value_decisions_decision"),
    )
    op.create_table(
        "psr_change_acks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(), nullable=False),
        sa.UniqueConstraint("project_id", "version", name="uq_psr_change_acks_version"),
    )


def downgrade() -> None:
    op.drop_table("psr_change_acks")
    op.drop_table("value_decisions")
