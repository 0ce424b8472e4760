"""Cleaning steps with a funnel: every step is a small function, and every count it changes is recorded.

Review-level steps run on the normalized notes (no paper text needed); paper-text steps run per paper
when its sections are loaded (`section_problem`, `clean_sections`). Near duplicates are found with
MinHash over word 5-shingles and LSH banding (NumPy, deterministic: CRC32 word hashes, fixed seeds).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from preprocess.record import Paper, Review, Section

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
_NORM = re.compile(r"[^\w]+")


@dataclass
class CleanConfig:
    """Thresholds, chosen for ML conference papers (a 9-page body is ~6-9K words; reviews ~300-600)."""

    min_body_words: int = 300  # below this the PDF text layer is broken or the paper is an abstract
    max_body_words: int = 30000  # above this the parse swallowed appendices/theses: long-tail junk
    min_review_words: int = 40  # "Good paper, accept." teaches nothing
    max_review_words: int = 3000  # long-tail rants and pasted papers
    near_dup_jaccard: float = 0.8  # MinHash estimate over word 5-shingles


@dataclass
class Funnel:
    """Ordered rows: papers and reviews left after each step, and what the step dropped or fixed."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, step: str, papers: int, reviews: int, fixed: int | None = None) -> None:
        prev = self.rows[-1] if self.rows else {"papers": papers, "reviews": reviews}
        self.rows.append({"step": step, "papers": papers, "reviews": reviews,
                          "papers_dropped": prev["papers"] - papers, "reviews_dropped": prev["reviews"] - reviews,
                          "fixed": fixed})

    def add_papers(self, step: str, papers: list[Paper], fixed: int | None = None) -> None:
        self.add(step, len(papers), sum(len(p.reviews) for p in papers), fixed)

    def table(self) -> str:
        """The funnel as a fixed-width text table."""
        head = ("step", "papers", "reviews", "-papers", "-reviews", "fixed")
        body = [(r["step"], r["papers"], r["reviews"], r["papers_dropped"] or "", r["reviews_dropped"] or "",
                 "" if r["fixed"] is None else r["fixed"]) for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
        lines = [f"{row[0]:<{widths[0]}}  " + "  ".join(f"{str(v):>{w}}" for v, w in zip(row[1:], widths[1:],
                                                                                       strict=True))
                 for row in (head, *body)]
        return "\n".join(lines)

    def plot(self, path: Path) -> Path:
        """Two horizontal bar charts (papers, reviews per step) as a PNG."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        steps = [r["step"] for r in self.rows][::-1]
        fig, axes = plt.subplots(1, 2, figsize=(12, 0.35 * len(steps) + 1.5), sharey=True)
        for ax, key, color in ((axes[0], "papers", "tab:blue"), (axes[1], "reviews", "tab:orange")):
            values = [r[key] for r in self.rows][::-1]
            ax.barh(steps, values, color=color)
            for y, v in enumerate(values):
                ax.text(v, y, f" {v:,}", va="center", fontsize=8)
            ax.set_title(key)
            ax.set_xlim(0, max(values + [1]) * 1.2)
        fig.suptitle("cleaning funnel")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path


# --------------------------------------------------------------------------- text fixes


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


# --------------------------------------------------------------------------- paper and review steps


def drop_papers(papers: list[Paper], keep: Callable[[Paper], bool]) -> list[Paper]:
    return [p for p in papers if keep(p)]


def drop_reviews(papers: list[Paper], keep: Callable[[Review], bool]) -> list[Paper]:
    return [replace(p, reviews=[r for r in p.reviews if keep(r)]) for p in papers]


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


def fold(text: str) -> str:
    """Case, punctuation and whitespace folded (what the duplicate checks compare)."""
    return _NORM.sub(" ", text.lower()).strip()


def normalized_key(text: str) -> str:
    """The key for exact duplicates: a hash of the folded text."""
    return hashlib.sha1(fold(text).encode("utf-8")).hexdigest()


def drop_exact_duplicate_reviews(papers: list[Paper], folded: dict[int, str] | None = None) -> list[Paper]:
    """Reviews whose folded text an earlier review already had (`folded`: id(review) -> fold(body))."""
    seen: set[str] = set()

    def first(review: Review) -> bool:
        text = folded[id(review)] if folded else fold(review.body())
        key = hashlib.sha1(text.encode("utf-8")).digest()
        if key in seen:
            return False
        seen.add(key)
        return True

    return drop_reviews(papers, first)


# --------------------------------------------------------------------------- near duplicates (MinHash + LSH)

# One-permutation MinHash (Li, Owen & Zhang 2012): each shingle hash falls in one of 64 bins by its top 6 bits,
# a bin keeps its minimum; one mixing pass per shingle instead of 64 hash functions.
N_BINS, BANDS, SHINGLE = 64, 16, 5  # 16 bands x 4 bins: pairs above ~0.5 Jaccard become candidates
_EMPTY = np.uint64(2**64 - 1)
_LOW_BITS = np.uint64(2**58 - 1)


class _WordHash(dict):
    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


_WORDS = _WordHash()


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _shingles(folded: str) -> np.ndarray:
    """Hashes of the word 5-shingles of already folded text."""
    tokens = folded.split() or [""]
    ids = np.fromiter(map(_WORDS.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    k = min(SHINGLE, len(ids))
    shingles = ids[: len(ids) - k + 1].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):  # polynomial rolling combination, wrapping mod 2**64
            shingles = shingles * np.uint64(1_000_003) + ids[j: len(ids) - k + 1 + j]
    return _mix(shingles)


def minhash_many(folded: list[str], chunk: int = 1_000_000) -> np.ndarray:
    """(len(folded), 64) one-permutation MinHash signatures (an empty bin holds 2**64-1)."""
    out = np.full((len(folded), N_BINS), _EMPTY, dtype=np.uint64)
    flat_out = out.reshape(-1)
    lo = 0
    while lo < len(folded):
        parts: list[np.ndarray] = []
        size = 0
        while lo + len(parts) < len(folded) and size < chunk:
            parts.append(_shingles(folded[lo + len(parts)]))
            size += len(parts[-1])
        hashes = np.concatenate(parts)
        owner = np.repeat(np.arange(lo, lo + len(parts), dtype=np.int64), [len(p) for p in parts])
        np.minimum.at(flat_out, owner * N_BINS + (hashes >> np.uint64(58)).astype(np.int64), hashes & _LOW_BITS)
        lo += len(parts)
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures: equal bins among the bins either fills."""
    filled = (a != _EMPTY) | (b != _EMPTY)
    return float(np.count_nonzero((a == b) & filled)) / max(int(np.count_nonzero(filled)), 1)


def near_duplicates(texts: list[str], threshold: float, folded: bool = False) -> list[bool]:
    """For each text in order, whether an earlier text is a near duplicate (estimated Jaccard >= threshold)."""
    signatures = minhash_many(texts if folded else [fold(t) for t in texts])
    buckets: dict[bytes, int] = {}
    flags = []
    width = N_BINS // BANDS * 8
    for i, sig in enumerate(signatures):
        raw = sig.tobytes()
        candidates = {buckets.setdefault(bytes([b]) + raw[b * width:(b + 1) * width], i) for b in range(BANDS)}
        candidates.discard(i)
        flags.append(any(similarity(signatures[j], sig) >= threshold for j in sorted(candidates)))
    return flags


def minhash(text: str) -> np.ndarray:
    """The 64-bin signature of one text."""
    return minhash_many([fold(text)])[0]


def drop_near_duplicate_reviews(papers: list[Paper], threshold: float,
                                folded: dict[int, str] | None = None) -> list[Paper]:
    flat = [r for p in papers for r in p.reviews]
    texts = [folded[id(r)] for r in flat] if folded else [fold(r.body()) for r in flat]
    dup_ids = {id(r) for r, dup in zip(flat, near_duplicates(texts, threshold, folded=True), strict=True) if dup}
    return drop_reviews(papers, lambda r: id(r) not in dup_ids)


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


def clean_notes(papers: list[Paper], config: CleanConfig, funnel: Funnel) -> list[Paper]:
    """`clean_papers` then `clean_reviews`: every step that needs no paper text, in funnel order."""
    return clean_reviews(clean_papers(papers, funnel), config, funnel)
