"""A second, independent renderer: lay a document out with LibreOffice Writer, the way offices make
them, then scan its pages like the forge's own.

The document is written as flat ODF (.fodt) from the same content (figures, tables, body text) and
Style (typeface, rule weight, shading, repeated headers, frames open at page breaks, vertical text),
converted by `soffice --headless --convert-to pdf`, rendered at 300 dpi by pdftoppm, and degraded with
a scan Profile. Writer decides line breaks, row heights and page breaks itself; which table rows
landed on which page is read back from the PDF's text (pdftotext), so the truth has rows, spans and
text but no cell boxes.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

from .documents import DocSpec, draw_content
from .layout import SHADES, Style
from .scan import degrade, to_pdf

FAMILIES = {
    "song": "Noto Serif CJK SC",
    "ming": "AR PL UMing CN",
    "kai": "AR PL UKai CN",
    "wenkai": "LXGW WenKai",
    "fangsong": "LXGW WenKai Light",
    "hei": "Noto Sans CJK SC",
    "zenhei": "WenQuanYi Zen Hei",
    "microhei": "WenQuanYi Micro Hei",
}
TEXT_WIDTH_CM = 16.0


def available() -> bool:
    return shutil.which("soffice") is not None and shutil.which("pdftotext") is not None


_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"'
)


_SIDES = ("top", "bottom", "left", "right")


def _cell_style(head: bool, edges: int, vertical: bool) -> str:
    return f"{'TH' if head else 'TC'}{edges}{'V' if vertical else ''}"


def _edges(style: Style, c: dict, n_rows: int, n_cols: int, header_rows: int) -> int:
    """The sides of cell c that carry a rule, as bits in _SIDES order, drawn as the forge's layout rules
    them (Style.ruling); open_break: only the last row rules its bottom, so a part that ends at a page
    break is open there, as Word leaves it."""
    r1, k0, k1 = c["row"] + c["row_span"], c["col"], c["col"] + c["col_span"]
    ruling = style.ruling
    three = ruling == "three-line"
    sides = (
        not three or c["row"] == 0,
        (not three or r1 in (n_rows, header_rows)) and (not style.open_break or r1 == n_rows),
        ruling == "full" or (ruling == "no-frame" and k0 > 0) or (ruling == "boxed-rows" and k0 == 0),
        ruling == "full" or (ruling == "no-frame" and k1 < n_cols) or (ruling == "boxed-rows" and k1 == n_cols),
    )
    return sum(1 << i for i, on in enumerate(sides) if on)


def _styles(style: Style) -> str:
    """Page, paragraph and cell styles for one Style."""
    rule = f"{style.rule_pt}pt solid #000000"
    fill = 'fo:background-color="#{:02x}{:02x}{:02x}"'.format(*SHADES[style.shade]) if style.shade else ""
    cells = []
    for head in (False, True):
        for edges in range(16):
            border = " ".join(
                f'fo:border-{side}="{rule if edges & (1 << i) else "none"}"' for i, side in enumerate(_SIDES)
            )
            for vertical in (False, True):
                mode = ' style:writing-mode="tb-rl"' if vertical else ""
                cells.append(
                    f'<style:style style:name="{_cell_style(head, edges, vertical)}" style:family="table-cell">'
                    f'<style:table-cell-properties {border} {fill if head else ""} fo:padding="0.08cm" '
                    f'style:vertical-align="middle"{mode}/></style:style>'
                )
    return "".join(cells) + (
        '<style:style style:name="Row" style:family="table-row"><style:table-row-properties '
        'fo:keep-together="always"/></style:style>'
        '<style:style style:name="PC" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>'
        "</style:style>"
        '<style:style style:name="PL" style:family="paragraph"><style:paragraph-properties fo:text-align="start"/>'
        "</style:style>"
        f'<style:style style:name="PT" style:family="paragraph"><style:paragraph-properties fo:text-align="center" '
        f'fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="{style.body_pt * 1.35:.1f}pt" '
        f'style:font-size-asian="{style.body_pt * 1.35:.1f}pt" fo:font-weight="bold" '
        'style:font-weight-asian="bold"/></style:style>'
        f'<style:style style:name="PB" style:family="paragraph"><style:paragraph-properties fo:line-height="150%" '
        f'fo:text-indent="{2 * style.body_pt:.1f}pt"/><style:text-properties fo:font-size="{style.body_pt}pt" '
        f'style:font-size-asian="{style.body_pt}pt"/></style:style>'
        f'<style:style style:name="PH" style:family="paragraph"><style:paragraph-properties fo:line-height="150%" '
        f'fo:keep-with-next="always"/><style:text-properties fo:font-size="{style.body_pt}pt" '
        f'style:font-size-asian="{style.body_pt}pt" fo:font-weight="bold" style:font-weight-asian="bold"/>'
        "</style:style>"
    )


def _table(name: str, cells: list[dict], widths: list[float], header_rows: int, style: Style) -> str:
    n_rows = max(c["row"] + c["row_span"] for c in cells)
    n_cols = max(c["col"] + c["col_span"] for c in cells)
    origin = {(c["row"], c["col"]): c for c in cells}
    covered = {
        (r, k)
        for c in cells
        for r in range(c["row"], c["row"] + c["row_span"])
        for k in range(c["col"], c["col"] + c["col_span"])
    } - set(origin)
    cols = "".join(
        f'<style:style style:name="{name}C{i}" style:family="table-column"><style:table-column-properties '
        f'style:column-width="{w * TEXT_WIDTH_CM:.3f}cm"/></style:style>'
        for i, w in enumerate(widths)
    )
    out = [
        f'<table:table table:name="{name}" table:style-name="{name}T">'
        + "".join(f'<table:table-column table:style-name="{name}C{i}"/>' for i in range(n_cols))
    ]
    rows = []
    for r in range(n_rows):
        parts = []
        for k in range(n_cols):
            c = origin.get((r, k))
            if c is None:
                parts.append(
                    "<table:covered-table-cell/>"
                    if (r, k) in covered
                    else '<table:table-cell table:style-name="TC"><text:p/></table:table-cell>'
                )
                continue
            vertical = style.vertical_text and c["row_span"] >= 4 and widths[k] * TEXT_WIDTH_CM < 1.5
            sname = _cell_style(c["kind"] == "header", _edges(style, c, n_rows, n_cols, header_rows), vertical)
            para = "PL" if style.label_align == "left" and c["kind"] == "label" else "PC"
            span = (f' table:number-columns-spanned="{c["col_span"]}"' if c["col_span"] > 1 else "") + (
                f' table:number-rows-spanned="{c["row_span"]}"' if c["row_span"] > 1 else ""
            )
            lines = "".join(f'<text:p text:style-name="{para}">{escape(t)}</text:p>' for t in c["text"].split("\n"))
            parts.append(
                f'<table:table-cell table:style-name="{sname}"{span} office:value-type="string">{lines}'
                "</table:table-cell>"
            )
        rows.append(f'<table:table-row table:style-name="Row">{"".join(parts)}</table:table-row>')
    if header_rows and style.repeat_header:
        out.append("<table:table-header-rows>" + "".join(rows[:header_rows]) + "</table:table-header-rows>")
        rows = rows[header_rows:]
    out += rows
    out.append("</table:table>")
    table_style = (
        f'<style:style style:name="{name}T" style:family="table"><style:table-properties '
        f'style:width="{TEXT_WIDTH_CM}cm" table:align="left" fo:margin-top="0.1cm" '
        f'fo:margin-bottom="0.3cm"/></style:style>'
    )
    return table_style + cols, "".join(out)


def fodt(blocks: list[tuple], style: Style) -> str:
    """blocks: ("title" | "heading" | "para", text) or ("table", name, cells, widths, header_rows)."""
    family = FAMILIES[style.table_font]
    body_family = FAMILIES[style.body_font]
    auto, body = [_styles(style)], []
    for b in blocks:
        if b[0] == "table":
            st, xml = _table(*b[1:], style)
            auto.append(st)
            body.append(xml)
        else:
            kind, text = b
            sname = {"title": "PT", "heading": "PH", "para": "PB"}[kind]
            body.append(
                f'<text:p text:style-name="{sname}"><text:span text:style-name="BodyFont">'
                f"{escape(text)}</text:span></text:p>"
            )
    fonts = (
        f'<style:font-face style:name="Table" svg:font-family="&apos;{family}&apos;"/>'
        f'<style:font-face style:name="Body" svg:font-family="&apos;{body_family}&apos;"/>'
    )
    default = (
        f'<style:default-style style:family="paragraph"><style:text-properties style:font-name="Table" '
        f'fo:font-size="{style.table_pt}pt" style:font-name-asian="Table" '
        f'style:font-size-asian="{style.table_pt}pt" fo:language="zh" fo:country="CN"/></style:default-style>'
    )
    span = (
        '<style:style style:name="BodyFont" style:family="text"><style:text-properties style:font-name="Body" '
        'style:font-name-asian="Body"/></style:style>'
    )
    page = (
        '<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" '
        'fo:page-height="29.7cm" fo:margin-top="2.5cm" fo:margin-bottom="2.5cm" fo:margin-left="2.5cm" '
        'fo:margin-right="2.5cm"/></style:page-layout>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document {_NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:font-face-decls>{fonts}</office:font-face-decls>"
        f"<office:styles>{default}{span}</office:styles>"
        f"<office:automatic-styles>{page}{''.join(auto)}</office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/>'
        f"</office:master-styles><office:body><office:text>{''.join(body)}</office:text></office:body>"
        "</office:document>"
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _row_keys(cells: list[dict], n_rows: int) -> list[str | None]:
    """Per row, the text of a word cell that starts in it and says something (not a number)."""
    keys: list[str | None] = []
    for r in range(n_rows):
        words = [
            c["text"]
            for c in sorted(cells, key=lambda c: c["col"])
            if c["row"] == r and len(_squash(c["text"])) >= 2 and not re.fullmatch(r"[\d,.\-]+", c["text"])
        ]
        keys.append(_squash(words[0]) if words else None)
    return keys


class LayoutLost(Exception):
    """Writer's PDF lacks rows of a table (it can leave out the rows of a merged cell taller than the
    page's room): a truth built from it would hold cells that no page shows."""


def pages_of_rows(
    page_texts: list[str], tables: list[tuple[str, list[dict], int]], max_lost: float = 0.25
) -> list[list[int]]:
    """For each table, the page index of each of its rows, read from the pages' text in order. A row
    whose words are not found stays on the page of the row before; more than max_lost of a table's rows
    with words not found raises LayoutLost."""
    texts = [_squash(t) for t in page_texts]
    page, at = 0, 0
    out = []
    for name, cells, _header_rows in tables:
        n_rows = max(c["row"] + c["row_span"] for c in cells)
        rows = []
        keys = _row_keys(cells, n_rows)
        lost = 0
        for key in keys:
            if key:
                i = texts[page].find(key, at)
                if i < 0:
                    for p in range(page + 1, len(texts)):
                        i = texts[p].find(key)
                        if i >= 0:
                            page, at = p, 0
                            break
                if i >= 0:
                    at = i + len(key)
                else:
                    lost += 1
            rows.append(page)
        if lost > max_lost * sum(1 for k in keys if k):
            raise LayoutLost(f"table {name}: {lost} of its rows are on no page")
        out.append(rows)
    return out


def _parts(name: str, cells: list[dict], rows_page: list[int], header_rows: int, repeat: bool) -> dict[int, dict]:
    """page index -> the table part on it, rows numbered from the part's first row (repeated header first)."""
    parts: dict[int, dict] = {}
    for i, page in enumerate(sorted(set(rows_page))):
        rows = [r for r, p in enumerate(rows_page) if p == page]
        r0, r1 = rows[0], rows[-1] + 1
        head = header_rows if (repeat and i > 0) else 0
        out = []
        for c in cells:
            a, b = max(c["row"], r0), min(c["row"] + c["row_span"], r1)
            if head and c["row"] + c["row_span"] <= header_rows:
                out.append({**c})
            if a >= b:
                continue
            first_piece = a == c["row"]
            out.append({**c, "row": a - r0 + head, "row_span": b - a, "text": c["text"] if first_piece else ""})
        parts[page] = {
            "name": name,
            "part": i,
            "first_row": r0,
            "header_rows": head,
            "cells": [{**c, "text": c["text"].replace("\n", "")} for c in out],
        }
    return parts


def forge_with_writer(out: Path, spec: DocSpec, rng: random.Random) -> dict:
    """Write out/NAME.pdf (Writer's layout, scanned) and out/NAME.truth.json; returns the truth."""
    blocks, figures, broken, tables = draw_content(spec, rng)
    with tempfile.TemporaryDirectory(prefix="tablescan-writer-") as tmp:
        src = Path(tmp) / f"{spec.name}.fodt"
        src.write_text(fodt(blocks, spec.style), encoding="utf-8")
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pdf = src.with_suffix(".pdf")
        n_pages = int(
            re.search(
                r"Pages:\s+(\d+)",
                subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout,
            ).group(1)
        )
        texts = [
            subprocess.run(
                ["pdftotext", "-raw", "-f", str(p), "-l", str(p), str(pdf), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for p in range(1, n_pages + 1)
        ]
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(Path(tmp) / "page")], check=True)
        images = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("page-*.png"))]
    rows_pages = pages_of_rows(texts, tables)
    per_page: list[list[dict]] = [[] for _ in images]
    for (name, cells, header_rows), rows_page in zip(tables, rows_pages):
        for page, part in _parts(name, cells, rows_page, header_rows, spec.style.repeat_header).items():
            per_page[page].append(part)
    scans, pages = [], []
    for i, img in enumerate(images):
        scan, angle = degrade(img, spec.profile, rng)
        scans.append(scan)
        pages.append(
            {
                "number": i + 1,
                "skew_degrees": round(angle, 3),
                "upside_down": spec.profile.upside_down,
                "text": [ln for ln in texts[i].splitlines() if ln.strip()],
                "tables": per_page[i],
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    to_pdf(scans, str(out / f"{spec.name}.pdf"), spec.profile.dpi)
    truth = {
        "name": spec.name,
        "renderer": "libreoffice-writer",
        "kind": spec.kind,
        "format": spec.format if spec.kind == "annual_report" else None,
        "variation": spec.variation,
        "style": dataclasses.asdict(spec.style),
        "profile": dataclasses.asdict(spec.profile),
        "draw_dpi": 300,
        "scan_dpi": spec.profile.dpi,
        "figures": figures,
        "broken_rule": broken,
        "pages": pages,
    }
    (out / f"{spec.name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return truth
