"""Opening a database: the engine (SQLite or PostgreSQL), the schema migrations, and a team's grants.

A team's PostgreSQL runs with two roles (README, "A team"): a migration role
that owns the tables and runs ``python -m slm_psr migrate --app-role NAME``, and
the app's role, which may only read and insert history (``grant``) and so can
neither change a history row nor switch off the triggers that refuse it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from slm_psr.store.errors import DatabaseFailure, StoreError, explain
from slm_psr.store.schema import APPEND_ONLY, Base

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
VERSION_TABLE = "slm_psr_schema_version"

# Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE = "slm_psr_write"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (see _sqlite_begin): pysqlite's own transaction
    # handling would begin late and could not take the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Readers never block the writer; a read-only file cannot switch, and reading it still works.
    with contextlib.suppress(Exception):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A write transaction takes the write lock at BEGIN, so two writers queue up on
    # the busy timeout instead of one failing with "database is locked" mid-way.
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; StoreError in words for anything else."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we install
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:")
        if not in_memory:
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseFailure(
                    "read-only",
                    f"the folder {folder} for the project store cannot be created ({exc.strerror or exc}): "
                    "choose a folder the app may write to (SLM_PSR_DATABASE_URL)",
                ) from exc
        extra: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False}, **extra)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(
            f"database URL {parsed.render_as_string(hide_password=True)}: slm-psr stores projects in "
            "SQLite (sqlite:///path/file.sqlite3) or PostgreSQL (postgresql://user@host/db)"
        )
    return create_engine(parsed, pool_pre_ping=True)


# Alembic keeps its migration context in module globals: two threads migrating at
# once (two Streamlit sessions opening the store) would trample each other's.
_MIGRATING = threading.Lock()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def upgrade(engine: Engine, *, app_role: str | None = None) -> None:
    """Bring the schema to the newest migration (idempotent); with ``app_role``, grant it its rights.

    Raises ``DatabaseFailure`` in words for a database written by a newer version
    and for one this user may not upgrade.
    """
    config = _config()
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    known = {rev.revision for rev in script.walk_revisions()}
    where = engine.url.render_as_string(hide_password=True)
    try:
        with _MIGRATING:
            # Usually the schema is current: find out without the write lock, which a
            # long upload in another process may hold for a while.
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
                current = set(context.get_current_heads())
            newer = current - known
            if newer:
                raise DatabaseFailure(
                    "newer schema",
                    f"the project store {where} was upgraded by a newer version of slm-psr (schema "
                    f"{', '.join(sorted(newer))}); this version knows up to {', '.join(sorted(heads))}. "
                    "Update slm-psr (git pull, then make run), or open another database",
                )
            if current == heads and app_role is None:
                return
            with engine.execution_options(**{WRITE: True}).connect() as connection:
                if current != heads:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                if app_role is not None:
                    grant(connection, app_role)
                connection.commit()
    except DBAPIError as exc:
        failure = explain(exc, engine.url)
        if failure.kind == "not allowed":
            raise DatabaseFailure(
                "older schema",
                f"the project store {where} needs a schema upgrade that its database user may not make: "
                "ask the administrator to run `python -m slm_psr migrate` with the migration role",
            ) from exc
        raise failure from exc


_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


def grant(connection: Connection, role: str) -> None:
    """Give ``role`` what the app needs and no more: history tables read and insert only.

    The other tables (projects, responses, overrides, evaluator scores) change in
    place and get update and delete as well; the sequences give IDs. Tables added by
    later migrations are covered because the list comes from the models.
    """
    if connection.dialect.name != "postgresql":
        raise StoreError("roles and grants are a PostgreSQL set-up; a SQLite file has no users")
    if not _ROLE.match(role):
        raise StoreError(f"'{role}' is not a plain PostgreSQL role name (letters, digits, _)")
    tables = sorted(Base.metadata.tables)
    connection.exec_driver_sql(f'REVOKE ALL ON {", ".join(tables)}, {VERSION_TABLE} FROM "{role}"')
    history = [t for t in tables if t in APPEND_ONLY]
    in_place = [t for t in tables if t not in APPEND_ONLY]
    connection.exec_driver_sql(f'GRANT SELECT, INSERT ON {", ".join(history)} TO "{role}"')
    connection.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(in_place)} TO "{role}"')
    connection.exec_driver_sql(f'GRANT SELECT ON {VERSION_TABLE} TO "{role}"')
    connection.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
