"""Settings of the recognition pipeline, passed down explicitly (nothing reads the environment here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PipelineConfig:
    dpi: int = 300  # rasterisation resolution for PDFs
    lang: str = "chi_sim+eng"  # Tesseract languages for text
    cell_lang: str = "chi_sim"  # languages for table cells (numbers get an extra eng digits pass;
    # +eng lets Latin garbage into Chinese labels and costs ~40% more)
    review_threshold: float = 0.80  # cells below this confidence go to review
    tables_only: bool = False  # skip OCR of page text outside tables
    page_timeout_seconds: float = 180.0  # a Tesseract call running longer is killed
    max_skew_degrees: float = 10.0
    detect_orientation: bool = True

    def as_dict(self) -> dict:
        return asdict(self)
