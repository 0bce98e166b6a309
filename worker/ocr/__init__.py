"""OCR with Tesseract, in steps with clear inputs and outputs:

* `ink`: a cell's ink cut out for OCR (pure numpy functions);
* `mosaic`: crops stacked into mosaics under Tesseract's height limit, glyphs assigned back by position;
* `tesseract`: the adapter, the only module that runs the tesseract binary (hOCR parsing, OcrTimeout,
  OcrError);
* `cells`: table cells, the orchestration (`read_cells(image, boxes, hints) -> [CellText]`);
* `page_text`: the lines of page text outside the tables.
"""

from .cells import DIGITS, CellText, FlipProbe, OcrHints, read_cells, read_cells_probed
from .ink import BBox, CellInk, cell_crop, glyph_count, spread_glyphs, stretch
from .mosaic import NO_INVERT, OCR_DPI, compose, read_mosaic
from .page_text import read_text_lines, rows, text_lines
from .tesseract import Glyph, OcrError, OcrTimeout, parse_hocr, run_tesseract

__all__ = [
    "BBox",
    "CellInk",
    "CellText",
    "DIGITS",
    "FlipProbe",
    "Glyph",
    "NO_INVERT",
    "OCR_DPI",
    "OcrError",
    "OcrHints",
    "OcrTimeout",
    "cell_crop",
    "compose",
    "glyph_count",
    "parse_hocr",
    "read_cells",
    "read_cells_probed",
    "read_mosaic",
    "read_text_lines",
    "rows",
    "run_tesseract",
    "spread_glyphs",
    "stretch",
    "text_lines",
]
