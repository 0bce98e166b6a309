"""The one reading of a number in a table cell, and the character classes of Chinese text. Pure string code:
the report's figures (report/), the page pipeline's cell confidence and normalisation (worker/) and the
OCR's choice of cells for its digits pass all read numbers here, so they cannot disagree.

A number is read as real tables print it: full-width digits; thousands separators that group by three
(1,234 / 1,234,567.89 / 1，234; spaces are dropped, as OCR puts them anywhere: "1 234" is 1234);
decimals kept as printed ("0.50": value 0.5, text "0.50"); a leading minus ("-", "－", "−" U+2212) or
brackets ("(1,234.56)", "（123）") for a negative; a percentage ("12.5%", "12.5％": value 12.5, unit
PERCENT); a footnote mark after the number ("123*", "123¹", "123①", "1,234 a)": 123 with its mark).
Codes such as 2010301 stay whole integers. Dashes and slashes ("—", "–", "-", "——", "/", "－") and the
other NOT_REPORTED_MARKS mean "not reported", never 0. Anything else, including a grouping that is not by
three ("1,23"), an integer with a leading zero ("03") or two points, is unreadable: a person reads it.

The look-alike rule (issue 10): OCR reads digits as letters ("l2", "2O", "S0"). Such a reading is taken as
the number (l2 -> 12), because a person reading the cell would, but it is marked `corrected`, and a
corrected reading is never confident: the cell confidence (worker/confidence.py) and a figure's confidence
(report/figures.py) are held at LOOKALIKE_CONFIDENCE, below the review threshold, so the number is used and
shown, and a person confirms it. A digits-only OCR pass agreeing does not lift that: it can only print
digits, and a stroke of a table rule next to a number is "1" to it as much as "l" to the first pass. A text
of look-alikes alone, without a real digit ("lS", "B"), is no number; the one exception is a lone "O" for 0.
A stray point or comma after the number ("12.") is a speck and dropped, as the digits pass confirms or not;
one before it (".5") is unreadable: a point lost before it or a speck, a person tells.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

# CJK ideographs (Extension A, the unified block, compatibility ideographs), as a regex class body.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{CJK}]")


class State(StrEnum):
    """What a value cell says."""

    NUMBER = "number"
    NOT_REPORTED = "not_reported"
    UNREADABLE = "unreadable"


NUMBER, NOT_REPORTED, UNREADABLE = State.NUMBER, State.NOT_REPORTED, State.UNREADABLE

PERCENT = "percent"  # NumberReading.unit of "12.5%"
LOOKALIKE_CONFIDENCE = 0.6  # the most a reading that needed look-alikes corrected is trusted

# Marks a report uses for "not reported" (never the same as 0). Blank is one too.
NOT_REPORTED_MARKS = {"", "/", "\\", "-", "--", "—", "——", "–", "―", "一", "不适用", "n/a", "na"}

# Letters (and strokes) OCR returns for digits.
LOOKALIKES = {
    **dict.fromkeys("OoDQ", "0"),
    **dict.fromkeys("lIi|!", "1"),
    **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Ss", "5"),
    "B": "8",
    **dict.fromkeys("gq", "9"),
}
_LOOKALIKE_FIX = str.maketrans(LOOKALIKES)
_MINUS = "-\u2212"  # "－" folds to "-"
_DASH_MINUS = "—–_"  # a dash read for a minus: taken, as a look-alike
# A footnote mark after a number, matched on the text as read (NFKC would turn "¹" and "①" into digits).
_MARKS = "¹²³⁰⁴-⁹\u2460-\u2473"  # superscript and circled digits: marks, never digits of the number
_MARK = re.compile(rf"(\*+|[{_MARKS}]+|\s*[(（]?[a-z][)）])$")
_MARK_CHAR = re.compile(f"[{_MARKS}]")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # 1,234 or 12,345.6
_PLAIN = re.compile(r"\d+(\.\d+)?")
_NUMBER_CHARS = set("0123456789.,，。·-—_'") | set(LOOKALIKES)


@dataclass(frozen=True)
class NumberReading:
    """A cell's text read as a value."""

    state: State
    value: int | float | None = None  # int when the number is whole, else float; None unless NUMBER
    number: str = ""  # the number as printed, canonical: "1234", "-1234.56", "0.50" ("" unless NUMBER)
    unit: str | None = None  # PERCENT, or None
    mark: str | None = None  # a footnote mark after the number, as printed: "*", "¹", "①", "a)"
    corrected: bool = False  # look-alikes read as digits (or a dash as a minus): usable, never confident
    brackets: bool = False  # negative because printed in brackets

    @property
    def text(self) -> str:
        """The normalised text of the cell: the canonical number with its unit and mark, e.g. "12.5%",
        "-1234.56", "123*", "1234 a)"; reads back to the same value, unit and mark."""
        if self.state != NUMBER:
            return ""
        mark = self.mark or ""
        return self.number + ("%" if self.unit == PERCENT else "") + (f" {mark}" if mark[:1].isalpha() else mark)


def fold(text: str) -> str:
    """Full-width to half-width, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@lru_cache(maxsize=65536)
def read_value(text: str) -> NumberReading:
    """'１２' -> 12, '1,234' -> 1234, '(1,234.56)' -> -1234.56, '12.5%' -> 12.5 percent, '123①' -> 123 mark ①,
    'l2' -> 12 corrected, '/' -> not reported, '1,23' or 'abc' -> unreadable. See the module's doc."""
    raw = text or ""
    m = _MARK.search(raw.rstrip())
    if m and not LOOKALIKES.get(m.group(1).strip("()（） ")):
        core = _read(raw.rstrip()[: m.start()])
        if core.state == NUMBER and core.mark is None:
            return replace(core, mark=m.group(1).strip())
    return _read(raw)


def _read(text: str) -> NumberReading:
    if _MARK_CHAR.search(text):
        return NumberReading(UNREADABLE)
    t = fold(text)
    if t.lower() in NOT_REPORTED_MARKS:
        return NumberReading(NOT_REPORTED)
    t = t.replace("。", ".").replace("·", ".")
    unit = None
    if t.endswith("%"):
        unit, t = PERCENT, t[:-1]
    brackets = len(t) > 2 and t[0] == "(" and t[-1] == ")"
    if brackets:
        t = t[1:-1]
    corrected = False
    negative = t[:1] in _MINUS or t[:1] in _DASH_MINUS
    if negative:
        corrected = t[0] in _DASH_MINUS
        t = t[1:]
    if negative and brackets:
        return NumberReading(UNREADABLE)
    if t in ("O", "o"):  # a lone O in a value cell: 0
        t, corrected = "0", True
    elif any(ch in LOOKALIKES for ch in t) and all(ch.isdigit() or ch in LOOKALIKES or ch in ".," for ch in t):
        if not any(ch.isdigit() for ch in t):
            return NumberReading(UNREADABLE)
        t, corrected = t.translate(_LOOKALIKE_FIX), True
    if any(ch.isdigit() for ch in t):
        t = t.rstrip(".,")  # a speck after the number; one before it may be a decimal point: unreadable
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    if not _PLAIN.fullmatch(t) or (len(t) > 1 and t[0] == "0" and t[1] != "."):
        return NumberReading(UNREADABLE)  # not a number, or "03": a misread, not a count
    value: int | float = float(t) if "." in t else int(t)
    if (negative or brackets) and value:
        value, t = -value, "-" + t
    return NumberReading(NUMBER, value, t, unit, None, corrected, brackets)


def looks_numeric(text: str) -> bool:
    """Text that is probably a number, maybe misread (worth reading again with a digits-only OCR pass): it
    reads as one, or it is made of digits, look-alikes and separators only, with a digit or a look-alike of
    0 or 1 among them (a round glyph or a stroke; a lone S or B is more likely a letter)."""
    t = text.strip()
    if not t or len(t) > 24:
        return False
    if read_value(t).state == NUMBER:
        return True
    return all(ch in _NUMBER_CHARS or ch.isspace() for ch in t) and any(
        ch.isdigit() or LOOKALIKES.get(ch) in ("0", "1") for ch in t
    )
