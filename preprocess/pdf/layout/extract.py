"""Default backend, step 1 (extract): every text line of a PDF with its page, box and style.

`pdfium_lines` (pypdfium2) gives each line its box, a font-size proxy, font name and boldness,
the length of a bold run-in lead, and the span without merged-in margin numbers; `pypdf_lines`
is the layout-free fallback. Then `clean` strips margins, `headings` and `sections` find the structure.
"""

from __future__ import annotations

import ctypes
import logging
import re
from pathlib import Path

from preprocess.pdf.lines import LEADING_NUMBER, TRAILING_NUMBER, Line

log = logging.getLogger(__name__)

BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi|\.B\b|-B\b|CMBX", re.I)
WORD_INITIAL = re.compile(r"(?<!\S)[^\W\d_]")
TITLE_ZONE = 0.6  # page 1's upper part, where `find_title` looks: lines there get a `title_size`


def _units(text: str) -> int:
    """Length in UTF-16 code units: pdfium's text indices count those."""
    return len(text.encode("utf-16-le")) // 2


def _middle_glyph(text: str) -> int:
    """Index of a non-space character near the middle of `text`."""
    mid = len(text) // 2
    for pos in sorted(range(len(text)), key=lambda p: abs(p - mid)):
        if not text[pos].isspace():
            return pos
    return 0


def _font_info(textpage, index: int) -> tuple[str, int]:
    import pypdfium2.raw as pdfium_c

    buf = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, index, buf, 96, ctypes.byref(flags))
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    return buf.value.decode("latin-1", "replace"), int(weight)


def _is_bold(textpage, index: int) -> bool:
    font, weight = _font_info(textpage, index)
    return weight >= 600 or bool(BOLD_NAME.search(font))


def _bold_lead(textpage, first: int, limit: int) -> int:
    """Length of the bold run opening a line whose middle is not bold (0 when the line starts plain)."""
    import pypdfium2.raw as pdfium_c

    if first < 0 or not _is_bold(textpage, first):
        return 0
    for k in range(first + 1, first + limit):
        if chr(pdfium_c.FPDFText_GetUnicode(textpage, k) or 32).isspace():
            continue
        if not _is_bold(textpage, k):
            return k - first
    return 0


def _number_free_span(textpage, first: int, text: str, left: float, right: float) -> tuple[float, float]:
    """x range of a line without a leading/trailing number token (margin line numbers merged in)."""
    if _units(text) != len(text):
        return left, right
    if (m := LEADING_NUMBER.match(text)) and m.end() < len(text):
        left = textpage.get_charbox(first + m.end())[0]
    if (m := TRAILING_NUMBER.search(text)) and m.start() > 0:
        right = textpage.get_charbox(first + len(text[: m.start()].rstrip()) - 1)[2]
    return left, right


def _initials_size(textpage, first: int, text: str) -> float:
    """The glyph height that at least half the line's word-initial letters reach. A title set in small
    capitals ("FORMATTING" as a large F and a smaller ORMATTING) is measured by its capitals this way, not by
    whichever letter lies in the middle of the line; a lone drop cap does not count. 0.0 without such words."""
    if _units(text) != len(text):
        return 0.0
    sizes = []
    for match in WORD_INITIAL.finditer(text[:200]):
        _, bottom, _, top = textpage.get_charbox(first + match.start(), loose=True)
        sizes.append(top - bottom)
    sizes.sort(reverse=True)
    return round(sizes[(len(sizes) - 1) // 2], 1) if sizes else 0.0


def _gap_cut(textpage, first: int, text: str, size: float) -> int:
    """Where a bold line jumps right by more than 2.5 glyph heights (figure labels on a heading's
    baseline); 0 when it does not."""
    prev_right = None
    for pos in range(len(text)):
        if text[pos].isspace():
            continue
        left, _, right, _ = textpage.get_charbox(first + pos)
        if prev_right is not None and left - prev_right > 2.5 * max(size, 4.0):
            return pos
        prev_right = right
    return 0


def _pdfium_page_lines(page, pageno: int) -> list[Line]:
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines: list[Line] = []
        offset = 0  # in UTF-16 code units, pdfium's text index
        for raw_line in text.split("\r\n"):
            units = _units(raw_line)
            stripped = raw_line.strip()
            if stripped:
                lead = len(raw_line) - len(raw_line.lstrip())
                mid_pos = _middle_glyph(stripped)
                first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset + lead)
                mid = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset + lead + _units(stripped[:mid_pos]))
                last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset + lead + _units(stripped) - 1)
                try:
                    left, _, _, _ = textpage.get_charbox(max(first, 0), loose=True)
                    _, bottom, _, top = textpage.get_charbox(max(mid, 0), loose=True)
                    _, _, right, _ = textpage.get_charbox(max(last, 0), loose=True)
                    font, weight = _font_info(textpage, max(mid, 0))
                    if weight >= 600 or BOLD_NAME.search(font):  # run-in headings: bold must last to the end
                        last_font, last_weight = _font_info(textpage, max(last, 0))
                        weight = min(weight, last_weight) if last_font != font else weight
                        font = font if last_weight >= 600 or BOLD_NAME.search(last_font) else last_font
                    title_zone = pageno == 0 and height - top < TITLE_ZONE * height
                    title_size = _initials_size(textpage, first, stripped) if title_zone else 0.0
                    bold_lead = 0 if weight >= 600 else _bold_lead(textpage, first, min(len(stripped), 90))
                    body_x0, body_x1 = _number_free_span(textpage, first, stripped, left, right)
                    if weight >= 600 and len(stripped) <= 120 and _units(stripped) == len(stripped):
                        cut = _gap_cut(textpage, first, stripped, top - bottom)
                        stripped = stripped[:cut].rstrip() if cut else stripped
                except Exception:  # a glyph without a box: keep the text, lose the style
                    left = right = top = bottom = 0.0
                    font, weight, bold_lead, title_size = "", 0, 0, 0.0
                    body_x0 = body_x1 = 0.0
                lines.append(
                    Line(
                        text=stripped,
                        page=pageno,
                        x0=left,
                        x1=right,
                        top=height - top,
                        size=round(max(top - bottom, 0.0), 1),
                        title_size=title_size,
                        font=font,
                        bold=weight >= 600 or bool(BOLD_NAME.search(font)),
                        bold_lead=bold_lead,
                        body_x0=body_x0,
                        body_x1=body_x1,
                        page_width=width,
                        page_height=height,
                    )
                )
            offset += units + 2
        return lines
    finally:
        textpage.close()


def pdfium_lines(path: str | Path) -> tuple[list[Line], int]:
    """Styled lines of every page via pypdfium2, and the page count."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        lines: list[Line] = []
        for pageno in range(len(doc)):
            page = doc[pageno]
            try:
                lines.extend(_pdfium_page_lines(page, pageno))
            finally:
                page.close()
        return lines, len(doc)
    finally:
        doc.close()


def pypdf_lines(path: str | Path) -> tuple[list[Line], int]:
    """Plain lines of every page via pypdf (no layout: size 0), and the page count."""
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens many "encrypted" PDFs
        raise ValueError("encrypted PDF (password required)")
    lines: list[Line] = []
    for pageno, page in enumerate(reader.pages):
        for raw_line in (page.extract_text() or "").splitlines():
            if raw_line.strip():
                lines.append(Line(text=raw_line.strip(), page=pageno))
    return lines, len(reader.pages)
