"""inbox path and duplicates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:21:21.361950

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_path", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("inbox_moved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_documents_duplicate_of_id", "documents", ["duplicate_of_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_duplicate_of_id", type_="foreignkey")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("inbox_moved_at")
        batch_op.drop_column("source_path")
