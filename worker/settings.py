"""The service's settings: one object, built at each entry point (flags over the environment) and handed
down. Nothing below an entry point reads the environment; recognition receives a PipelineConfig only."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.config import PipelineConfig

_RECOGNITION = PipelineConfig()  # the recognition defaults are PipelineConfig's, stated once


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
    api_token: str | None = None  # an admin's bearer token; once set (or a user exists) all needs auth
    allowed_hosts: str = "localhost,127.0.0.1,::1"  # Host headers answered (comma-separated; API_HOST is added)
    session_hours: float = 12.0  # how long a dashboard sign-in lasts
    insecure: bool = False  # listen beyond loopback with no auth configured (refused otherwise)
    upload_max_bytes: int = 200 * 1024 * 1024
    request_max_bytes: int = 1024 * 1024 * 1024  # a whole request (several files), refused before reading
    page_budget_seconds: int = 120  # a document gets this much time per page, all told
    settle_seconds: float = 2.0  # a dropped file must hold still this long before pickup
    poll_seconds: float = 5.0  # folder re-scan interval (covers NFS/SMB where events never come)
    reconcile_seconds: float = 60.0  # how often the watcher re-enqueues work Redis has lost
    ignore_patterns: str = ""  # extra comma-separated glob patterns the watcher ignores
    max_pages: int = 2000
    max_pixels: int = 200_000_000  # per page, checked before decoding
    dpi: int = _RECOGNITION.dpi
    ocr_lang: str = _RECOGNITION.lang
    cell_lang: str = _RECOGNITION.cell_lang
    review_threshold: float = _RECOGNITION.review_threshold
    tables_only: bool = _RECOGNITION.tables_only
    archive_pdf: bool = False  # write each finished document's searchable PDF/A copy (archive/)
    page_timeout_seconds: float = _RECOGNITION.page_timeout_seconds
    max_skew_degrees: float = _RECOGNITION.max_skew_degrees
    detect_orientation: bool = _RECOGNITION.detect_orientation
    job_timeout_seconds: int = 600  # per page job; the document and finaliser jobs get their own

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables, for child processes (workers, watcher, API)."""
        return {k.upper(): str(v) for k, v in self.model_dump().items() if v is not None}

    def hosts(self) -> list[str]:
        """The Host names the API answers to (DNS rebinding gets a 400): ALLOWED_HOSTS and API_HOST."""
        named = [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        return named + ([self.api_host] if self.api_host not in ("0.0.0.0", "::", *named) else [])

    def pipeline(self) -> PipelineConfig:
        """What recognition needs, and nothing else."""
        return PipelineConfig(
            dpi=self.dpi,
            lang=self.ocr_lang,
            cell_lang=self.cell_lang,
            review_threshold=self.review_threshold,
            tables_only=self.tables_only,
            page_timeout_seconds=self.page_timeout_seconds,
            max_skew_degrees=self.max_skew_degrees,
            detect_orientation=self.detect_orientation,
        )


def load(**overrides) -> Settings:
    """Settings from the environment, with non-None overrides (from flags) on top. Call it at an entry
    point only (a command, the app factory's caller), and hand the result down."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
