"""Optional `pymupdf` backend: PyMuPDF layout mode (`pymupdf4llm`) Markdown to the paper record.

PyMuPDF, pymupdf4llm and pymupdf-layout are AGPL-3.0, so they are an optional extra, not a
requirement: `pip install pymupdf4llm==1.28.2 pymupdf-layout==1.28.2`. Margin line numbers of
under-review templates are redacted from the page before layout analysis (left in, they turn every
page into a table); Markdown headings then give the sections.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from preprocess.core.record import Section
from preprocess.pdf.clean import strip_headers_footers
from preprocess.pdf.errors import PdfError
from preprocess.pdf.lines import Line, join_lines
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.sections import split_references
from preprocess.pdf.vocab import ABSTRACT, NOT_TITLE, NUMBERED, STOP_ABSTRACT, heading_kind, tidy_heading

INSTALL = "pip install pymupdf4llm==1.28.2 pymupdf-layout==1.28.2 (AGPL-3.0, optional extra)"
MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
MD_MARKUP = re.compile(
    r"\*\*|__|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)|`|<sup>.*?</sup>|</?u>|<br>|<!--.*?-->|!\[[^\]]*\]\([^)]*\)"
)
PICTURE = re.compile(r"<!-- (Start|End) of picture text -->")


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


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", MD_MARKUP.sub("", text)).strip()


def markdown_lines(chunks: list[dict[str, Any]]) -> list[Line]:
    """Per-page Markdown to lines; a heading line keeps its leading '#', paragraphs end in ''."""
    lines: list[Line] = []
    for pageno, chunk in enumerate(chunks):
        in_picture = False
        for raw in chunk["text"].splitlines():
            raw = raw.strip()
            if (marker := PICTURE.search(raw)) or in_picture:  # text inside figures is not prose
                in_picture = marker.group(1) == "Start" if marker else in_picture
                continue
            heading = MD_HEADING.match(raw)
            text = "# " + _plain(heading.group(1)) if heading else _plain(raw.lstrip("-*> "))
            if text.strip("# "):
                lines.append(Line(text=text, page=pageno))
            elif lines and lines[-1].text:
                lines.append(Line(text="", page=pageno))
    return lines


def structure(lines: list[Line]) -> ParsedPaper:
    """Title, abstract, kind-tagged sections and references from Markdown lines."""
    title, abstract = "", ""
    sections: list[Section] = []
    references: list[str] = []
    current: dict[str, Any] | None = None
    kind = "body"
    body: list[str] = []

    def close() -> None:
        nonlocal abstract
        paras = "\n".join(body).split("\n\n")
        text = "\n\n".join(join_lines([t for t in p.split("\n") if t]) for p in paras if p.strip())
        if current is None:
            return
        if current["kind"] == "abstract":
            abstract = abstract or text
        elif current["kind"] == "references":
            references.extend(split_references([Line(t, 0) for t in body if t]))
        else:
            sections.append(Section(current["heading"], text, current["kind"]))

    for line in lines:
        if not line.text.startswith("# "):
            if current is None and not title and not line.text == "":
                continue  # front matter before the first heading: authors, affiliations
            body.append(line.text)
            continue
        text = line.text[2:]
        if not title and line.page == 0 and not ABSTRACT.match(text):
            if len(text.split()) >= 3 and not NOT_TITLE.search(text):
                title = text
            continue  # headings above the title are journal banners ("RESEARCH", "Open Access")
        close()
        body = []
        match = ABSTRACT.match(text)
        if match:
            current = {"heading": "Abstract", "kind": "abstract"}
            if text[match.end() :]:
                body.append(text[match.end() :])
            continue
        number_match = NUMBERED.match(text)
        number, bare = (number_match.group("num"), number_match.group("rest")) if number_match else ("", text)
        kind = heading_kind(bare, number, kind)
        current = {"heading": tidy_heading(bare.rstrip(".: ")), "kind": kind}
    close()
    if abstract and STOP_ABSTRACT.search(abstract):
        abstract = abstract[: STOP_ABSTRACT.search(abstract).start()].strip()
    return ParsedPaper(title=title, abstract=abstract, sections=sections, references=references)


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
