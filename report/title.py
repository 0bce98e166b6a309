"""The report's year and issuing body from its title, and the year its 总体情况 opens with."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TITLE_END = re.compile(r"年度?报告")
_YEAR = re.compile(r"((?:19|2[0Oo])[0-9Oo]{2})年")
_JUNK = re.compile(r"\[bookmark:[^\]]*\]")
# Words before or after a year that show it means the year before the report's (allowed there).
_LAST_YEAR_BEFORE = re.compile(r"(上年|上一年|去年|截至|截止|针对)$")
_LAST_YEAR_AFTER = re.compile(r"^年?度?(结转|遗留|存在的问题|未办结|提出的申请)")
OPENING_WINDOW = 160  # characters after 总体情况 that make up the opening


def clean_text(text: str) -> str:
    """NFKC (full-width digits and brackets folded), no whitespace, no extraction junk."""
    t = _JUNK.sub("", unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"\s+", "", t)


def _year(s: str) -> int:
    return int(s.replace("O", "0").replace("o", "0"))


@dataclass
class TitleFacts:
    title: str | None
    year: int | None
    issuing_body: str | None
    opening_year: int | None  # first year of the 总体情况 that does not refer to last year
    opening_text: str | None  # the words around it, to show a person


def read_title(page_text: str) -> TitleFacts:
    text = clean_text(page_text)
    title = year = body = None
    m = _TITLE_END.search(text[:300])
    if m:
        title = text[: m.end()]
        ym = _YEAR.search(title)
        if ym:
            year = _year(ym.group(1))
            before = title[: ym.start()]
            after = re.split(r"政府信息公开", title[ym.end() :])[0]
            body = before or after.lstrip("度") or None
    opening_year, opening_text = _opening_year(text, year)
    return TitleFacts(title, year, body, opening_year, opening_text)


def _opening_year(text: str, title_year: int | None) -> tuple[int | None, str | None]:
    """The first year named after 总体情况 (or 概述), skipping a year-before that refers to last year."""
    m = re.search(r"总体(工作)?情况|概述", text)
    if not m:
        return None, None
    window = text[m.end() : m.end() + OPENING_WINDOW]
    for ym in _YEAR.finditer(window):
        y = _year(ym.group(1))
        if (
            title_year is not None
            and y == title_year - 1
            and (_LAST_YEAR_BEFORE.search(window[: ym.start()]) or _LAST_YEAR_AFTER.search(window[ym.end() :]))
        ):
            continue
        return y, window[max(0, ym.start() - 10) : ym.end() + 20]
    return None, None
