"""Monitoring after the award: monitoring plans, measurement files, corrections, disputes, period results.

Revision ID: monitoring
Revises: credits
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitoring"
down_revision = "credits"
branch_labels = None
depends_on = None

# History tables: the database itself refuses to change or delete their rows.
APPEND_ONLY = ("monitoring_plans", "measurement_files", "measurement_corrections")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _project() -> sa.Column:
    return sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "monitoring_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        _project(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("plan_json", sa.Text, nullable=False),
        sa.Column("saved_at", _when(), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("project_id", "version", name="uq_monitoring_plans_version"),
    )
    op.create_table(
        "measurement_files",
        sa.Column("id", sa.Integer, primary_key=True),
        _project(),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20)),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("records", sa.LargeBinary),
        sa.Column("notes_json", sa.Text, nullable=False),
        sa.Column("rejection", sa.Text),
        sa.Column("uploaded_at", _when(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_measurement_files_project", "measurement_files", ["project_id", "id"])
    op.create_table(
        "measurement_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        _project(),
        sa.Column("record", sa.String(64), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
    )
    op.create_index("ix_measurement_corrections_project", "measurement_corrections", ["project_id", "id"])
    op.create_table(
        "measurement_disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        _project(),
        sa.Column("record", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_at", _when(), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("resolved_at", _when()),
        sa.Column("resolved_by", sa.String(200)),
        sa.Column("resolution", sa.Text),
        sa.CheckConstraint("party IN ('buyer', 'supplier')", name="ck_measurement_disputes_party"),
    )
    op.create_index("ix_measurement_disputes_project", "measurement_disputes", ["project_id", "record"])
    op.create_table(
        "monitoring_results",
        sa.Column("id", sa.Integer, primary_key=True),
        _project(),
        sa.Column("contract_version", sa.Integer, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("level", sa.String(64), nullable=False),
        sa.Column("result_json", sa.Text, nullable=False),
        sa.Column("computed_at", _when(), nullable=False),
        sa.Column("computed_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("project_id", "period", "level", name="uq_monitoring_results_period_level"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The same guards as 0001's history tables (its PostgreSQL function is reused)."""
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
    for table in (
        "monitoring_results",
        "measurement_disputes",
        "measurement_corrections",
        "measurement_files",
        "monitoring_plans",
    ):
        op.drop_table(table)
