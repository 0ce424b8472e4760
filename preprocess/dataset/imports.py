"""The build's inputs: a crawl folder, public datasets given as `--source <format>:<path>` (`preprocess/sources/`),
or both, as one list of `Paper` copies; and the step that keeps one copy of a paper several inputs hold.

A paper is the same across inputs when its title folds to the same key (case, punctuation, spacing). The
crawl's copy wins (it has the freshest replies), then the sources in the order given; every copy left out is
named in the meta's `cross_source_duplicates`. Copies within one input are not dropped here: a forum crawled
twice is `clean.best_copies`'s job, and same-title papers of one source stay together on one split side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.record import Paper
from preprocess.dataset.dedup import fold
from preprocess.dataset.funnel import Funnel
from preprocess.dataset.read import CrawlNotes, read_papers
from preprocess.sources.registry import parse_specs, read_source

log = logging.getLogger("preprocess.dataset")
CRAWL = "crawl"


@dataclass
class Inputs(CrawlNotes):
    """The crawl's notes plus every imported paper (its folder: the source's path), and what each source gave."""

    sources: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)  # {"title", "kept", "dropped"} per copy left out


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


def drop_cross_source_duplicates(copies: list[Paper], folders: list[Path], order: list[str], funnel: Funnel,
                                 duplicates: list[dict]) -> tuple[list[Paper], list[Path]]:
    """One copy per folded title across inputs: the crawl's, then the first source in `order`'s."""
    rank = {name: i for i, name in enumerate([CRAWL, *order])}
    preferred = sorted(range(len(copies)), key=lambda i: (rank.get(origin(copies[i]), len(rank)), i))
    owner: dict[str, tuple[str, Paper]] = {}
    dropped: set[int] = set()
    for i in preferred:
        paper, key = copies[i], fold(copies[i].title)
        first = owner.setdefault(key, (origin(paper), paper)) if key else (origin(paper), paper)
        if first[0] != origin(paper):
            dropped.add(i)
            duplicates.append({"title": paper.title, "kept": f"{first[0]}:{first[1].forum}",
                               "dropped": f"{origin(paper)}:{paper.forum}", "where": paper.source})
    kept = [i for i in range(len(copies)) if i not in dropped]
    copies, folders = [copies[i] for i in kept], [folders[i] for i in kept]
    funnel.add_papers("duplicate papers across inputs (same title)", copies)
    return copies, folders

