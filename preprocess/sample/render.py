"""Read `data/sample_source/*.json` and write notes, PDFs and the README under the output folder, atomically."""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from pathlib import Path

from preprocess.core.jsonl import atomic_open
from preprocess.core.venues import venue_slug
from preprocess.sample.fields import Json
from preprocess.sample.notes import build_note
from preprocess.sample.pdf import render_pdf

log = logging.getLogger("preprocess.sample")

# Written verbatim to `<out>/README.md`; the bundled `data/sample/README.md` is this text, byte for byte.
README = """# Sample data (synthetic)

Everything under this folder is **synthetic**: fictional papers and reviews written by this project
for tests and demos. None of it is real OpenReview content, and the papers have no real authors.

It is shaped like a crawl: per venue, `<venue slug>/notes.jsonl` (one submission per line with its
replies under `details`, as openreview-py returns ICLR notes: API v1 for 2020-2023, API v2 for
2024-2025) and `<venue slug>/pdfs/<forum>.pdf` (2022 and 2023 PDFs carry under-review margin line
numbers, as the real ones do).

Source: `data/sample_source/v1.json` and `v2.json` (format in `data/sample_source/SCHEMA.md`).
Regenerate, byte-identically:

    python -m preprocess.sample --source data/sample_source --out data/sample
"""


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def load_papers(source: Path) -> list[Json]:
    """Papers of `v1.json` and `v2.json`; a missing file is skipped with a warning."""
    papers: list[Json] = []
    for name in ("v1.json", "v2.json"):
        if not (source / name).exists():
            log.warning("%s not found; rendering without it", source / name)
            continue
        papers += json.loads((source / name).read_text(encoding="utf-8"))["papers"]
    forums = [p["forum"] for p in papers]
    if len(set(forums)) != len(forums) or not all(re.fullmatch(r"[A-Za-z0-9_-]{10}", f) for f in forums):
        raise ValueError("forum ids must be unique strings of 10 characters [A-Za-z0-9_-]")
    return papers


def render(source: Path, out: Path) -> dict[str, int]:
    """Render every paper under `out`; returns the number of submissions per venue slug."""
    by_venue: dict[str, list[Json]] = defaultdict(list)
    for p in load_papers(source):
        by_venue[p["venue"]].append(p)
    counts = {}
    for venue, papers in sorted(by_venue.items()):
        slug, year = venue_slug(venue), int(venue.split("/")[1])
        notes = [build_note(p) for p in sorted(papers, key=lambda p: p["number"])]
        lines = "".join(json.dumps(note, ensure_ascii=False) + "\n" for note in notes)
        write_bytes(out / slug / "notes.jsonl", lines.encode("utf-8"))
        for p in papers:
            write_bytes(out / slug / "pdfs" / f"{p['forum']}.pdf", render_pdf(p, year))
        counts[slug] = len(papers)
    write_bytes(out / "README.md", README.encode("utf-8"))
    return counts

