"""The store's tables as typed SQLAlchemy models; the migrations create them, this module reads them.

The migrations in ``migrations/versions`` are the authority on the database layout (they
are frozen history); these models must describe the same tables, which a test checks
by comparing them with a freshly migrated database.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, always handed out as an aware UTC datetime.

    SQLite has no time zones: it stores naive UTC text and we put the UTC back on when
    reading, so that both backends give the same values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"time {value} has no time zone; the store records UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class ProjectRow(Base):
    """One procurement; ``revision`` counts its changes for optimistic concurrency."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("name", name="uq_projects_name"),
        Index("uq_projects_name_key", "name_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String())
    name_key: Mapped[str] = mapped_column(String())  # text.name_key(name): unique, case-insensitive
    psr_id: Mapped[str] = mapped_column(String())
    latest_version: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(default=False)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String())


class PSRVersionRow(Base):
    """One saved PSR version: the exact ``dumps_psr`` text. Never updated or deleted."""

    __tablename__ = "psr_versions"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_psr_versions_project_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version: Mapped[int] = mapped_column(Integer)
    psr_id: Mapped[str] = mapped_column(String())
    content_hash: Mapped[str] = mapped_column(String(64))
    psr_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String())


class ResponseFileRow(Base):
    """The bytes of an uploaded file exactly as received. Never updated or deleted."""

    __tablename__ = "response_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ResponseRow(Base):
    """An uploaded response: parsed answers or the reason the file was refused.

    ``status`` is ``current``, ``superseded`` (a later upload replaced it) or
    ``removed``; rows are kept in every case so the record stays complete.
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("status IN ('current', 'superseded', 'removed')", name="ck_responses_status"),
        Index("ix_responses_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    file_id: Mapped[int] = mapped_column(ForeignKey("response_files.id"))
    filename: Mapped[str] = mapped_column(String())
    supplier: Mapped[str | None] = mapped_column(String())
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str | None] = mapped_column(Text)
    rejection: Mapped[str | None] = mapped_column(Text)
    psr_version: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String())
    status: Mapped[str] = mapped_column(String(16), default="current")
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String())
    removed_reason: Mapped[str | None] = mapped_column(Text)
    import_review: Mapped[str | None] = mapped_column(Text)  # what the import said (JSON), see add_response


class OverrideRow(Base):
    """A manual qualification decision; ``requirement_id`` is '' when it covers the whole bid.

    '' rather than NULL so the unique constraint holds (NULLs never collide).
    """

    __tablename__ = "overrides"
    __table_args__ = (
        UniqueConstraint("project_id", "supplier", "requirement_id", name="uq_overrides_target"),
        CheckConstraint("decision IN ('accept', 'reject')", name="ck_overrides_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    supplier: Mapped[str] = mapped_column(String())
    requirement_id: Mapped[str] = mapped_column(String(), default="")
    decision: Mapped[str] = mapped_column(String(16))
    justification: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String())


class EvaluatorScoreRow(Base):
    """One evaluator's 0-10 score for one supplier on one qualitative requirement."""

    __tablename__ = "evaluator_scores"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "supplier", "requirement_id", "evaluator", name="uq_evaluator_scores_target"
        ),
        CheckConstraint("score >= 0 AND score <= 10", name="ck_evaluator_scores_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    supplier: Mapped[str] = mapped_column(String())
    requirement_id: Mapped[str] = mapped_column(String())
    evaluator: Mapped[str] = mapped_column(String())
    score: Mapped[float] = mapped_column(Float)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String())


class AuditRow(Base):
    """One change, written in the transaction that made it. Never updated or deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_project", "project_id", "id"),
        Index("ix_audit_log_revision", "project_id", "revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    who: Mapped[str] = mapped_column(String())
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String())
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    # The project revision the change made (migration ``record``; None before it): see ``overlap``.
    revision: Mapped[int | None] = mapped_column(Integer)


# --- monitoring after the award (migration 0004_monitoring) -------------------------------


class MonitoringPlanRow(Base):
    """How the confirmed contract's levels are measured (records per level, holidays). A change is a new version."""

    __tablename__ = "monitoring_plans"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_monitoring_plans_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version: Mapped[int] = mapped_column(Integer)
    plan_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String())


class MeasurementFileRow(Base):
    """An imported measurement file: its bytes as received, the parsed records (gzip JSON) or the refusal."""

    __tablename__ = "measurement_files"
    __table_args__ = (Index("ix_measurement_files_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    filename: Mapped[str] = mapped_column(String())
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    records: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_json: Mapped[str] = mapped_column(Text)
    rejection: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String())


class MeasurementCorrectionRow(Base):
    """A correction of one field of one measurement record, with its reason. Never updated or deleted."""

    __tablename__ = "measurement_corrections"
    __table_args__ = (Index("ix_measurement_corrections_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    record: Mapped[str] = mapped_column(String())
    field: Mapped[str] = mapped_column(String())
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    who: Mapped[str] = mapped_column(String())


class MeasurementDisputeRow(Base):
    """A record marked disputed by the buyer or the supplier; settled later with a resolution."""

    __tablename__ = "measurement_disputes"
    __table_args__ = (
        CheckConstraint("party IN ('buyer', 'supplier')", name="ck_measurement_disputes_party"),
        Index("ix_measurement_disputes_project", "project_id", "record"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    record: Mapped[str] = mapped_column(String())
    party: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String())
    resolution: Mapped[str | None] = mapped_column(Text)


class MonitoringResultRow(Base):
    """The result of one period and service level as last computed (recomputable from the rows above)."""

    __tablename__ = "monitoring_results"
    __table_args__ = (
        UniqueConstraint("project_id", "period", "level", name="uq_monitoring_results_period_level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    contract_version: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    level: Mapped[str] = mapped_column(String())
    result_json: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    computed_by: Mapped[str] = mapped_column(String())


# Tables whose rows are history: triggers refuse UPDATE and DELETE on them.
APPEND_ONLY = (
    "audit_log",
    "psr_versions",
    "response_files",
    "monitoring_plans",
    "measurement_files",
    "measurement_corrections",
    "history_chain",
    "contracts",
    "account_events",
    "team_records",
    "service_review_entries",
    "psr_change_acks",
    "project_roles",
)


class ServiceReviewRow(Base):
    """One entry of a period's service review: a comment, an agreed action, a sign-off or a reopening."""

    __tablename__ = "service_review_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'action', 'sign_off', 'reopen')", name="ck_review_kind"),
        CheckConstraint("party IS NULL OR party IN ('buyer', 'supplier')", name="ck_review_party"),
        Index("ix_service_review_period", "project_id", "period", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    party: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String())
    due: Mapped[str | None] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String())


class HistoryChainRow(Base):
    """One history row's place in its project's hash chain (see ``chain``). Never updated or deleted."""

    __tablename__ = "history_chain"
    __table_args__ = (
        UniqueConstraint("project_id", "seq", name="uq_history_chain_project_seq"),
        UniqueConstraint("table_name", "row_id", name="uq_history_chain_row"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    seq: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))


class ContractRow(Base):
    """One version of a project's contract SLA schedule (draft or confirmed). Never updated or deleted."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("project_id", "version", name="uq_contracts_version"),
        CheckConstraint("status IN ('draft', 'confirmed')", name="ck_contracts_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version: Mapped[int] = mapped_column(Integer)
    supplier: Mapped[str] = mapped_column(String())
    status: Mapped[str] = mapped_column(String(16))
    psr_version: Mapped[int] = mapped_column(Integer)
    schedule_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    confirms: Mapped[int | None] = mapped_column(Integer)  # the draft version a confirmation confirms
    note: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String())


class ValueDecisionRow(Base):
    """A buyer's decision on one flagged value of one bid: confirmed as read, or corrected.

    ``value_json`` holds the corrected typed value (JSON), None for a confirmation.
    """

    __tablename__ = "value_decisions"
    __table_args__ = (
        UniqueConstraint("project_id", "supplier", "requirement_id", name="uq_value_decisions_target"),
        CheckConstraint("decision IN ('confirm', 'correct')", name="ck_value_decisions_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    supplier: Mapped[str] = mapped_column(String())
    requirement_id: Mapped[str] = mapped_column(String())
    decision: Mapped[str] = mapped_column(String(16))
    value_json: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String())


class PSRChangeAckRow(Base):
    """Someone saw that PSR version ``version`` was saved after bids had arrived."""

    __tablename__ = "psr_change_acks"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_psr_change_acks_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version: Mapped[int] = mapped_column(Integer)
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String())


# --- a team evaluates (migration 0006_team) ---------------------------------------------


class UserRow(Base):
    """A local account: its role and argon2 password hash; changed in place (the account trail keeps why)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("name_key", name="uq_users_name_key"),
        CheckConstraint("role IN ('lead', 'evaluator', 'observer', 'admin')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String())
    name_key: Mapped[str] = mapped_column(String())  # text.name_key(name): unique, case-insensitive
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String())
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String())


class AccountEventRow(Base):
    """A sign-in, failed sign-in, sign-out or account change; ``chain_hash`` pins every event before it."""

    __tablename__ = "account_events"
    __table_args__ = (Index("ix_account_events_name", "name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    name: Mapped[str] = mapped_column(String())
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String())
    chain_hash: Mapped[str] = mapped_column(String(64))


class TeamRecordRow(Base):
    """One team decision on a project (declaration, assignment, submission, moderation, freeze, opening)."""

    __tablename__ = "team_records"
    __table_args__ = (Index("ix_team_records_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String())
    data_json: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String())


class ProjectRoleRow(Base):
    """An account's role on one project (``none``: no access; ``default``: its store-wide role), the latest winning."""

    __tablename__ = "project_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('lead', 'evaluator', 'observer', 'none', 'default')", name="ck_project_roles_role"
        ),
        Index("ix_project_roles_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(String())  # the account's name as stored in users.name
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String())
