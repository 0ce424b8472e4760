"""Optional `pymupdf` backend: PyMuPDF layout mode (`pymupdf4llm`) Markdown to the paper record.

PyMuPDF, pymupdf4llm and pymupdf-layout are AGPL-3.0, so they are an optional extra, not a
requirement: `pip install pymupdf4llm==1.28.2 pymupdf-layout==1.28.2`. Margin line numbers of
under-review templates are redacted from the page before layout analysis (left in, they turn every
page into a table); Markdown headings then give the sections (`markdown`).
"""

from __future__ import annotations

import re
from pathlib import Path

from preprocess.pdf.errors import PdfError
from preprocess.pdf.layout.clean import strip_headers_footers
from preprocess.pdf.optional.markdown import markdown_lines, structure
from preprocess.pdf.record import ParsedPaper

INSTALL = "pip install pymupdf4llm==1.28.2 pymupdf-layout==1.28.2 (AGPL-3.0, optional extra)"


def available() -> str | None:
    """None when the backend can run, else what to install."""
    try:
        import pymupdf4llm  # noqa: F401
    except ImportError:
        return f"the pymupdf backend needs {INSTALL}"
    return None


def redact_margin_numbers(doc) -> int:
    """Remove number-only words left or right of each page's text block; returns how many."""
    removed = 0
    for page in doc:
        words = page.get_text("words")
        text = [w for w in words if re.search(r"[A-Za-z]{2}", w[4])]
        if len(text) < 20:
            continue
        lefts, rights = sorted(w[0] for w in text), sorted(w[2] for w in text)
        left, right = lefts[len(lefts) // 20], rights[-len(rights) // 20 - 1]
        margin = [w for w in words if re.fullmatch(r"\d{1,4}", w[4]) and (w[2] < left - 3 or w[0] > right + 3)]
        if len(margin) < 5:  # a page number or two is not a ruler
            continue
        for w in margin:
            page.add_redact_annot((w[0], w[1], w[2], w[3]))
        page.apply_redactions(images=0, graphics=0)
        removed += len(margin)
    return removed


def parse_pymupdf(path: str | Path) -> ParsedPaper:
    """One PDF through PyMuPDF layout mode to a ParsedPaper; raises `PdfError`."""
    missing = available()
    if missing:
        raise PdfError(path, missing)
    import pymupdf
    import pymupdf4llm

    try:
        import pymupdf.layout  # noqa: F401  (switches pymupdf4llm to layout mode)
    except ImportError:
        pass
    try:
        doc = pymupdf.open(str(path))
    except Exception as exc:
        raise PdfError(path, f"pymupdf cannot open it: {exc}") from exc
    try:
        if doc.needs_pass:
            raise PdfError(path, "encrypted PDF (password required)")
        redacted = redact_margin_numbers(doc)
        chunks = pymupdf4llm.to_markdown(doc, page_chunks=True, show_progress=False)
        pages = doc.page_count
    finally:
        doc.close()
    lines, _ = strip_headers_footers(markdown_lines(chunks), pages)
    if not any(line.text for line in lines):
        raise PdfError(path, f"no text layer in {pages} page(s) (scanned or blank)")
    paper = structure(lines)
    paper.warnings = [] if paper.sections else ["no section headings found"]
    if redacted:
        paper.warnings.append(f"redacted {redacted} margin line numbers before layout analysis")
    paper.pages, paper.backend = pages, "pymupdf4llm"
    return paper
