"""Cleaning steps: every step is a small function returning what it kept and a funnel row (`FunnelRow`) for each
reason it drops for.

Review-level steps run on the normalized notes (no paper text needed); paper-text steps run per paper
when its sections are loaded (`section_problem`, `clean_sections`). Text fixes are `text`'s job,
duplicates `dedup`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from preprocess.core.record import Paper, Review, Section, word_count
from preprocess.dataset.dedup import drop_exact_duplicate_reviews, drop_near_duplicate_reviews, drop_reviews
from preprocess.dataset.funnel import FunnelRow
from preprocess.notes.text import clean_paper_text, clean_review_text, content_changed, fold, tidy


@dataclass
class CleanConfig:
    """Thresholds, chosen for ML conference papers (a 9-page body is ~6-9K words; reviews ~300-600)."""

    min_body_words: int = 300  # below this the PDF text layer is broken or the paper is an abstract
    max_body_words: int = 30000  # above this the parse swallowed appendices/theses: long-tail junk
    min_review_words: int = 40  # "Good paper, accept." teaches nothing
    max_review_words: int = 3000  # long-tail rants and pasted papers
    near_dup_jaccard: float = 0.8  # MinHash estimate over word 5-shingles



def clean_sections(sections: list[Section]) -> tuple[list[Section], bool]:
    """Sections repaired, URLs shortened, page boilerplate out; whether any content changed (not only spacing)."""
    out = [replace(s, heading=tidy(s.heading), text=clean_paper_text(s.text)) for s in sections]
    changed = any(content_changed(a.text, b.text) or content_changed(a.heading, b.heading)
                  for a, b in zip(sections, out, strict=True))
    return [s for s in out if s.text or s.heading], changed


def body_words(sections: list[Section]) -> int:
    return sum(word_count(s.text) for s in sections if s.kind == "body")


def section_problem(sections: list[Section], config: CleanConfig) -> str | None:
    """Why a paper's parsed text cannot be used (a funnel step name), or None."""
    words = body_words(sections)
    if words == 0:
        return "no parsed text"
    if words < config.min_body_words:
        return "too little text"
    if words > config.max_body_words:
        return "extreme paper length"
    return None


def drop_papers(papers: list[Paper], keep: Callable[[Paper], bool]) -> list[Paper]:
    return [p for p in papers if keep(p)]


def best_copies(copies: list[Paper], usable: list[bool]) -> list[int]:
    """Which copy of each forum to keep (indices into `copies`, in order): a copy with usable text before one
    without, then the one with the most replies, then the first. A copy that lost this choice is a duplicate."""
    best: dict[str, int] = {}
    for i, paper in enumerate(copies):
        j = best.get(paper.forum)
        if j is None or (usable[i], paper.replies) > (usable[j], copies[j].replies):
            best[paper.forum] = i
    return sorted(best.values())


def fix_reviews(papers: list[Paper]) -> tuple[list[Paper], int]:
    """Every review field repaired, URLs shortened, boilerplate lines out; returns the papers and how many
    reviews changed in content (a fix that only moved whitespace is not counted)."""
    changed = 0
    out = []
    for paper in papers:
        reviews = []
        for review in paper.reviews:
            fixes = {f: new for f in Review.TEXT_FIELDS
                     if (new := clean_review_text(old := getattr(review, f))) != old}
            changed += any(content_changed(getattr(review, f), new) for f, new in fixes.items())
            reviews.append(replace(review, **fixes) if fixes else review)
        out.append(replace(paper, reviews=reviews))
    return out, changed


def words(review: Review) -> int:
    return word_count(review.body())


def drop_withdrawn(papers: list[Paper]) -> tuple[list[Paper], list[FunnelRow]]:
    """Papers withdrawn or desk-rejected (their reviews judge a paper that was never decided) are left out."""
    papers = drop_papers(papers, lambda p: not p.withdrawn)
    return papers, [FunnelRow.left("withdrawn / desk-rejected", papers)]


def clean_review_texts(papers: list[Paper], config: CleanConfig, skipped: list[dict] | None = None
                       ) -> tuple[list[Paper], list[FunnelRow]]:
    """The steps on each review alone: text fixes, empty, short and extreme reviews (no paper is dropped),
    with their funnel rows. Each review dropped is named in `skipped` (`file:line: review id: reason`)."""
    papers, changed = fix_reviews(papers)
    rows = [FunnelRow.left("URLs / boilerplate fixed in reviews", papers, fixed=changed)]
    n_words = {id(r): words(r) for p in papers for r in p.reviews}
    steps = ((lambda n: n > 0, "empty reviews", "no words"),
             (lambda n: n >= config.min_review_words, f"short reviews (< {config.min_review_words} words)",
              "{n} words, under the minimum"),
             (lambda n: n <= config.max_review_words, f"extreme reviews (> {config.max_review_words} words)",
              "{n} words, over the maximum"))
    for keep, label, reason in steps:
        if skipped is not None:
            skipped += [{"item": f"{p.source or p.forum}: review {r.id}", "reason": reason.format(n=n_words[id(r)])}
                        for p in papers for r in p.reviews if not keep(n_words[id(r)])]
        papers = drop_reviews(papers, lambda r, keep=keep: keep(n_words[id(r)]))
        rows.append(FunnelRow.left(label, papers))
    return papers, rows


def dedup_reviews(papers: list[Paper], config: CleanConfig) -> tuple[list[Paper], list[FunnelRow]]:
    """The steps across papers: exact and near-duplicate reviews, then papers left without reviews; with their
    funnel rows."""
    folded = {id(r): fold(r.body()) for p in papers for r in p.reviews}
    papers = drop_exact_duplicate_reviews(papers, folded)
    rows = [FunnelRow.left("exact duplicate reviews", papers)]
    papers = drop_near_duplicate_reviews(papers, config.near_dup_jaccard, folded)
    rows.append(FunnelRow.left(f"near-duplicate reviews (Jaccard >= {config.near_dup_jaccard})", papers))
    papers = drop_papers(papers, lambda p: bool(p.reviews))
    rows.append(FunnelRow.left("papers left without reviews", papers))
    return papers, rows
