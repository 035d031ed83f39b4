"""What the import said about each stored response (its notes and the values to review).

Revision ID: service
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # JSON text: {"notes": [...], "review": [{requirement_id, cell, raw, value, flags, notes}]};
    # NULL for responses stored before this column (the page then words them afresh).
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("import_review", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("import_review")
