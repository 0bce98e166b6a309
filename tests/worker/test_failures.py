"""Typed page failures: every class has its stable code, and the places that fail raise them."""

import numpy as np
import pytest
from PIL import Image

from schemas.failures import FAILURE_REASONS, FailureReason
from worker import failures, rasterise
from worker.failures import (
    JobFailed,
    OcrError,
    OcrTimeout,
    PageBudgetExceeded,
    PageFailure,
    RenderTimeout,
    TooLarge,
    UnreadableDocument,
    failure_of,
)
from worker.ocr import tesseract


def _subclasses(cls: type) -> list[type]:
    return [cls] + [d for c in cls.__subclasses__() for d in _subclasses(c)]


def test_each_failure_class_has_its_code():
    assert {cls: cls.code for cls in _subclasses(PageFailure)} == {
        PageFailure: "internal_error",
        OcrTimeout: "ocr_timeout",
        OcrError: "ocr_error",
        PageBudgetExceeded: "page_budget",
        UnreadableDocument: "unreadable",
        RenderTimeout: "render_timeout",
        TooLarge: "too_large",
        JobFailed: "job_failed",
    }


def test_every_code_is_some_failure_and_the_codes_fit_their_column():
    assert sorted({cls.code for cls in _subclasses(PageFailure)}) == sorted(FAILURE_REASONS)
    assert len(set(FAILURE_REASONS)) == len(FAILURE_REASONS)
    assert all(len(code) <= 32 and code.isascii() and code == code.lower() for code in FAILURE_REASONS)


def test_anything_else_is_an_internal_error():
    assert failure_of(ValueError("boom")) == FailureReason.INTERNAL_ERROR
    assert failure_of(KeyError("x")) == "internal_error"
    assert failure_of(OcrTimeout("killed")) == "ocr_timeout"
    assert failure_of(TooLarge("big")) == "too_large"


def test_the_modules_that_fail_raise_these_classes():
    assert tesseract.OcrTimeout is failures.OcrTimeout and tesseract.OcrError is failures.OcrError
    assert rasterise.UnreadableDocument is failures.UnreadableDocument


def test_the_adapter_raises_ocr_error_when_tesseract_is_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(OcrError) as e:
        tesseract.run_tesseract(np.full((20, 20), 255, np.uint8), "eng", 6, 200, None)
    assert failure_of(e.value) == "ocr_error" and "not found" in str(e.value)


def test_the_adapter_raises_ocr_timeout_past_the_deadline():
    with pytest.raises(OcrTimeout) as e:
        tesseract.run_tesseract(np.full((20, 20), 255, np.uint8), "eng", 6, 200, deadline=0.0)
    assert failure_of(e.value) == "ocr_timeout"


def test_a_page_over_the_pixel_limit_is_too_large(tmp_path):
    Image.new("L", (300, 300), 255).save(tmp_path / "poster.png")
    with pytest.raises(TooLarge, match="over the limit"):
        rasterise.load_page(tmp_path / "poster.png", 1, 300, rasterise.Limits(max_pixels=10_000))
