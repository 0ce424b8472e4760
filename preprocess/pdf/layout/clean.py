"""Default backend, step 2 (clean): margin line numbers, running headers/footers, hyphenation.

Works on `Line`s from `extract`, with layout (pypdfium2) or without (pypdf, Markdown). Under-review
templates put line numbers in the margin (ICLR: rulers "000 054" in both margins; NeurIPS: one
number per line, often merged into the line's text); journals repeat a header on every page.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict

from preprocess.pdf.lines import LEADING_NUMBER, TRAILING_NUMBER, Line

log = logging.getLogger(__name__)

NUMBER_ONLY = re.compile(r"^\d{1,4}$")
SOFT_HYPHEN_NUMBER = re.compile(r"\ufffe\s*\d{1,4}\s+")
# PDF control glyphs that stand for bullets, daggers or ligature junk in odd font encodings.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _normalize(text: str) -> str:
    text = text.replace("\ufffe", "").replace("\u00ad", "").replace("\ufb01", "fi").replace("\ufb02", "fl")
    text = CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", " ", text).strip()


def _numbers(text: str) -> list[int] | None:
    """The integers of a line made only of 1-4 digit numbers ("000 054"), else None."""
    tokens = text.split()
    return [int(t) for t in tokens] if tokens and all(NUMBER_ONLY.match(t) for t in tokens) else None


def _counts_up(values: list[int]) -> bool:
    """True when most neighbouring values step up by one or two (margin line numbers do)."""
    if len(values) < 5:
        return False
    steps = sum(1 for a, b in zip(values, values[1:], strict=False) if 1 <= b - a <= 2)
    return steps >= 0.7 * (len(values) - 1)


def _text_edges(page_lines: list[Line]) -> tuple[float, float] | None:
    """Left and right edge of a page's running text: where wordy lines start, where most end."""
    wordy = [line for line in page_lines if len(line.text.split()) >= 4 and _numbers(line.text) is None]
    if len(wordy) < 3:
        return None
    starts = Counter(round(line.body_x0) for line in wordy)
    floor = max(2, 0.1 * len(wordy))
    left = min((x for x, n in starts.items() if n >= floor), default=min(starts))
    ends = sorted(line.body_x1 for line in wordy)
    return float(left), ends[int(0.9 * (len(ends) - 1))]


def strip_line_numbers(lines: list[Line]) -> tuple[list[Line], int]:
    """Remove margin line numbers (ICLR rulers "000 054", NeurIPS lineno "12 text").

    With layout: number-only lines outside the text block, and a leading (trailing) number of a line
    that starts left of (ends right of) the text block. Without layout: number-only lines and
    leading/trailing numbers that count up through most lines of a page.
    """
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        by_page[line.page].append(i)
    drop: set[int] = set()
    edits = 0
    for idxs in by_page.values():
        page_lines = [lines[i] for i in idxs]
        edges = _text_edges(page_lines) if page_lines[0].has_layout else None
        alone = [i for i in idxs if _numbers(lines[i].text) is not None]
        if edges is not None:
            left, right = edges
            for i in alone:
                values = _numbers(lines[i].text) or []
                if lines[i].x0 < left - 6 or lines[i].x0 > right - 2 or (len(values) >= 5 and _counts_up(values)):
                    drop.add(i)
            for i in idxs:
                line = lines[i]
                if i in drop:
                    continue
                if line.x0 < left - 6 and (m := LEADING_NUMBER.match(line.text)):
                    line.text, edits = line.text[m.end() :], edits + 1
                if line.x1 > right + 6 and (m := TRAILING_NUMBER.search(line.text)):
                    line.text, edits = line.text[: m.start()], edits + 1
            if drop or edits:  # pdfium joins a hyphenated line to the next one, margin number included
                for i in idxs:
                    lines[i].text = SOFT_HYPHEN_NUMBER.sub("\ufffe", lines[i].text)
            continue
        flat = [v for i in alone for v in (_numbers(lines[i].text) or [])]
        if _counts_up(sorted(flat)):
            drop.update(alone)
        rest = [i for i in idxs if i not in drop]
        for pattern in (LEADING_NUMBER, TRAILING_NUMBER):
            hits = [(i, m) for i in rest if (m := pattern.search(lines[i].text))]
            if len(hits) >= 0.6 * len(rest) and _counts_up([int(m.group(1)) for _, m in hits]):
                for i, m in hits:
                    lines[i].text = (lines[i].text[: m.start()] + lines[i].text[m.end() :]).strip()
                    edits += 1
    return [line for i, line in enumerate(lines) if i not in drop], len(drop) + edits


def strip_margin_numbers(text: str) -> str:
    """`strip_line_numbers` for text another parser made (science-parse, GROBID, LaTeX or Markdown imports), one
    home for the rule: its lines, without layout, as one page; text without a run of margin numbers unchanged."""
    kept, stripped = strip_line_numbers([Line(line, 0) for line in text.split("\n")])
    return "\n".join(line.text for line in kept).strip() if stripped else text


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def strip_headers_footers(lines: list[Line], pages: int) -> tuple[list[Line], int]:
    """Drop page numbers and running headers/footers: short lines repeated at a page's top or bottom."""
    edge_lines: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        edge_lines[line.page].append(i)
    candidates: dict[int, bool] = {}
    for idxs in edge_lines.values():
        # reading order is not page order: the edge is by position where known, else first/last lines
        if lines[idxs[0]].has_layout:
            height = lines[idxs[0]].page_height or 792.0
            edge = [i for i in idxs if lines[i].top < 0.08 * height or lines[i].top > 0.9 * height]
        else:
            edge = idxs[:2] + idxs[-2:]
        for i in edge:
            candidates[i] = True
    shapes = Counter(_shape(lines[i].text) for i in candidates)
    min_repeat = max(2, int(0.3 * pages))
    drop = {
        i
        for i in candidates
        if len(lines[i].text) < 120
        and (
            shapes[_shape(lines[i].text)] >= min_repeat
            or re.fullmatch(r"(page )?\d{1,4}( of \d+)?", lines[i].text, re.I)
        )
    }
    return [line for i, line in enumerate(lines) if i not in drop], len(drop)


def clean_lines(lines: list[Line], pages: int) -> tuple[list[Line], list[str]]:
    """Normalize text, strip margin numbers and headers/footers; returns lines and warnings."""
    warnings: list[str] = []
    lines, numbers = strip_line_numbers(lines)
    for line in lines:
        line.text = _normalize(line.text)
    lines = [line for line in lines if line.text]
    if numbers:
        log.debug("stripped %d margin line numbers", numbers)
    lines, edges = strip_headers_footers(lines, pages)
    if edges:
        log.debug("stripped %d header/footer lines", edges)
    if not lines:
        warnings.append("no text layer (scanned or empty PDF)")
    return lines, warnings
