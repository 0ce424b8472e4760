"""Cleaning steps: every step is a small function, and every count it changes goes into the funnel.

Review-level steps run on the normalized notes (no paper text needed); paper-text steps run per paper
when its sections are loaded (`section_problem`, `clean_sections`). Duplicates are `dedup`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from preprocess.core.record import Paper, Review, Section
from preprocess.dataset.dedup import drop_exact_duplicate_reviews, drop_near_duplicate_reviews, drop_reviews, fold
from preprocess.dataset.funnel import Funnel

REVIEW_TEXT_FIELDS = ("summary", "strengths", "weaknesses", "strengths_and_weaknesses", "questions", "text")

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]{}\"']*[^\s<>()\[\]{}\"'.,;:!?]", re.IGNORECASE)
URL_PLACEHOLDER = "[link]"
# Whole lines that carry no content: conference headers on every PDF page, empty form answers.
PAPER_BOILERPLATE = re.compile(
    r"[ \t]*(?:(?:under review|published) as a (?:conference|workshop) paper at .*"
    r"|anonymous authors?|paper under double-blind review|preprint\.? (?:under review|work in progress)\.?"
    r"|submitted to .*do not distribute\.?)[ \t]*", re.IGNORECASE)
REVIEW_BOILERPLATE = re.compile(
    r"[ \t]*(?:n/?a|none|-+|\.+|please see (?:the |my )?(?:above|below|main review|review|weaknesses|strengths)"
    r"(?: section)?)[ \t]*\.?[ \t]*", re.IGNORECASE)
BOILERPLATE_MAX_LEN = 200  # longer lines are content, whatever they start with
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TRAILING_SPACE = re.compile(r"[^\S\n]\n|[^\S\n]\Z")


@dataclass
class CleanConfig:
    """Thresholds, chosen for ML conference papers (a 9-page body is ~6-9K words; reviews ~300-600)."""

    min_body_words: int = 300  # below this the PDF text layer is broken or the paper is an abstract
    max_body_words: int = 30000  # above this the parse swallowed appendices/theses: long-tail junk
    min_review_words: int = 40  # "Good paper, accept." teaches nothing
    max_review_words: int = 3000  # long-tail rants and pasted papers
    near_dup_jaccard: float = 0.8  # MinHash estimate over word 5-shingles



def strip_urls(text: str) -> str:
    if "://" not in text and "www." not in text.lower():  # the regex only where it can match
        return text
    return _URL.sub(URL_PLACEHOLDER, text)


def drop_lines(text: str, pattern: re.Pattern) -> str:
    """`text` without the lines that `pattern` matches whole."""
    lines = text.split("\n")
    kept = [line for line in lines if len(line) > BOILERPLATE_MAX_LEN or not pattern.fullmatch(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


def tidy(text: str) -> str:
    """Control characters out, trailing spaces and runs of blank lines collapsed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if _TRAILING_SPACE.search(text):
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def clean_review_text(text: str) -> str:
    return tidy(drop_lines(strip_urls(text), REVIEW_BOILERPLATE)) if text else text


def clean_paper_text(text: str) -> str:
    return tidy(drop_lines(strip_urls(text), PAPER_BOILERPLATE)) if text else text


def clean_sections(sections: list[Section]) -> tuple[list[Section], bool]:
    """Sections with URLs and page boilerplate removed; whether anything changed."""
    out = [replace(s, heading=tidy(s.heading), text=clean_paper_text(s.text)) for s in sections]
    return [s for s in out if s.text or s.heading], out != sections


def body_words(sections: list[Section]) -> int:
    return sum(len(s.text.split()) for s in sections if s.kind == "body")


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


def drop_duplicate_forums(papers: list[Paper]) -> list[Paper]:
    """The same forum crawled twice (two venue folders, a re-crawl): the first copy stays."""
    seen: set[str] = set()
    out = []
    for paper in papers:
        if paper.forum not in seen:
            seen.add(paper.forum)
            out.append(paper)
    return out


def fix_reviews(papers: list[Paper]) -> tuple[list[Paper], int]:
    """URLs replaced and boilerplate lines removed in every review field; returns papers and reviews changed."""
    changed = 0
    out = []
    for paper in papers:
        reviews = []
        for review in paper.reviews:
            fixes = {f: new for f in REVIEW_TEXT_FIELDS
                     if (new := clean_review_text(old := getattr(review, f))) != old}
            changed += bool(fixes)
            reviews.append(replace(review, **fixes) if fixes else review)
        out.append(replace(paper, reviews=reviews))
    return out, changed


def words(review: Review) -> int:
    return len(review.body().split())


def clean_papers(papers: list[Paper], funnel: Funnel) -> list[Paper]:
    """The paper-level steps that need neither text nor reviews."""
    papers = drop_papers(papers, lambda p: not p.withdrawn)
    funnel.add_papers("withdrawn / desk-rejected", papers)
    papers = drop_duplicate_forums(papers)
    funnel.add_papers("duplicate papers (same forum)", papers)
    return papers


def clean_reviews(papers: list[Paper], config: CleanConfig, funnel: Funnel) -> list[Paper]:
    """Every review-level step, then papers left without reviews."""
    papers, changed = fix_reviews(papers)
    funnel.add_papers("URLs / boilerplate fixed in reviews", papers, fixed=changed)
    n_words = {id(r): words(r) for p in papers for r in p.reviews}
    papers = drop_reviews(papers, lambda r: n_words[id(r)] > 0)
    funnel.add_papers("empty reviews", papers)
    papers = drop_reviews(papers, lambda r: n_words[id(r)] >= config.min_review_words)
    funnel.add_papers(f"short reviews (< {config.min_review_words} words)", papers)
    papers = drop_reviews(papers, lambda r: n_words[id(r)] <= config.max_review_words)
    funnel.add_papers(f"extreme reviews (> {config.max_review_words} words)", papers)
    folded = {id(r): fold(r.body()) for p in papers for r in p.reviews}
    papers = drop_exact_duplicate_reviews(papers, folded)
    funnel.add_papers("exact duplicate reviews", papers)
    papers = drop_near_duplicate_reviews(papers, config.near_dup_jaccard, folded)
    funnel.add_papers(f"near-duplicate reviews (Jaccard >= {config.near_dup_jaccard})", papers)
    papers = drop_papers(papers, lambda p: bool(p.reviews))
    funnel.add_papers("papers left without reviews", papers)
    return papers
