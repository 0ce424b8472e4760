"""One typed record for a paper and its reviews: what every step after the crawl reads and writes.

Example (trimmed):

    Paper(forum="aB3dE5fG7h", venue="ICLR.cc/2024/Conference", year=2024, api="v2",
          title="Sparse Experts ...", abstract="We ...", keywords=["moe"], decision="accepted",
          decision_text="Accept (poster)", sections=[Section("1 Introduction", "...")],
          reviews=[Review(id="r1", signature=".../Reviewer_ab12", rating=6,
                          rating_scale=(1, 3, 5, 6, 8, 10), confidence=4,
                          summary="...", strengths="...", weaknesses="...", questions="...")],
          meta_review="The reviewers agree ...")
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

Decision = Literal["accepted", "rejected", "unknown"]
SectionKind = Literal["body", "acknowledgements", "appendix"]
SECTION_KINDS: tuple[str, ...] = get_args(SectionKind)
# Chinese, Japanese and Korean script: text without spaces between words, where each character counts as one.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_CHARS}]")


def word_count(text: str) -> int:
    """Words in `text`: whitespace-separated runs; in text with CJK, each CJK character counts as a word (as
    CJK word counts go) and punctuation left between them does not."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return cjk + sum(any(c.isalnum() for c in token) for token in _CJK.sub(" ", text).split())


@dataclass
class Section:
    """One section of the paper body, in reading order."""

    heading: str
    text: str
    kind: SectionKind = "body"


@dataclass
class Review:
    """One official review, its text by role (`preprocess/notes/fields.py` maps each venue's content keys
    to these); free text goes in `text` when the venue had no structured fields."""

    id: str
    signature: str = ""
    rating: int | None = None
    rating_scale: tuple[int, ...] = ()
    confidence: int | None = None
    title: str = ""  # the reviewer's own headline (API v1 forms had one); generic ones are left out
    summary: str = ""
    strengths: str = ""
    weaknesses: str = ""
    strengths_and_weaknesses: str = ""
    questions: str = ""
    text: str = ""
    verdict: str = ""  # the reviewer's bottom line: summary_of_the_review, final_justification
    raw_rating: Any = None  # the rating as the note gave it ("6: Marginally above ..." or 6): a scale's evidence
    raw_confidence: Any = None
    aspects: dict[str, int] = field(default_factory=dict)  # a form's other scores (PeerRead ORIGINALITY, CLARITY, ...)

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("title", "summary", "strengths", "weaknesses",
                                              "strengths_and_weaknesses", "questions", "text", "verdict")

    def body(self) -> str:
        """Every text field joined: the review as a reader sees it (for length and dedup checks)."""
        return "\n\n".join(p for p in (getattr(self, f) for f in self.TEXT_FIELDS) if p)


@dataclass
class Paper:
    """A submission with its reviews, meta-review and decision."""

    forum: str
    venue: str
    year: int | None
    api: str
    title: str
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    tldr: str = ""
    decision: Decision = "unknown"
    decision_text: str = ""
    withdrawn: bool = False
    sections: list[Section] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    meta_review: str = ""
    replies: int = 0  # replies the note came with (reviews, comments, decision): a crawled copy's completeness
    source: str = ""  # where the note was read: `file:line` (what a log line about it names)


def body_sections(sections: Sequence[Section]) -> list[Section]:
    """The sections a model reads: the body ones, or every section when the parser tagged none as body."""
    return [s for s in sections if s.kind == "body"] or list(sections)
