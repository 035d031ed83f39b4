"""Initial store: projects, PSR versions, uploads, responses, overrides, scores, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# History tables: the database itself refuses to change or delete their rows.
APPEND_ONLY = ("audit_log", "psr_versions", "response_files")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("psr_id", sa.String(64), nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("name", name="uq_projects_name"),
    )
    op.create_table(
        "psr_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("psr_id", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("psr_json", sa.Text, nullable=False),
        sa.Column("saved_at", _when(), nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("project_id", "version", name="uq_psr_versions_project_version"),
    )
    op.create_table(
        "response_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("response_files.id"), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("response_json", sa.Text, nullable=True),
        sa.Column("rejection", sa.Text, nullable=True),
        sa.Column("psr_version", sa.Integer, nullable=False),
        sa.Column("uploaded_at", _when(), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("responses.id"), nullable=True),
        sa.Column("removed_at", _when(), nullable=True),
        sa.Column("removed_by", sa.String(200), nullable=True),
        sa.Column("removed_reason", sa.Text, nullable=True),
        sa.CheckConstraint("status IN ('current', 'superseded', 'removed')", name="ck_responses_status"),
    )
    op.create_index("ix_responses_project_status", "responses", ["project_id", "status"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("requirement_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("justification", sa.Text, nullable=False),
        sa.Column("set_at", _when(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("project_id", "supplier", "requirement_id", name="uq_overrides_target"),
        sa.CheckConstraint("decision IN ('accept', 'reject')", name="ck_overrides_decision"),
    )
    op.create_table(
        "evaluator_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("requirement_id", sa.String(64), nullable=False),
        sa.Column("evaluator", sa.String(200), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("set_at", _when(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.UniqueConstraint(
            "project_id", "supplier", "requirement_id", "evaluator", name="uq_evaluator_scores_target"
        ),
        sa.CheckConstraint("score >= 0 AND score <= 10", name="ck_evaluator_scores_range"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_log_project", "audit_log", ["project_id", "id"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION slm_psr_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: its rows are history and are never changed or deleted',
                    TG_TABLE_NAME;
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION slm_psr_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION slm_psr_refuse_change()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            message = f"{table} is append-only: its rows are history and are never changed or deleted"
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in (
        "audit_log",
        "evaluator_scores",
        "overrides",
        "responses",
        "response_files",
        "psr_versions",
    ):
        op.drop_table(table)
    op.drop_table("projects")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION slm_psr_refuse_change()")
