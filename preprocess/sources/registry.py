"""The importers as a registry (format name -> reader), and what `--source <format>:<path>` reads.

A reader takes a local path (a downloaded copy: nothing here touches the network) and an `ImportLog`, and
yields `Paper` records, the same record the crawl reader yields, so cleaning, targets, budget, split and
registration downstream are shared. Ratings get their venue's scale the way crawled ones do (`scales.apply`:
the venue table, else the values seen, else 1-10 with a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.record import Paper
from preprocess.notes import scales
from preprocess.sources.common import ROW_SUFFIXES, ImportLog, SourceError
from preprocess.sources.dialogue import read_reviewmt
from preprocess.sources.reviewer2 import read_reviewer2
from preprocess.sources.scienceparse import read_asap, read_peerread
from preprocess.sources.structured import read_deepreview, read_sea

Reader = Callable[[Path, ImportLog], Iterator[Paper]]
SOURCES: dict[str, Reader] = {
    "peerread": read_peerread,
    "asap": read_asap,
    "deepreview": read_deepreview,
    "sea": read_sea,
    "reviewmt": read_reviewmt,
    "reviewer2": read_reviewer2,
}
SOURCE_SUFFIXES = (*ROW_SUFFIXES, ".mmd")
ALIASES = {"asap-review": "asap", "deepreview-13k": "deepreview", "reviewer2-pge": "reviewer2", "pge": "reviewer2"}


@dataclass(frozen=True)
class SourceSpec:
    """One `<format>:<path>` given to the build."""

    format: str
    path: Path

    def __str__(self) -> str:
        return f"{self.format}:{self.path}"


@dataclass
class Imported:
    """The papers one source gave, and its log."""

    spec: SourceSpec
    papers: list[Paper] = field(default_factory=list)
    log: ImportLog = field(default_factory=ImportLog)

    def summary(self) -> dict:
        """What the source gave: files under its path, rows (or paper files) read, repeats, papers and reviews
        read, items skipped; the build adds the papers and reviews that reach the rows (`papers_out`, ...)."""
        files = [self.spec.path] if self.spec.path.is_file() else [
            f for f in self.spec.path.rglob("*") if f.is_file() and f.suffix.lower() in SOURCE_SUFFIXES]
        return {"source": str(self.spec), "format": self.spec.format, "path": str(self.spec.path),
                "files": len(files), "rows": self.log.rows, "repeats": self.log.repeats, "papers": len(self.papers),
                "reviews": sum(len(p.reviews) for p in self.papers), "skipped": len(self.log.skipped)}


def parse_specs(values: list[str] | tuple[str, ...]) -> list[SourceSpec]:
    """`peerread:/data/PeerRead,sea:/data/SEA` (comma-separated, or given several times) -> specs; a clear
    ValueError for an unknown format, FileNotFoundError for a path that is not there."""
    specs = []
    for value in (v.strip() for given in values for v in given.split(",")):
        if not value:
            continue
        name, sep, path = value.partition(":")
        fmt = ALIASES.get(name.lower(), name.lower())
        if not sep or not path:
            raise ValueError(f"--source {value!r}: expected <format>:<path>, formats: {', '.join(SOURCES)}")
        if fmt not in SOURCES:
            raise ValueError(f"--source {value!r}: unknown format {name!r}; known: {', '.join(SOURCES)}")
        if not Path(path).exists():
            raise FileNotFoundError(f"--source {value!r}: {path} does not exist (download the dataset first)")
        specs.append(SourceSpec(fmt, Path(path)))
    return specs


def read_source(spec: SourceSpec) -> Imported:
    """Every paper of one source, with its ratings checked against their venue's scale. A source that gives no
    review at all (wrong format, wrong folder, a layout this reader does not know) is an error naming the format,
    the path and the first reasons, so the build stops before it writes or registers anything."""
    got = Imported(spec)
    for paper in SOURCES[spec.format](spec.path, got.log):
        if paper.reviews:
            got.papers.append(paper)
        else:  # one rule for every format: a paper without reviews makes no row, and is named
            got.log.skip(paper.source, paper.forum, "paper without reviews")
    if not got.papers:
        reasons = "; ".join(f"{s['item']}: {s['reason']}" for s in got.log.skipped[:3]) or "no rows in it"
        raise SourceError(f"--source {spec}: no review read as {spec.format} from {spec.path} ({got.log.rows} "
                          f"rows or files, {len(got.papers)} papers, {len(got.log.skipped)} skipped): {reasons}")
    scales.apply([(p.source, p) for p in got.papers], [], spec.format, got.log.warnings)  # type: ignore[misc]
    return got
