"""One settings object for the whole service: environment variables, overridden by command-line flags."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.config import PipelineConfig


class Settings(BaseSettings):
    """Every setting has an environment variable of the same name in upper case (DATABASE_URL, ...)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = "sqlite:///./tablescan.db"
    redis_url: str = "redis://localhost:6379/0"
    storage_root: Path = Path("./storage")
    inbox: Path = Path("./inbox")
    queue_name: str = "tablescan"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_token: str | None = None          # when set, uploads and changes need "Authorization: Bearer <token>"
    upload_max_bytes: int = 200 * 1024 * 1024
    request_max_bytes: int = 1024 * 1024 * 1024     # a whole request (several files), refused before reading
    page_budget_seconds: int = 120                  # a document gets this much time per page, all told
    settle_seconds: float = 2.0           # a dropped file must hold still this long before pickup
    poll_seconds: float = 5.0             # folder re-scan interval (covers NFS/SMB where events never come)
    reconcile_seconds: float = 60.0       # how often the watcher re-enqueues work Redis has lost
    ignore_patterns: str = ""             # extra comma-separated glob patterns the watcher ignores
    max_pages: int = 2000
    max_pixels: int = 200_000_000         # per page, checked before decoding
    dpi: int = 300
    ocr_lang: str = "chi_sim+eng"
    review_threshold: float = 0.80
    tables_only: bool = False
    archive_pdf: bool = False             # write each finished document's searchable PDF/A copy (archive/)
    page_timeout_seconds: float = 180.0
    job_timeout_seconds: int = 600        # per page job; the document and finaliser jobs get their own

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables, for child processes (workers, watcher, API)."""
        return {k.upper(): str(v) for k, v in self.model_dump().items() if v is not None}

    def pipeline(self) -> PipelineConfig:
        return PipelineConfig(dpi=self.dpi, lang=self.ocr_lang, review_threshold=self.review_threshold,
                              tables_only=self.tables_only, page_timeout_seconds=self.page_timeout_seconds)


def load(**overrides) -> Settings:
    """Settings from the environment, with non-None overrides (from flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
