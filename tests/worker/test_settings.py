"""Settings: built from flags over the environment at an entry point, and all of recognition's reach it."""

from dataclasses import fields

import pytest

from worker import jobs
from worker.config import PipelineConfig
from worker.settings import Settings, load

RECOGNITION = (
    "DPI",
    "OCR_LANG",
    "CELL_LANG",
    "REVIEW_THRESHOLD",
    "TABLES_ONLY",
    "PAGE_TIMEOUT_SECONDS",
    "MAX_SKEW_DEGREES",
    "DETECT_ORIENTATION",
)


def test_recognition_defaults_are_stated_once(monkeypatch):
    for k in RECOGNITION:
        monkeypatch.delenv(k, raising=False)
    assert Settings().pipeline() == PipelineConfig()


def test_every_recognition_setting_reaches_the_pipeline(monkeypatch):
    changed = {
        "DPI": "200",
        "OCR_LANG": "eng",
        "CELL_LANG": "chi_tra",
        "REVIEW_THRESHOLD": "0.5",
        "TABLES_ONLY": "true",
        "PAGE_TIMEOUT_SECONDS": "7",
        "MAX_SKEW_DEGREES": "3",
        "DETECT_ORIENTATION": "false",
    }
    assert set(changed) == set(RECOGNITION)
    for k, v in changed.items():
        monkeypatch.setenv(k, v)
    config = load(dpi=150).pipeline()  # a flag wins over the environment
    assert config == PipelineConfig(
        dpi=150,
        lang="eng",
        cell_lang="chi_tra",
        review_threshold=0.5,
        tables_only=True,
        page_timeout_seconds=7.0,
        max_skew_degrees=3.0,
        detect_orientation=False,
    )
    defaults = PipelineConfig()
    assert all(getattr(config, f.name) != getattr(defaults, f.name) for f in fields(PipelineConfig))


def test_a_job_without_its_workers_settings_refuses_to_guess(monkeypatch):
    monkeypatch.setattr(jobs, "_configured", None)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/should-not-be-read.db")
    with pytest.raises(jobs.NotConfigured):
        jobs.process_document(1)
