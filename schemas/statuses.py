"""The statuses and kinds the record stores, one StrEnum each: a member is the very string stored (the
columns stay String, no migration), and compares equal to it, so rows read back as plain str match."""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    """documents.status: queued -> running -> done | done_with_errors | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DONE_WITH_ERRORS = "done_with_errors"  # some pages failed; the rest were read
    FAILED = "failed"


UNFINISHED = (DocumentStatus.QUEUED, DocumentStatus.RUNNING)
READ = (DocumentStatus.DONE, DocumentStatus.DONE_WITH_ERRORS)  # finished, with a reading to show
FINAL = (*READ, DocumentStatus.FAILED)


class PageStatus(StrEnum):
    """pages.status."""

    DONE = "done"
    FAILED = "failed"


class AttemptOutcome(StrEnum):
    """attempts.outcome: one job run."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    ABANDONED = "abandoned"  # its worker died; another run took the job


class CellKind(StrEnum):
    """cells.kind (and corrections.kind)."""

    HEADER = "header"
    LABEL = "label"
    VALUE = "value"


class DocumentKind(StrEnum):
    """documents.kind: what the document is (report.kind decides)."""

    ANNUAL_REPORT = "annual_report"  # 政府信息公开工作年度报告
    BUDGET = "budget"
    FINAL_ACCOUNT = "final_account"
    OTHER = "other"
