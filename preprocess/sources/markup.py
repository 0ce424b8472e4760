"""A paper's text by its own markup, into the sections record a parsed PDF gives: Markdown (Nougat .mmd, MinerU,
marker) by a Markdown parser (markdown-it-py, CommonMark: ATX and setext headings, never a `#` line inside a code
block), LaTeX in `latex.py`. Every imported section passes `finish` (margin line numbers stripped by the PDF
side's own rule, `preprocess/pdf/layout/clean.py`; empty sections left out), so there is one home for layout debris.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from preprocess.core.record import Section
from preprocess.pdf.layout.clean import strip_margin_numbers
from preprocess.pdf.vocab import heading_kind

_NUMBER = re.compile(r"^(?:[\d.]+|[a-z]\.?)\s+", re.IGNORECASE)  # "3.1 ", "A " before a heading's words
_MD = MarkdownIt("commonmark")


def _key(words: str) -> str:
    return re.sub(r"[^a-z0-9]", "", words.lower())


def markdown_headings(body: str) -> list[tuple[int, int, str]]:
    """(first line, line after, words) of every heading of a Markdown text, in order."""
    tokens = _MD.parse(body)
    return [(tok.map[0], tok.map[1], tokens[i + 1].content.strip(" *_#"))
            for i, tok in enumerate(tokens) if tok.type == "heading_open" and tok.map]


def kinds(headed: list[tuple[str, str]]) -> list[Section]:
    """(heading, text) pairs in reading order -> sections, each heading's kind by the PDF side's vocabulary
    (`preprocess/pdf/vocab.py`): references dropped; the acknowledgements and everything from an appendix heading
    ("Appendix", "Appendices", "Supplementary Material") or after the references kept under their own kind."""
    out, kind = [], "body"
    for heading, chunk in headed:
        bare = _NUMBER.sub("", heading.strip(" *_")) if heading else ""
        kind = heading_kind(bare, "", kind) if heading else kind
        if kind != "references":
            out.append(Section(heading.strip(), chunk.strip(), kind))
    return finish(out)


def finish(sections: list[Section]) -> list[Section]:
    """Imported sections cleaned as parsed PDFs are: margin line numbers stripped (one rule for both paths),
    sections left with neither heading nor text dropped; a heading-less section of numbers only goes too."""
    out = []
    for section in sections:
        body = strip_margin_numbers(section.text).strip() if section.text else ""
        if body or section.heading:
            out.append(Section(section.heading, body, section.kind))
    return out


def markdown_sections(body: str) -> list[Section]:
    """A Markdown paper split at its headings (the text before the first one is a heading-less section)."""
    lines = body.splitlines()
    marks = markdown_headings(body)
    ends = [m[0] for m in marks[1:]] + [len(lines)] if marks else []
    pieces = [("", "\n".join(lines[: marks[0][0]] if marks else lines))]
    pieces += [(words, "\n".join(lines[after:end])) for (_, after, words), end in zip(marks, ends, strict=True)]
    return kinds([(h, t) for h, t in pieces if h or t.strip()])


def split_abstract(sections: list[Section], title: str) -> tuple[str, list[Section]]:
    """The text under an "Abstract" heading, and the other sections less the title block (the heading equal to
    the title, and text before the first heading: author lines); the record carries title and abstract."""
    abstract = next((s.text for s in sections if _key(s.heading) == "abstract"), "")
    rest = [s for s in sections if _key(s.heading) not in ("abstract", _key(title)) and s.heading]
    return abstract, rest or [s for s in sections if _key(s.heading) != "abstract"]


def first_heading(body: str) -> str:
    """The first Markdown heading of a paper (its title in Nougat and MinerU output), or ""."""
    marks = markdown_headings(body)
    return marks[0][2] if marks else ""
