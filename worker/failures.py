"""Typed page failures: each exception says why a page could not be recognised, with a stable code
(schemas.failures.FailureReason) the record keeps beside the message.

Raised where they happen: the Tesseract adapter (worker.ocr.tesseract) raises OcrTimeout and OcrError,
rasterise raises UnreadableDocument and its kinds, the page job raises PageBudgetExceeded. Whatever else
escapes recognition is recorded as internal_error (failure_of). Like OCRmyPDF's exceptions, each class
has one code, and the message is one line a person can act on.
"""

from __future__ import annotations

from typing import ClassVar

from schemas.failures import FailureReason


class PageFailure(Exception):
    """A page could not be recognised; `code` says why, the message says it for a person."""

    code: ClassVar[FailureReason] = FailureReason.INTERNAL_ERROR


class OcrTimeout(PageFailure):
    """A Tesseract call ran longer than its time budget and was killed."""

    code = FailureReason.OCR_TIMEOUT


class OcrError(PageFailure):
    """Tesseract failed (not a timeout)."""

    code = FailureReason.OCR_ERROR


class PageBudgetExceeded(PageFailure):
    """The document used up its time budget (PAGE_BUDGET_SECONDS a page) before this page."""

    code = FailureReason.PAGE_BUDGET


class UnreadableDocument(PageFailure):
    """The file (or one page of it) cannot be processed; the message is one line a person can act on.
    Never retried."""

    code = FailureReason.UNREADABLE


class RenderTimeout(UnreadableDocument):
    """Poppler took longer than it may to render a page."""

    code = FailureReason.RENDER_TIMEOUT


class TooLarge(UnreadableDocument):
    """A page over MAX_PIXELS, or a document over MAX_PAGES."""

    code = FailureReason.TOO_LARGE


class JobFailed(PageFailure):
    """The page's job failed for good without writing the page (its worker killed, the RQ timeout)."""

    code = FailureReason.JOB_FAILED


def failure_of(e: BaseException) -> FailureReason:
    """The code of any exception: a PageFailure's own, internal_error for anything else."""
    return e.code if isinstance(e, PageFailure) else FailureReason.INTERNAL_ERROR
