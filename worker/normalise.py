"""Text normalisation for OCR output: width folding, CJK spacing. Pure string functions (numbers are read
by report.values, the one reading of a number).

Convention (GB/T 15834 style): letters and digits half-width; punctuation full-width when it
touches Chinese text, half-width between Latin letters or digits. No spaces between Chinese
characters or between Chinese and punctuation.
"""

from __future__ import annotations

import re
import unicodedata

from report.values import CJK as _CJK

_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u00b7"
_WIDE = f"[{_CJK}{_CJK_PUNCT}]"
_SPACE_NEAR_WIDE = re.compile(rf"(?<={_WIDE})\s+|\s+(?={_WIDE})")

# half-width punctuation -> the full-width form used in Chinese text
_WIDE_MARKS = "《》「」『』【】〔〕、。，；：？！（）"  # Chinese punctuation: a mark beside one is in Chinese text
_TO_FULL = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
# look-alikes Tesseract returns for Chinese brackets
_BRACKETS = {"〈": "（", "〉": "）", "《": "《", "【": "【"}

_ENUMERATION = re.compile(rf"^([一二三四五六七八九十]{{1,3}})[“”\"'，,·：:](?=[{_CJK}])")


def fold_width(text: str) -> str:
    """Full-width ASCII forms (U+FF01..FF5E) and the ideographic space -> ASCII."""
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            out.append(chr(o - 0xFEE0))
        elif o == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and (re.match(f"[{_CJK}]", ch) is not None)


def _punct_width(text: str) -> str:
    """Half-width punctuation next to Chinese characters -> full-width."""
    chars = list(text)
    for i, ch in enumerate(chars):
        full = _TO_FULL.get(ch)
        if not full:
            continue
        left = next((c for c in reversed(chars[:i]) if not c.isspace()), "")
        right = next((c for c in chars[i + 1 :] if not c.isspace()), "")
        # a mark with nothing beside it is one the Chinese model split off as a word of its own
        near_cjk = _is_cjk(left) or _is_cjk(right) or any(c in _WIDE_MARKS for c in (left, right) if c)
        near_cjk = near_cjk or not (left or right)
        if ch in "()" and not near_cjk:
            # a bracket pair around Chinese text: （一）
            near_cjk = bool(re.search(f"[{_CJK}]", text))
        if near_cjk:
            chars[i] = full
    return "".join(chars)


def _fix_brackets(t: str) -> str:
    """Book-title marks misread for round brackets: "《单位：万元）" -> "（单位：万元）", "《（" -> "（"."""
    t = t.replace("《（", "（").replace("）》", "）")
    out = list(t)
    for i, ch in enumerate(out):
        if ch == "《":
            rest = t[i + 1 :]
            close = rest.find("）")
            if close >= 0 and "》" not in rest[:close] and "（" not in rest[:close]:
                out[i] = "（"
    return "".join(out)


def normalise_text(raw: str) -> str:
    """OCR text -> display text: widths folded, no spaces between Chinese characters or around
    full-width punctuation, runs of white space elsewhere collapsed to one, lines joined."""
    t = unicodedata.normalize("NFC", raw or "")
    t = "".join(_BRACKETS.get(c, c) for c in t)
    t = fold_width(t)
    t = _punct_width(t)
    t = _fix_brackets(t)
    t = _SPACE_NEAR_WIDE.sub("", t)
    t = re.sub(r"\s+", " ", t).strip()
    # decimals and enumerations keep no inner spaces: "1 . 属于" -> "1.属于", "12 .5" -> "12.5"
    t = re.sub(r"(?<=\d)\s*\.\s*(?=[\d" + _CJK + "])", ".", t)
    # an enumeration's 、 misread as a quote or comma after a leading Chinese numeral: "二“上年" -> "二、上年"
    t = _ENUMERATION.sub(r"\1、", t)
    return t
