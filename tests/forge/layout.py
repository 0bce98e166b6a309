"""Lay blocks of text and ruled tables down A4 pages and draw them, with the exact truth of every cell.

Every way offices print a table is a field of `Style`, not a copy of the drawing code: typeface, rule
weight in points, shaded header bands, frames left open at a page break, repeated header rows,
vertical text in tall merged cells, left-aligned labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PIL import Image, ImageDraw, ImageFont

_NOTO = "/usr/share/fonts/opentype/noto/"
# typeface -> (file, index in the collection, file of its bold or None: bold is drawn with a stroke)
TYPEFACES = {
    "song": (_NOTO + "NotoSerifCJK-Regular.ttc", 2, _NOTO + "NotoSerifCJK-Bold.ttc"),
    "ming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, None),
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0, None),
    "wenkai": ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0, None),
    # Debian has no Fangsong with GB 2312 coverage; a light Kai has its thin, even strokes.
    "fangsong": ("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf", 0, None),
    "hei": (_NOTO + "NotoSansCJK-Regular.ttc", 2, _NOTO + "NotoSansCJK-Bold.ttc"),
    "zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, None),
    "microhei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, None),
}
SHADES = {"grey": (217, 217, 217), "colour": (221, 235, 247), "tan": (252, 228, 214)}


def font(typeface: str, px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index, bold_path = TYPEFACES[typeface]
    if bold and bold_path:
        return ImageFont.truetype(bold_path, px, index=index)
    return ImageFont.truetype(path, px, index=index)


@dataclass(frozen=True)
class Style:
    """How a document is printed. Lengths in points unless named otherwise."""

    dpi: int = 300
    body_font: str = "song"
    table_font: str = "song"
    body_pt: float = 14
    table_pt: float = 10.5
    rule_pt: float = 0.75  # 0.25 (hairline) .. 2
    margin_mm: float = 25
    shade: str | None = None  # a key of SHADES: fill behind header bands
    open_break: bool = False  # no rule closes a table part at a page break, nor opens the next
    repeat_header: bool = False  # a continuation repeats the table's header rows
    vertical_text: bool = False  # tall narrow merged cells write their text top to bottom
    label_align: str = "center"  # or "left"
    label_widths: tuple[float, ...] | None = None  # table 三's three label columns, narrower to wrap
    ruling: str = "full"  # "full" | "rows": no column rules | "three-line": above and below the
    # header and at the bottom only | "no-frame": no outer side rules |
    # "boxed-rows": a frame and row rules, no column rules inside
    faint_rule: bool = False  # one column rule of a wide table printed as a faint grey hairline
    stray_marks: bool = False  # strokes inside cells that are not rules: an underline under a wide
    # header, a pen stroke through a label, a speck on a header's edge

    def px(self, pt: float) -> int:
        return max(1, round(pt / 72 * self.dpi))

    @property
    def page(self) -> tuple[int, int]:
        return round(210 / 25.4 * self.dpi), round(297 / 25.4 * self.dpi)

    @property
    def margin(self) -> int:
        return round(self.margin_mm / 25.4 * self.dpi)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy wrap, character by character (CJK has no spaces); keeps explicit newlines."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if fnt.getlength(line + ch) > width and line:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


@dataclass
class Page:
    image: Image.Image
    tables: list = field(default_factory=list)  # truth: [{"name", "part", "first_row", "cells": [...]}]
    text: list = field(default_factory=list)  # the lines of body text drawn, top to bottom


@dataclass
class _Part:
    first: int  # first body row of the table in this part
    end: int  # one past its last row
    header: int  # header rows repeated at its top (0 for the first part)
    ys: dict  # table row -> (y0, y1) on the page


class Layout:
    """Flows blocks down A4 pages."""

    def __init__(self, style: Style):
        self.s = style
        self.pages: list[Page] = []
        self._new_page()

    def _new_page(self) -> None:
        w, h = self.s.page
        self.pages.append(Page(Image.new("RGB", (w, h), (255, 255, 255))))
        self.y = self.s.margin

    @property
    def width(self) -> int:
        return self.s.page[0] - 2 * self.s.margin

    @property
    def bottom(self) -> int:
        return self.s.page[1] - self.s.margin

    def text(self, text: str, pt: float | None = None, bold=False, center=False, indent=True, gap=0.4) -> None:
        fnt = font(self.s.body_font, self.s.px(pt or self.s.body_pt), bold)
        stroke = 1 if bold and not TYPEFACES[self.s.body_font][2] else 0
        size = fnt.size
        first = "\u3000\u3000" if indent and not center else ""
        for line in wrap(first + text, fnt, self.width):
            if self.bottom - self.y < size * 1.6:
                self._new_page()
            x = self.s.margin + ((self.width - fnt.getlength(line)) / 2 if center else 0)
            ImageDraw.Draw(self.pages[-1].image).text(
                (x, self.y), line, font=fnt, fill=(0, 0, 0), stroke_width=stroke, stroke_fill=(0, 0, 0)
            )
            self.pages[-1].text.append(line.strip("\u3000"))
            self.y += round(size * 1.6)
        self.y += round(size * gap)

    def table(
        self, name: str, cells: list[dict], widths: list[float], split_ok: bool = False, header_rows: int = 0
    ) -> None:
        """Draw a ruled table; move it to a new page if it does not fit, or split it by rows when
        split_ok. header_rows: how many top rows a continuation repeats when the style says so."""
        s = self.s
        fnt = font(s.table_font, s.px(s.table_pt))
        pad = s.px(3)
        colw = [round(w * self.width) for w in widths]
        colw[-1] = self.width - sum(colw[:-1])
        xs = [s.margin]
        for w in colw:
            xs.append(xs[-1] + w)
        n_rows = max(c["row"] + c["row_span"] for c in cells)
        line_h = round(fnt.size * 1.3)
        heights = [line_h + 2 * pad] * n_rows
        for c in sorted(cells, key=lambda c: c["row_span"]):
            lines = self._lines(c, xs, fnt, pad)
            need = len(lines) * (fnt.size if self._vertical(c, xs, fnt) else line_h) + 2 * pad
            rows = range(c["row"], c["row"] + c["row_span"])
            have = sum(heights[r] for r in rows)
            if need > have:
                heights[rows[-1]] += need - have
        if sum(heights) > self.bottom - self.y and (not split_ok or self.bottom - self.y < sum(heights) / 3):
            self._new_page()
        # A row that does not fit starts the next part; prefer a cut no merged cell spans.
        cut_ok = [all(not (c["row"] < r < c["row"] + c["row_span"]) for c in cells) for r in range(n_rows + 1)]
        repeat = header_rows if s.repeat_header else 0
        parts: list[_Part] = []
        part = _Part(0, 0, 0, {})
        y, r = self.y, 0
        while r < n_rows:
            if y + heights[r] > self.bottom and r > max(part.first, header_rows):
                cut = next((k for k in range(r, max(part.first, r - 3), -1) if cut_ok[k]), r)
                part.end = cut
                parts.append(part)
                self._new_page()
                y = self.y
                part = _Part(cut, 0, repeat, {})
                for h in range(repeat):
                    part.ys[h] = (y, y + heights[h])
                    y += heights[h]
                r = cut
                for k in [k for k in part.ys if k >= cut]:
                    del part.ys[k]
                continue
            part.ys[r] = (y, y + heights[r])
            y += heights[r]
            r += 1
        part.end = n_rows
        parts.append(part)
        page0 = len(self.pages) - len(parts)
        for i, p in enumerate(parts):
            open_top = s.open_break and i > 0 and not p.header
            open_bottom = s.open_break and i < len(parts) - 1
            self._emit(
                self.pages[page0 + i], name, i, p, cells, xs, fnt, pad, line_h, open_top, open_bottom, header_rows
            )
        self.y = y + s.px(14)

    def _vertical(self, c: dict, xs: list[int], fnt) -> bool:
        width = xs[c["col"] + c["col_span"]] - xs[c["col"]]
        return self.s.vertical_text and c["row_span"] >= 4 and width < fnt.size * 3

    def _lines(self, c: dict, xs: list[int], fnt, pad: int) -> list[str]:
        if not c["text"]:
            return []
        if self._vertical(c, xs, fnt):
            return list(c["text"].replace("\n", ""))
        return wrap(c["text"], fnt, xs[c["col"] + c["col_span"]] - xs[c["col"]] - 2 * pad)

    def _emit(
        self,
        page: Page,
        name: str,
        index: int,
        part: _Part,
        cells: list[dict],
        xs,
        fnt,
        pad,
        line_h,
        open_top: bool,
        open_bottom: bool,
        header_rows: int = 0,
    ) -> None:
        s = self.s
        draw = ImageDraw.Draw(page.image)
        lw = s.px(s.rule_pt)
        rows = sorted(part.ys)
        top, bottom = part.ys[rows[0]][0], part.ys[rows[-1]][1]
        faint_x = xs[len(xs) - 4] if s.faint_rule and len(xs) >= 9 else None  # 3 columns from the right
        out = []
        pieces = [c for c in self._clip(cells, 0, part.header)] + list(self._clip(cells, part.first, part.end))
        for c in pieces:
            x0, x1 = xs[c["col"]], xs[c["col"] + c["col_span"]]
            y0, y1 = part.ys[c["row"]][0], part.ys[c["row"] + c["row_span"] - 1][1]
            if s.shade and c["kind"] == "header":
                draw.rectangle([x0, y0, x1, y1], fill=SHADES[s.shade])
            lines = self._lines(c, xs, fnt, pad)
            vertical = self._vertical(c, xs, fnt)
            step = fnt.size if vertical else line_h
            ty = (y0 + y1) / 2 - len(lines) * step / 2
            for ln in lines:
                if s.label_align == "left" and c["kind"] == "label" and not vertical:
                    tx = x0 + pad
                else:
                    tx = (x0 + x1) / 2 - fnt.getlength(ln) / 2
                draw.text((tx, ty), ln, font=fnt, fill=(0, 0, 0))
                ty += step
            if s.stray_marks:
                self._stray_marks(draw, c, (x0, y0, x1, y1), lw, ty)
            out.append({**c, "text": c["text"].replace("\n", ""), "bbox": [x0, y0, x1, y1]})
        head_y = part.ys[min(header_rows, len(rows)) - 1][1] if header_rows and part.first == 0 else None
        for c in out:  # rules over the fills; an open break leaves the edge at the break undrawn
            x0, y0, x1, y1 = c["bbox"]
            edges = []
            if (
                s.ruling == "full"
                or (s.ruling == "no-frame" and x0 != xs[0])
                or (s.ruling == "boxed-rows" and x0 == xs[0])
            ):
                edges.append(((x0, y0), (x0, y1)))
            if (
                s.ruling == "full"
                or (s.ruling == "no-frame" and x1 != xs[-1])
                or (s.ruling == "boxed-rows" and x1 == xs[-1])
            ):
                edges.append(((x1, y0), (x1, y1)))
            three = s.ruling == "three-line"
            if not (open_top and y0 == top) and (not three or y0 == top):
                edges.append(((x0, y0), (x1, y0)))
            if not (open_bottom and y1 == bottom) and (not three or y1 in (bottom, head_y)):
                edges.append(((x0, y1), (x1, y1)))
            for a, b in edges:
                if a[0] == b[0] == faint_x:
                    draw.line([a, b], fill=(215, 215, 215), width=1)
                    continue
                draw.rectangle(
                    [a[0] - lw // 2, a[1] - lw // 2, b[0] + (lw - 1) // 2, b[1] + (lw - 1) // 2], fill=(0, 0, 0)
                )
        # truth rows are numbered from the part's own first row, repeated header rows first
        renumber = {r: i for i, r in enumerate(rows)}
        for c in out:
            c["row"] = renumber[c["row"]]
        page.tables.append(
            {"name": name, "part": index, "first_row": part.first, "header_rows": part.header, "cells": out}
        )

    @staticmethod
    def _stray_marks(
        draw: ImageDraw.ImageDraw, c: dict, box: tuple[int, int, int, int], lw: int, text_bottom: float
    ) -> None:
        """Ink inside one cell that is not a rule: it must not become a row or column boundary."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        if c["kind"] == "header" and c["col_span"] >= 2 and c["text"]:  # an underline under the words
            y = min(y1 - 2 * lw, int(text_bottom) + lw)
            draw.rectangle([x0 + w * 0.2, y, x1 - w * 0.2, y + max(1, lw) - 1], fill=(0, 0, 0))
        elif c["kind"] == "label" and c["row_span"] >= 2:  # a pen stroke down a tall label
            draw.rectangle([x0 + w * 0.8, y0 + h * 0.2, x0 + w * 0.8 + max(1, lw) - 1, y1 - h * 0.2], fill=(0, 0, 0))
        elif c["kind"] == "header" and c["text"]:  # a short stroke off the left wall
            draw.rectangle([x0, (y0 + y1) // 2, x0 + w * 0.3, (y0 + y1) // 2 + max(1, lw) - 1], fill=(0, 0, 0))

    @staticmethod
    def _clip(cells: list[dict], r0: int, r1: int) -> list[dict]:
        """The cells of rows r0..r1-1; a merged cell cut by the page keeps its text in its larger piece."""
        out = []
        for c in cells:
            a, b = max(c["row"], r0), min(c["row"] + c["row_span"], r1)
            if a >= b:
                continue
            inside = b - a
            before = max(0, min(c["row"] + c["row_span"], r0) - c["row"])
            after = max(0, c["row"] + c["row_span"] - max(c["row"], r1))
            keeps = inside > before and inside >= after if (before or after) else True
            out.append({**c, "row": a, "row_span": inside, "text": c["text"] if keeps else ""})
        return out


def styled(style: Style, **changes) -> Style:
    return replace(style, **changes)
