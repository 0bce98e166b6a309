"""The database of record. Redis only carries work; everything a user sees is read from here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from schemas.statuses import FINAL, AttemptOutcome, DocumentStatus, PageStatus

STATUSES = tuple(s.value for s in DocumentStatus)  # plain strings: the API's Literal of them
FINAL_STATUSES = FINAL
SOURCES = ("folder", "cli", "http")
ROLES = ("viewer", "reviewer", "admin")  # each may do what the one before may, and more


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(512))  # as it came in; never used as a path
    stored_path: Mapped[str] = mapped_column(String(1024))  # relative to the storage root
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # folder | cli | http
    source_path: Mapped[str | None] = mapped_column(String(1024))  # folder: path relative to the inbox
    inbox_moved_at: Mapped[datetime | None]  # folder: when it left the inbox
    inbox_path: Mapped[str | None] = mapped_column(String(1024))  # folder: where it went (archive/…, failed/…)
    retake_of_id: Mapped[int | None] = mapped_column(  # folder: the failed document this file takes
        ForeignKey("documents.id", ondelete="SET NULL")
    )  # again (it changed, or came back by that name)
    collection: Mapped[str | None] = mapped_column(String(512))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(24), default=DocumentStatus.QUEUED, index=True)  # DocumentStatus
    error: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str | None] = mapped_column(String(24), index=True)  # DocumentKind
    report_year: Mapped[int | None] = mapped_column(Integer)
    issuing_body: Mapped[str | None] = mapped_column(String(256))
    engine: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # engine versions and settings used
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]  # when it was last queued to be read again (None: at created_at)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(128))  # a person checked every cell: who
    reviewed_at: Mapped[datetime | None]  # and when
    reading: Mapped[int] = mapped_column(Integer, default=1)  # 1, and one more each time it is read again

    pages: Mapped[list[Page]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Page.number"
    )
    validation_errors: Mapped[list[ValidationError]] = relationship(cascade="all, delete-orphan")
    figures: Mapped[list[Figure]] = relationship(cascade="all, delete-orphan")
    attempts: Mapped[list[Attempt]] = relationship(cascade="all, delete-orphan")


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    status: Mapped[str] = mapped_column(String(16), default=PageStatus.DONE)  # PageStatus
    error: Mapped[str | None] = mapped_column(Text)
    # why it failed, as a code (schemas.failures.FailureReason): what /metrics counts; NULL when done
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    skew_degrees: Mapped[float] = mapped_column(Float, default=0.0)
    dpi: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    # the same text line by line with word boxes: [{"bbox": [x0, y0, x1, y1], "words": [[x0, y0, x1, y1, text]]}]
    text_lines: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    image_path: Mapped[str | None] = mapped_column(String(1024))  # upright, deskewed page, under the storage root

    document: Mapped[Document] = relationship(back_populates="pages")
    tables: Mapped[list[Table]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="Table.index"
    )


class Table(Base):
    __tablename__ = "tables"
    __table_args__ = (UniqueConstraint("page_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    bbox: Mapped[list[Any]] = mapped_column(JSON)
    n_rows: Mapped[int] = mapped_column(Integer)
    n_cols: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    continued_from_id: Mapped[int | None] = mapped_column(ForeignKey("tables.id", ondelete="SET NULL"))
    template: Mapped[str | None] = mapped_column(String(32))  # which mandated table it matched, if any
    template_label: Mapped[str | None] = mapped_column(Text)  # its own text that matched the template
    template_score: Mapped[float | None] = mapped_column(Float)  # 0..100
    inferred_xs: Mapped[list[Any] | None] = mapped_column(JSON)  # column separators found from the text (px)

    page: Mapped[Page] = relationship(back_populates="tables")
    cells: Mapped[list[Cell]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="(Cell.row, Cell.col)"
    )


class Cell(Base):
    __tablename__ = "cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    row_span: Mapped[int] = mapped_column(Integer, default=1)
    col_span: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(8))  # CellKind
    raw_text: Mapped[str] = mapped_column(Text, default="")  # what OCR read
    text: Mapped[str] = mapped_column(Text, default="")  # normalised, or the correction
    confidence: Mapped[float] = mapped_column(Float)
    bbox: Mapped[list[Any]] = mapped_column(JSON)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    corrected_by: Mapped[str | None] = mapped_column(String(128))
    corrected_at: Mapped[datetime | None]

    table: Mapped[Table] = relationship(back_populates="cells")
    # the corrections of this reading; they outlive the cell (the database sets their cell_id to NULL)
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="cell", passive_deletes="all", order_by="Correction.id"
    )


class Correction(Base):
    """A person's correction of a cell: the audit trail, append-only. The cell's raw OCR text is never
    changed, and a correction outlives its cell: when the document is read again its place and context
    stay here, and it is re-applied to the new reading's cell where that is the same cell."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    reading: Mapped[int] = mapped_column(Integer, default=1)  # the document's reading it was made on
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"), index=True)
    page: Mapped[int] = mapped_column(Integer)  # the cell's place: page number,
    table_index: Mapped[int] = mapped_column(Integer)  # table on the page, row and column
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # CellKind
    read_text: Mapped[str] = mapped_column(Text, default="")  # the reading's own text there (no correction)
    row_label: Mapped[str | None] = mapped_column(Text)  # the reading's own text of the row's label
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(128))
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)
    was_in_review: Mapped[bool | None] = mapped_column(Boolean)  # the cell was in the review queue then
    reapplied_from_id: Mapped[int | None] = mapped_column(  # an earlier reading's correction, re-applied
        ForeignKey("corrections.id", ondelete="SET NULL")
    )

    cell: Mapped[Cell | None] = relationship(back_populates="corrections")


class ValidationError(Base):
    __tablename__ = "validation_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # error | warning
    status: Mapped[str] = mapped_column(String(16))  # FAIL | UNCERTAIN | STRUCTURE_ERROR
    message: Mapped[str] = mapped_column(Text)  # Chinese
    message_en: Mapped[str] = mapped_column(Text, default="")
    expected: Mapped[str | None] = mapped_column(String(128))
    found: Mapped[str | None] = mapped_column(String(128))
    cell_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{figure, page, index, row, col, cell_id}]


class Figure(Base):
    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("document_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    report_year: Mapped[int | None] = mapped_column(Integer)
    issuing_body: Mapped[str | None] = mapped_column(String(256))
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[float | None] = mapped_column(Float)  # None: not reported
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id", ondelete="SET NULL"))
    confidence: Mapped[float | None] = mapped_column(Float)


class Attempt(Base):
    """One row per job run, so a document's history (retries, crashes) can be read back."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # document | page | finalise
    page_number: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(256))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default=AttemptOutcome.RUNNING)  # AttemptOutcome
    error: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """A person who may sign in, with a role. Only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)  # what the correction trail shows
    role: Mapped[str] = mapped_column(String(16))  # viewer | reviewer | admin
    password_hash: Mapped[str | None] = mapped_column(String(256))  # None: tokens only, no sign-in
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    sessions: Mapped[list[LoginSession]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class ApiToken(Base):
    """A user's token for scripts (Authorization: Bearer). Only its SHA-256 is kept: it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(128), default="")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginSession(Base):
    """A signed-in browser. Its cookie holds a secret whose SHA-256 is kept here, with the CSRF token the
    dashboard sends back on every change. A user's session, or an admin's signed in with API_TOKEN."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship(back_populates="sessions")
