"""Quality measures for parsed papers: heading recall against a reference parse, leftover margin numbers,
words per section kind against the PDF's own word count.

Used by `bench/parse.py` and the tests; the reference is GROBID's TEI (or any record with sections).
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from preprocess.core.record import body_sections, word_count
from preprocess.pdf.record import ParsedPaper

STOP = {"a", "an", "and", "the", "of", "for", "in", "on", "to", "with", "vs"}
# Three-digit tokens counting up through a text are what ICLR margin numbers leave behind.
MARGIN_RUN = re.compile(r"\b(0\d\d|1\d\d)\b")


def heading_tokens(heading: str) -> list[str]:
    """Lower-case word tokens of a heading without its numbering ("2.1", "A.", "IV.")."""
    text = re.sub(r"^\s*(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*|[IVX]+)\.?\s+", "", heading.strip())
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if not t.isdigit()]


def headings_match(ref: str, pred: str) -> bool:
    """Same heading up to numbering, case and small OCR/merge slips (GROBID's "Model 2.1 Overview")."""
    a, b = heading_tokens(ref), heading_tokens(pred)
    if not a or not b:
        return False
    if a == b or SequenceMatcher(None, " ".join(a), " ".join(b)).ratio() >= 0.85:
        return True
    small, large = sorted((set(a) - STOP, set(b) - STOP), key=len)
    return bool(small) and small <= large and len(small) >= 0.5 * len(large)


def heading_recall(reference: list[str], predicted: list[str]) -> tuple[float, list[str]]:
    """Share of reference headings found among predicted ones, and the ones missed."""
    refs = [h for h in reference if heading_tokens(h)]
    missed = [r for r in refs if not any(headings_match(r, p) for p in predicted)]
    return (1.0 - len(missed) / len(refs) if refs else 1.0), missed


def body_headings(paper: ParsedPaper) -> list[str]:
    """Headings of a paper's body sections (not references, acknowledgements or appendix)."""
    return [s.heading for s in body_sections(paper.sections) if s.heading]


def margin_number_runs(text: str, min_run: int = 5) -> int:
    """How many runs of >= `min_run` consecutive counting numbers (000, 001, ...) a text holds."""
    values = [int(m.group(1)) for m in MARGIN_RUN.finditer(text)]
    runs, length = 0, 1
    for a, b in zip(values, values[1:], strict=False):
        length = length + 1 if b == a + 1 else 1
        if length == min_run:
            runs += 1
    return runs


def record_text(paper: ParsedPaper) -> str:
    """Title, abstract and every section's heading and text of a paper, as one string."""
    parts = [paper.title, paper.abstract]
    for section in paper.sections:
        parts += [section.heading, section.text]
    return "\n".join(parts)


def kind_words(paper: ParsedPaper) -> Counter:
    """Words in a paper's sections by kind (body, acknowledgements, appendix); zero for a kind it lacks."""
    words: Counter = Counter({"body": 0, "acknowledgements": 0, "appendix": 0})
    for section in paper.sections:
        words[section.kind] += word_count(section.text)
    return words


def pdf_words(path: Path) -> int:
    """Words in every page's raw text layer (pypdfium2, no cleaning): what a parse's shares are taken of."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        total = 0
        for page in doc:
            textpage = page.get_textpage()
            total += word_count(textpage.get_text_range())
            textpage.close()
            page.close()
        return total
    finally:
        doc.close()
