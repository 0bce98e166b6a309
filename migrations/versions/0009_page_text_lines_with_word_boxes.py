"""page text lines with word boxes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 06:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_lines", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("text_lines")
