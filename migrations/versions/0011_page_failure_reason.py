"""page failure reason: a code beside the page's error

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Pages that failed before this revision get the code their message shows beyond doubt (the messages
# as worker.jobs, worker.pipeline and worker.rasterise wrote them); the others stay NULL (/metrics: unknown).
_KNOWN = [
    ("ocr_timeout", "OcrTimeout: %"),
    ("ocr_error", "OcrError: %"),
    ("page_budget", "the document ran over its time budget of %"),
    ("job_failed", "the page job failed (see attempts)"),
    ("too_large", "page % px, over the limit of % pixels (MAX_PIXELS)"),
    ("render_timeout", "page %: rendering took over % s"),
]


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=32), nullable=True))
    pages = sa.table("pages", sa.column("status"), sa.column("error"), sa.column("failure_reason"))
    for code, pattern in _KNOWN:
        op.execute(
            pages.update()
            .where(pages.c.status == "failed", pages.c.failure_reason.is_(None), pages.c.error.like(pattern))
            .values(failure_reason=code)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("failure_reason")
