"""Lay a paper and a review out as model text: the one layout training, predict and review share."""

from __future__ import annotations

from preprocess import prompts
from preprocess.record import Paper, Review, Section


def paper_text(paper: Paper, sections: list[Section] | None = None) -> str:
    """`title: … abstract: … keywords: … main: …` (the reference design's layout)."""
    body = paper.sections if sections is None else sections
    main = "\n\n".join(prompts.SECTION_LAYOUT.format(heading=s.heading, text=s.text) for s in body)
    return prompts.PAPER_LAYOUT.format(
        title=paper.title, abstract=paper.abstract, keywords=", ".join(paper.keywords), main=main)


def four_part_review(review: Review) -> str | None:
    """Rule-based four parts from structured fields; None when the venue gave free text only."""
    parts = (review.summary, review.strengths, review.weaknesses, review.questions)
    if not all(parts):
        return None
    return "\n\n".join(prompts.PART_HEADING.format(part=name) + "\n" + text
                       for name, text in zip(prompts.FOUR_PARTS, parts, strict=True))


def review_text(review: Review, with_rating: bool = False, decision: str = "") -> str:
    """The training target for one review: four parts where possible, else the review as written."""
    text = four_part_review(review) or review.body()
    tail = []
    if with_rating and review.rating is not None:
        tail.append(f"Rating: {review.rating}")
    if decision:
        tail.append(f"Decision: {decision}")
    return text + ("\n\n" + "\n".join(tail) if tail else "")
