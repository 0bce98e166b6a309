"""table inferred columns: the column separators a table's text showed where no rule is printed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables read before this revision keep NULL: their columns count as printed (stitching matches them
# as it did).


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("tables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inferred_xs", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("tables", schema=None) as batch_op:
        batch_op.drop_column("inferred_xs")
