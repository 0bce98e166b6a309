"""Numbers the body text states about requests, reviews and lawsuits (收到X件, 行政复议X件, 未收到申请…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from report.title import clean_text
from report.values import CJK

_N = r"([0-9]+|[零〇一二两三四五六七八九十百]+)"
_UNIT = r"(?:件|条|例|宗|份|起)"  # not 个/次: 一个工作日, 一次性告知 are no counts
_CLAUSE = r"[^。；;，,]"  # inside one clause

# statement id -> patterns; the first group is the number (absent: the statement says zero).
PATTERNS: dict[str, list[str]] = {
    "received": [
        rf"(?:收到|受理|接到|接收|新收){_CLAUSE}{{0,15}}?申请(?:共计?|合计|总计)?{_N}{_UNIT}",
        rf"(?:收到|受理|接到|接收|新收)(?:了)?{_N}{_UNIT}{_CLAUSE}{{0,20}}?申请",
    ],
    "completed": [rf"办结(?:政府信息公开申请|申请|各类申请)?(?:共计?|合计)?{_N}{_UNIT}"],
    "carried_out": [
        rf"(?<!上年)(?<!上一年)结转(?:至|到)?下一?年度?(?:继续)?(?:办理)?{_N}{_UNIT}",
        rf"{_N}{_UNIT}(?:申请)?结转(?:至|到)?下一?年度?",
    ],
    "carried_in": [rf"上一?年度?结转(?:政府信息公开)?(?:的)?(?:申请)?{_N}{_UNIT}"],
    "review": [rf"行政复议(?:案件|申请)?(?:共计?)?{_N}{_UNIT}"],
    "litigation": [rf"行政诉讼(?:案件)?(?:共计?)?{_N}{_UNIT}"],
    "no_requests": [
        rf"(?:未|没有)(?:收到|接到|受理|收到过|接到过){_CLAUSE}{{0,25}}?申请",
        r"无(?:政府信息公开|依申请公开)申请",
    ],
    "no_review": [rf"(?:无|未发生|没有|未产生|未收到){_CLAUSE}{{0,12}}?行政复议"],
    "no_litigation": [rf"(?:无|未发生|没有|未产生|未收到){_CLAUSE}{{0,12}}?行政诉讼"],
}

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(s: str) -> int | None:
    """'12' -> 12, '十二' -> 12, '二十' -> 20, '两百' -> 200 (small counts, as reports write them)."""
    if s.isdigit():
        return int(s)
    total, digit = 0, 0
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += (digit or 1) * 100
            digit = 0
        else:
            return None
    return total + digit


@dataclass(frozen=True)
class Statement:
    id: str  # a key of PATTERNS
    value: int  # the number stated (0 for the "no_…" statements)
    text: str  # the words that state it


def find_statements(page_text: str) -> list[Statement]:
    """Every statement PATTERNS recognise in the text, in the order of PATTERNS, each once per wording."""
    text = clean_text(page_text)
    text = re.sub(rf"(?<=[{CJK}\d])[Oo](?=[\d件条例宗份起])", "0", text)  # O read for 0
    out, seen = [], set()
    for sid, patterns in PATTERNS.items():
        for p in patterns:
            for m in re.finditer(p, text):
                value = chinese_number(m.group(1)) if m.groups() else 0
                if value is None or (sid, m.group(0)) in seen:
                    continue
                seen.add((sid, m.group(0)))
                out.append(Statement(sid, value, m.group(0)))
    return out
