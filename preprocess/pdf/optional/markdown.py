"""Markdown pages to the paper record, for the backends that produce Markdown (`pymupdf`, `nougat`).

Each page's Markdown becomes `Line`s (a heading keeps one leading '#', paragraphs end in an empty line,
emphasis, links and pictures' text are dropped); `structure` then takes the first heading of page 1 as the
title, an "Abstract" heading as the abstract, every other `#` heading as a section (its kind from the shared
`vocab`), and the reference list apart.
"""

from __future__ import annotations

import re
from typing import Any

from preprocess.core.record import Section
from preprocess.pdf.layout.sections import split_references
from preprocess.pdf.lines import Line, join_lines
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.vocab import ABSTRACT, NOT_TITLE, NUMBERED, STOP_ABSTRACT, heading_kind, tidy_heading

MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
MD_MARKUP = re.compile(
    r"\*\*|__|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)|`|<sup>.*?</sup>|</?u>|<br>|<!--.*?-->|!\[[^\]]*\]\([^)]*\)"
)
PICTURE = re.compile(r"<!-- (Start|End) of picture text -->")
MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]")  # LaTeX \(inline\) and \[display\] math (Nougat): kept as written


def _plain(text: str) -> str:
    """Markdown emphasis, links and pictures out, whitespace collapsed; LaTeX math untouched (`x_{i}`)."""
    prose = MATH.split(text)
    kept = "".join(MD_MARKUP.sub("", part) + math for part, math in zip(prose, MATH.findall(text) + [""], strict=True))
    return re.sub(r"\s+", " ", kept).strip()


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
