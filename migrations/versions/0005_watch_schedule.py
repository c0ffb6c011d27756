"""watches keep the schedule (interval or cron text) their next due time was computed from

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for the watches of an older database: the next sync records their schedule as it is
    # then configured, and keeps their due time (nothing says the interval changed).
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.drop_column("schedule")
