"""Fuzzy matching of OCR'd labels against the labels a template expects."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

# Punctuation that OCR and typists vary freely; it carries no meaning for matching.
_PUNCT = re.compile(r"[\s()（）\[\]【】,，.。、:：;；\"'“”‘’·•…_/|\-—]+")


@lru_cache(maxsize=65536)
def norm_label(text: str) -> str:
    """Fold width (NFKC), drop whitespace and punctuation: '（一） 予以公开' -> '一予以公开'."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))


def similarity(a: str, b: str) -> float:
    """0..100: how alike two labels are once normalised."""
    a, b = norm_label(a or ""), norm_label(b or "")
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b)


def best_match(text: str, candidates: list[str]) -> tuple[int, float]:
    """Index of the candidate most like text, and the score (-1, 0.0 when there is none)."""
    best, score = -1, 0.0
    for i, c in enumerate(candidates):
        s = similarity(text, c)
        if s > score:
            best, score = i, s
    return best, score


def _sim(a: list[str], b: list[str]) -> float:
    return max((similarity(x, y) for x in a for y in b), default=0.0)


def place_rows(
    found: list[list[str]], expected: list[list[str]], candidates: list[int], min_score: float
) -> dict[int, tuple[int, float]]:
    """Which found row is which expected row: {expected index: (found index, score)}.

    Rows are matched by label in order (align), the rest placed by position (fill_by_position). When
    there are exactly as many candidate rows (rows holding values) as expected rows, pairing them in
    order wins unless the labels say otherwise more strongly.
    """
    matches = fill_by_position(align(found, expected, min_score), len(expected), candidates)
    if len(candidates) == len(expected):
        in_order = {j: (r, _sim(found[r], expected[j])) for j, r in enumerate(candidates)}
        if sum(s for _, s in in_order.values()) >= sum(s for _, s in matches.values()):
            return in_order
    return matches


def align(found: list[list[str]], expected: list[list[str]], min_score: float) -> dict[int, tuple[int, float]]:
    """Match expected rows to found rows in order (both top to bottom), maximising total similarity.

    found[i] and expected[j] are the label variants of a row; their similarity is the best over the pairs.
    Rows on either side may go unmatched (a missing row, a repeated header, a row OCR could not read).
    Returns {expected index: (found index, score)}.
    """
    n, m = len(found), len(expected)
    sim = [[_sim(found[i], expected[j]) for j in range(m)] for i in range(n)]
    # best[i][j]: best total using found[:i] and expected[:j]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = sim[i - 1][j - 1]
            take = best[i - 1][j - 1] + s if s >= min_score else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    out, i, j = {}, n, m
    while i > 0 and j > 0:
        s = sim[i - 1][j - 1]
        if s >= min_score and best[i][j] == best[i - 1][j - 1] + s:
            out[j - 1] = (i - 1, s)
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out


def fill_by_position(
    matches: dict[int, tuple[int, float]], n_expected: int, candidates: list[int]
) -> dict[int, tuple[int, float]]:
    """Where labels could not be read, place rows by position.

    Between two matched rows (or the table's ends), if the unmatched candidate rows are exactly as many
    as the unmatched expected rows, pair them in order (score 0: placed, not recognised).
    """
    out = dict(matches)
    anchors = [(-1, -1)] + sorted((j, i) for j, (i, _) in matches.items()) + [(n_expected, 10**9)]
    for (j0, i0), (j1, i1) in zip(anchors, anchors[1:]):
        want = list(range(j0 + 1, j1))
        have = [r for r in candidates if i0 < r < i1]
        if want and len(want) == len(have):
            out.update({j: (r, 0.0) for j, r in zip(want, have)})
    return out
