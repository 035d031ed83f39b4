"""Alembic migrations for the store, run from code by ``Store.open`` (no alembic.ini needed)."""
