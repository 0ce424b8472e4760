"""The build's inputs: a crawl folder, public datasets given as `--source <format>:<path>` (`preprocess/sources/`),
or both, as one list of `Paper` copies; and the step that keeps one copy of a paper several inputs hold.

A paper is the same across inputs when its title folds to the same key (case, punctuation, spacing). A copy
with usable paper text wins (the choice is made after the paper-text pass), then the crawl's (it has the
freshest replies), then the sources in the order given; every copy left out is named, with why, in the
meta's `cross_source_duplicates`. Copies within one input are not dropped here: a forum crawled
twice is `clean.best_copies`'s job, and same-title papers of one source stay together on one split side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.record import Paper
from preprocess.notes.read import CrawlNotes, read_papers
from preprocess.notes.text import fold
from preprocess.sources.registry import parse_specs, read_source

log = logging.getLogger("preprocess.dataset")
CRAWL = "crawl"


@dataclass
class Inputs(CrawlNotes):
    """The crawl's notes plus every imported paper (its folder: the source's path), and what each source gave."""

    sources: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)  # {"title", "kept", "dropped", "where", "why"}

    def repeats(self) -> int:
        """Rows the sources read that repeat a paper already read (DeepReview-13K: one per extra mode)."""
        return sum(s.get("repeats", 0) for s in self.sources)


def origin(paper: Paper) -> str:
    """`crawl`, or the format of the source a paper was imported from."""
    return paper.api.removeprefix("import:") if paper.api.startswith("import:") else CRAWL


def read_inputs(raw: Path | None, sources: tuple[str, ...]) -> Inputs:
    """The crawl at `raw` (when given) and every source, read into one `Inputs`."""
    specs = parse_specs(sources)
    out = Inputs()
    if raw is not None:
        crawl = read_papers(raw)
        out.papers, out.folders, out.notes = crawl.papers, crawl.folders, crawl.notes
        out.skipped, out.warnings = crawl.skipped, crawl.warnings
    for spec in specs:
        got = read_source(spec)
        log.info("read %s: %d rows, %d papers, %d skipped", spec, got.log.rows, len(got.papers),
                 len(got.log.skipped))
        out.papers += got.papers
        out.folders += [spec.path if spec.path.is_dir() else spec.path.parent] * len(got.papers)
        out.notes += got.log.rows
        out.skipped += got.log.skipped
        out.warnings += got.log.warnings
        out.sources.append(got.summary())
    return out


def cross_source_copies(copies: list[Paper], usable: list[bool], order: list[str], duplicates: list[dict]
                        ) -> set[int]:
    """Which copies to keep, one input's per folded title: a copy with usable paper text first (as
    `clean.best_copies` does for a forum crawled twice), then the crawl's, then the first source in `order`'s.
    Every copy left out goes to `duplicates` with the copy kept and why."""
    rank = {name: i for i, name in enumerate([CRAWL, *order])}
    preferred = sorted(range(len(copies)),
                       key=lambda i: (not usable[i], rank.get(origin(copies[i]), len(rank)), i))
    owner: dict[str, int] = {}
    kept: set[int] = set()
    for i in preferred:
        paper, key = copies[i], fold(copies[i].title)
        j = owner.setdefault(key, i) if key else i
        if origin(copies[j]) == origin(paper):
            kept.add(i)
            continue
        why = ("the kept copy has usable paper text, this one none" if usable[j] and not usable[i]
               else "the crawl's copy first" if origin(copies[j]) == CRAWL else "the source listed first")
        duplicates.append({"title": paper.title, "kept": f"{origin(copies[j])}:{copies[j].forum}",
                           "dropped": f"{origin(paper)}:{paper.forum}", "where": paper.source, "why": why})
    return kept


def reached(sources: list[dict], papers: list[Paper], warnings: list[str]) -> None:
    """Adds to each source's summary the papers and reviews of it that reached the rows (`papers`: those
    written), so the meta and `make data` show per source what came in and what went out; a source none of whose
    reviews reached them is a warning pointing at the funnel (a cutoff too small for its reviews, its papers all
    held by another input, ...)."""
    for summary in sources:
        mine = [p for p in papers if origin(p) == summary["format"] and p.source.startswith(summary["path"])]
        summary["papers_out"], summary["reviews_out"] = len(mine), sum(len(p.reviews) for p in mine)
        if summary["reviews"] and not summary["reviews_out"]:
            warnings.append(f"--source {summary['source']}: none of its {summary['reviews']} reviews reached the "
                            "rows; the funnel in the meta says at which step they went")


def sources_table(sources: list[dict]) -> str:
    """Per source: files under its path, rows read, papers and reviews read, skipped items, papers and reviews
    in the rows; a fixed-width text table."""
    head = ("source", "files", "rows", "papers", "reviews", "skipped", "papers out", "reviews out")
    keys = ("files", "rows", "papers", "reviews", "skipped", "papers_out", "reviews_out")
    body = [(s["source"], *(s.get(k, "") for k in keys)) for s in sources]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    return "\n".join(f"{row[0]:<{widths[0]}}  " + "  ".join(f"{str(v):>{w}}" for v, w in zip(row[1:], widths[1:],
                                                                                           strict=True))
                     for row in (head, *body))
