"""corrections kept across readings: their place and context, the document's reading

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:00:00

A correction no longer goes with its cell: it keeps the cell's place (page, table, row, column), the
reading's own text there and the row's label, so that reading the document again keeps it and can
re-apply it. Existing corrections get these from their cells.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s"}  # names the foreign key 0002 left unnamed (SQLite)
PLACE = (
    "FROM cells c JOIN tables t ON t.id = c.table_id JOIN pages p ON p.id = t.page_id WHERE c.id = corrections.cell_id"
)
FIRST_OLD_TEXT = "SELECT h.old_text FROM corrections h WHERE h.cell_id = {cell} ORDER BY h.id LIMIT 1"
BACKFILL = f"""
UPDATE corrections SET
  document_id = (SELECT p.document_id {PLACE}),
  page = (SELECT p.number {PLACE}),
  table_index = (SELECT t."index" {PLACE}),
  "row" = (SELECT c."row" {PLACE}),
  col = (SELECT c.col {PLACE}),
  kind = (SELECT c.kind {PLACE}),
  read_text = ({FIRST_OLD_TEXT.format(cell="corrections.cell_id")}),
  row_label = (SELECT COALESCE(({FIRST_OLD_TEXT.format(cell="l.id")}), l.text)
               FROM cells c JOIN cells l ON l.table_id = c.table_id AND l.kind = 'label' AND l.id <> c.id
                                        AND l."row" <= c."row" AND c."row" < l."row" + l.row_span
               WHERE c.id = corrections.cell_id ORDER BY l.col LIMIT 1)
"""


def _cell_fk() -> str:
    """The name of the foreign key of corrections.cell_id, as the database knows it."""
    for fk in sa.inspect(op.get_bind()).get_foreign_keys("corrections"):
        if fk["constrained_columns"] == ["cell_id"]:
            return fk["name"] or "fk_corrections_cell_id"
    raise RuntimeError("corrections.cell_id has no foreign key")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reading", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reading", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("table_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("row", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("col", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("read_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("row_label", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reapplied_from_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    cell_fk = _cell_fk()
    with op.batch_alter_table("corrections", schema=None, naming_convention=NAMING) as batch_op:
        for name in ("document_id", "page", "table_index", "row", "col"):
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("kind", existing_type=sa.String(length=8), nullable=False)
        batch_op.alter_column("read_text", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("reading", existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column("cell_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(cell_fk, type_="foreignkey")
        batch_op.create_foreign_key("fk_corrections_cell_id", "cells", ["cell_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(
            "fk_corrections_document_id", "documents", ["document_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            "fk_corrections_reapplied_from_id", "corrections", ["reapplied_from_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(batch_op.f("ix_corrections_document_id"), ["document_id"], unique=False)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column("reading", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    """Downgrade schema. The corrections of earlier readings have no cell to hang on and are dropped."""
    op.execute("DELETE FROM corrections WHERE cell_id IS NULL")
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_document_id"))
        batch_op.drop_constraint("fk_corrections_reapplied_from_id", type_="foreignkey")
        batch_op.drop_constraint("fk_corrections_document_id", type_="foreignkey")
        batch_op.drop_constraint("fk_corrections_cell_id", type_="foreignkey")
        batch_op.create_foreign_key("fk_corrections_cell_id", "cells", ["cell_id"], ["id"], ondelete="CASCADE")
        batch_op.alter_column("cell_id", existing_type=sa.Integer(), nullable=False)
        for name in (
            "reapplied_from_id",
            "row_label",
            "read_text",
            "kind",
            "col",
            "row",
            "table_index",
            "page",
            "reading",
            "document_id",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("reading")
