"""Lay a paper out as model text: the one layout training, predict and review share (`prompts.PAPER_LAYOUT`)."""

from __future__ import annotations

from preprocess.core import prompts
from preprocess.core.record import Paper, Section


def paper_text(paper: Paper, sections: list[Section] | None = None) -> str:
    """`title: … abstract: … keywords: … main: …` (the reference design's layout)."""
    body = paper.sections if sections is None else sections
    main = "\n\n".join(prompts.SECTION_LAYOUT.format(heading=s.heading, text=s.text) for s in body)
    return prompts.PAPER_LAYOUT.format(
        title=paper.title, abstract=paper.abstract, keywords=", ".join(paper.keywords), main=main)


def laid_out(paper: Paper, body: list[Section]) -> tuple[str, list[tuple[int, int]]]:
    """`paper_text(paper, body)` and the character span of each section's text in it (the fit cuts on these)."""
    fields = "".join([paper.title, paper.abstract, *paper.keywords, *(s.heading for s in body),
                      prompts.PAPER_LAYOUT, prompts.SECTION_LAYOUT])
    mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in fields)  # a private-use character
    head = prompts.PAPER_LAYOUT.format(title=paper.title, abstract=paper.abstract,
                                       keywords=", ".join(paper.keywords), main=mark).split(mark)
    pos, spans = len(head[0]), []
    for s in body:
        start = pos + len(prompts.SECTION_LAYOUT.format(heading=s.heading, text=mark).split(mark)[0])
        spans.append((start, start + len(s.text)))
        pos += len(prompts.SECTION_LAYOUT.format(heading=s.heading, text=s.text)) + 2  # "\n\n" between sections
    text = paper_text(paper, body)
    if any(text[a:b] != s.text for (a, b), s in zip(spans, body, strict=True)):
        raise AssertionError("section spans do not match paper_text's layout")
    return text, spans
