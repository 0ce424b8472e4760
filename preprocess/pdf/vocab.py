"""What sections are called: the heading vocabulary every backend shares, and the kind a heading starts.

`heading_kind` sorts headings into body, references, acknowledgements and appendix; `tidy_heading` turns
ALL-CAPS template headings into title case. The default, GROBID and PyMuPDF backends all use these.
"""

from __future__ import annotations

import re

ABSTRACT = re.compile(r"^a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\b\s*[.:—–-]?\s*", re.I)
STOP_ABSTRACT = re.compile(r"^(keywords?|index terms|ccs concepts|key words)\b", re.I)
NOT_TITLE = re.compile(
    r"^(proceedings|published|under review|submitted|preprint|arxiv|journal|vol\.|open access"
    r"|r e s e a r c h)|©|\(c\)",
    re.I,
)
# A numbered heading: `3 Method`, `3.2 Data`, `A.1 Proofs`, `IV. Results`.
NUMBERED = re.compile(
    r"^(?P<num>(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){0,3}|[IVX]{1,5}))\.?\s+(?P<rest>[A-Z(\"'].*)$"
)
REFERENCES = re.compile(r"^(references|bibliography|literature cited|reference list|works cited)$", re.I)
ACKNOWLEDGEMENTS = re.compile(
    r"^(acknowledge?ments?|acknowledgements? and disclosure of funding|funding|competing interests|"
    r"conflicts? of interest|declarations?|authors?[’']? contributions?|author details|"
    r"availability of data( and materials)?|ethics approval.*|consent for publication|abbreviations)$",
    re.I,
)
APPENDIX = re.compile(r"^(appendix|appendices|supplementary( material)?s?|supplemental material)\b", re.I)
KNOWN = re.compile(
    r"^(abstract|introduction|background|related work|related works|preliminaries|method|methods|methodology|"
    r"approach|model|experiments?|experimental setup|results|evaluation|analysis|discussion|"
    r"conclusions?|conclusions? and future work|limitations|broader impacts?|ethics statement|"
    r"reproducibility statement)$",
    re.I,
)
CAPTION = re.compile(r"^(fig\.?|figure|table|algorithm|listing)\s*\d", re.I)
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "via", "vs",
               "with"}  # kept lower-case when an ALL-CAPS heading is title-cased


def tidy_heading(text: str) -> str:
    """ALL-CAPS template headings ("RELATED WORK") in title case; others as printed."""
    if sum(c.isalpha() for c in text) < 4 or text.upper() != text:
        return text
    words = text.lower().split()
    return " ".join(
        w if (i and w in SMALL_WORDS) else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
        for i, w in enumerate(words)
    )


def heading_kind(text: str, number: str, current: str) -> str:
    """body / references / acknowledgements / appendix for a heading, given the kind before it."""
    bare = text.strip().rstrip(".:")
    if REFERENCES.match(bare):
        return "references"
    if ACKNOWLEDGEMENTS.match(bare):
        return "acknowledgements"
    if APPENDIX.match(bare) or (number[:1].isalpha() and number[:1] not in "IVX"):
        return "appendix"
    if current in ("references", "appendix"):
        return "appendix"
    return "body"
