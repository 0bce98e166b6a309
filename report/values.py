"""Read the number in a value cell, the way a person would read an OCR'd table cell."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

NUMBER, NOT_REPORTED, UNREADABLE = "number", "not_reported", "unreadable"

# Marks a report uses for "not reported" (never the same as 0). Blank is one too.
NOT_REPORTED_MARKS = {"", "/", "\\", "-", "--", "—", "——", "–", "―", "一", "不适用", "n/a", "na"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")  # 1,234 or 12,345.6


@dataclass(frozen=True)
class Reading:
    state: str  # NUMBER | NOT_REPORTED | UNREADABLE
    value: int | float | None  # int when the text is a whole number, else float; None unless NUMBER


def fold(text: str) -> str:
    """Full-width to half-width, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@lru_cache(maxsize=65536)
def read_value(text: str) -> Reading:
    """'１２' -> 12, '1,234' -> 1234, '2O' -> 20, '0.50' -> 0.5, '/' -> not reported, 'abc' -> unreadable."""
    t = fold(text)
    if t.lower() in NOT_REPORTED_MARKS:
        return Reading(NOT_REPORTED, None)
    t = t.replace("，", ",").replace("。", ".").replace("−", "-").replace("－", "-")
    # OCR reads 0 as the letter O inside or beside digits.
    if re.fullmatch(r"-?[\dOo.,]+", t) and re.search(r"\d|^[Oo]$", t):
        t = t.replace("O", "0").replace("o", "0")
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    if not _NUMBER.fullmatch(t):
        return Reading(UNREADABLE, None)
    return Reading(NUMBER, float(t) if "." in t else int(t))
