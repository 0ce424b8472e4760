"""The build's parse step: every kept paper gets its PDF's parse, made by `make parse`'s pool when missing.

A parse is looked up in `--parsed` (a `make parse` output, only read: `<parsed>/[<venue folder>/]<stem>.json`),
then in the build's cache `<out>/cache/parsed/<venue folder>/<stem>.json`. A crawled PDF with neither, or
newer than its cached parse, is parsed into the cache by the worker pool of `preprocess.pdf`: the same
backend registry, per-PDF timeout, memory limit and crash isolation as `make parse`, so one hostile PDF
costs one worker and its time limit, never the build. A rerun reuses the cache. A PDF that cannot be parsed
is its paper's "no parsed text", with the parser's reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from preprocess.core.jsonl import no_surrogates
from preprocess.core.record import Paper
from preprocess.crawl.pdfs import pdf_filename
from preprocess.pdf.record import ParsedPaper

log = logging.getLogger("preprocess.dataset")


@dataclass(frozen=True)
class ParseOptions:
    """How the build parses PDFs that have no parse yet (limits default to the backend's, as in `make parse`)."""

    backend: str = "default"
    timeout_s: float | None = None  # per PDF
    memory_mb: int | None = None  # address space per worker; 0 for none
    workers: int = 2


def crawled_pdf(venue_dir: Path, forum: str) -> Path:
    """The crawler's PDF of `forum`; its name comes from `pdf_filename`, so a hostile id cannot leave the folder."""
    return venue_dir / "pdfs" / pdf_filename(forum)


def cache_root(out: Path) -> Path:
    return out / "cache" / "parsed"


def find_parse(venue_dir: Path, forum: str, dirs: Sequence[Path]) -> Path | None:
    """The first parse of `forum` in `dirs` (`<dir>/<venue folder>/<stem>.json`, then `<dir>/<stem>.json`)."""
    stem = crawled_pdf(venue_dir, forum).stem
    for root in dirs:
        for candidate in (root / venue_dir.name / f"{stem}.json", root / f"{stem}.json"):
            if candidate.exists():
                return candidate
    return None


def load_parse(venue_dir: Path, forum: str, dirs: Sequence[Path]) -> ParsedPaper:
    """A paper's parsed PDF from the first of `dirs` that holds it; FileNotFoundError when none does."""
    found = find_parse(venue_dir, forum, dirs)
    if found is None:
        pdf = crawled_pdf(venue_dir, forum)
        raise FileNotFoundError(f"no parsed text for {forum}" + ("" if pdf.exists() else f" and no PDF ({pdf})"))
    return ParsedPaper.from_dict(no_surrogates(json.loads(found.read_bytes().decode("utf-8"))))  # half emojis


def _needs_parse(venue_dir: Path, forum: str, given: Path | None, cache: Path) -> Path | None:
    """The PDF to parse into the cache, or None (parsed already, fresh in the cache, or no PDF crawled)."""
    pdf = crawled_pdf(venue_dir, forum)
    if not pdf.exists() or (given is not None and find_parse(venue_dir, forum, [given])):
        return None
    cached = find_parse(venue_dir, forum, [cache])
    if cached is not None and cached.stat().st_mtime_ns >= pdf.stat().st_mtime_ns:
        return None
    return pdf


def parse_missing(papers: Sequence[Paper], folders: Sequence[Path], given: Path | None, out: Path,
                  opts: ParseOptions) -> dict[str, str]:
    """Parse, into the cache, each paper's PDF that has no parse yet; returns {pdf path: why it failed}."""
    from preprocess.pdf.workers.batch import parse_files  # imported late: the pool is only needed when PDFs are new
    from preprocess.pdf.workers.pool import ParseJob

    cache = cache_root(out)
    jobs: dict[str, ParseJob] = {}
    for paper, folder in zip(papers, folders, strict=True):
        pdf = _needs_parse(folder, paper.forum, given, cache)
        if pdf is not None:
            jobs[str(pdf)] = ParseJob(str(pdf), str(cache / folder.name / f"{pdf.stem}.json"))
    if not jobs:
        return {}
    for job in jobs.values():
        Path(job.out).parent.mkdir(parents=True, exist_ok=True)
    log.info("parsing %d PDF(s) without a parse into %s (%s backend)", len(jobs), cache, opts.backend)
    errors, _ = parse_files(list(jobs.values()), opts.backend, opts.workers, opts.timeout_s, opts.memory_mb)
    return errors


def parse_dirs(given: Path | None, out: Path) -> tuple[Path, ...]:
    """Where the build reads parses from, in order."""
    return (given, cache_root(out)) if given is not None else (cache_root(out),)
