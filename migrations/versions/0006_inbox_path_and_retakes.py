"""where a watched file went, and the failed document a changed file takes again

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inbox_path", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("retake_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_documents_retake_of_id", "documents", ["retake_of_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_retake_of_id", type_="foreignkey")
        batch_op.drop_column("retake_of_id")
        batch_op.drop_column("inbox_path")
