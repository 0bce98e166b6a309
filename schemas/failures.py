"""Why a page failed: stable machine codes, stored on the page row (pages.failure_reason) beside the
human-readable reason (pages.error), counted by /metrics and shown by the API and the export.

Plain strings, importable without OpenCV (the API reads them); the exceptions that carry them are in
worker.failures. A code, once released, keeps its meaning: dashboards and alerts name it.
"""

from __future__ import annotations

from enum import StrEnum


class FailureReason(StrEnum):
    OCR_TIMEOUT = "ocr_timeout"  # Tesseract ran past the page's PAGE_TIMEOUT_SECONDS and was killed
    OCR_ERROR = "ocr_error"  # Tesseract failed otherwise (exited non-zero, missing)
    PAGE_BUDGET = "page_budget"  # the document used up its PAGE_BUDGET_SECONDS before this page
    UNREADABLE = "unreadable"  # the page cannot be read from the file (damaged image, missing frame)
    RENDER_TIMEOUT = "render_timeout"  # Poppler took too long to render the page
    TOO_LARGE = "too_large"  # over MAX_PIXELS (a document over MAX_PAGES fails as a whole)
    JOB_FAILED = "job_failed"  # the page job itself failed for good (worker killed, RQ timeout)
    INTERNAL_ERROR = "internal_error"  # anything unexpected: a bug to report


FAILURE_REASONS: tuple[str, ...] = tuple(r.value for r in FailureReason)
