"""suspect captures kept on checks; language of versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capture_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("capture_z", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("capture_relative", sa.Boolean(), nullable=True))
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("capture_relative")
        batch_op.drop_column("capture_z")
        batch_op.drop_column("capture_hash")
