"""Alembic environment: migrate the connection ``Store.open`` hands over, in one transaction.

Two app processes may start at once against a new database: on PostgreSQL an
advisory lock makes the second wait for the first; on SQLite the store's write
transactions (BEGIN IMMEDIATE) do the same.
"""

from __future__ import annotations

from alembic import context

# Any fixed number: the key of the advisory lock held while migrating.
_MIGRATION_LOCK = 0x5350_5352

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the slm_psr store migrates through Store.open(url); run that instead of the alembic command"
    )

context.configure(
    connection=connection,
    version_table=config.attributes.get("version_table", "slm_psr_schema_version"),
    transactional_ddl=True,  # SQLite can roll back DDL too; a failed upgrade leaves nothing half done
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    context.run_migrations()
