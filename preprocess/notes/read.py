"""What the build reads: every note of a crawl folder as a `Paper` (the parsed PDFs: `parsing`).

A crawl folder holds `<venue slug>/notes.jsonl` and `<venue slug>/pdfs/<forum>.pdf` (the crawler's layout).
Nothing here writes: the crawl is only read.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.jsonl import BadLine, iter_jsonl_numbered
from preprocess.core.record import Paper
from preprocess.notes import scales
from preprocess.notes.excluded import unplaced_fields, unplaced_warnings
from preprocess.notes.normalize import NoteError, normalize_note

log = logging.getLogger("preprocess.dataset")


@dataclass
class CrawlNotes:
    """The papers of a crawl (no text yet; one per note, so a forum crawled twice comes twice), the folder each
    came from, notes read, items skipped and warnings."""

    papers: list[Paper] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # aligned with `papers`
    notes: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"item", ["file",] "reason"} per bad line or note
    warnings: list[str] = field(default_factory=list)  # off-scale ratings, venues without a known scale


def review_invitation(folder: Path) -> list[dict]:
    """The review form the crawler saved for a venue folder (`invitations.json`), as a list of 0 or 1."""
    path = folder / "invitations.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError as exc:
        log.warning("%s is not valid JSON (%s): scales come from the notes or the venue table", path, exc)
        return []
    return [saved["review"]] if isinstance(saved, dict) and isinstance(saved.get("review"), dict) else []


def read_papers(raw: Path) -> CrawlNotes:
    """Every paper of every `<raw>/<venue slug>/notes.jsonl`, with its venue's scales; a bad line or note
    is logged and skipped."""
    files = sorted(raw.glob("*/notes.jsonl"))
    if not files:
        raise FileNotFoundError(f"no <venue>/notes.jsonl under {raw}: is it a crawl folder?")
    out = CrawlNotes()
    unplaced: Counter = Counter()  # (venue, field) of review fields neither used nor excluded
    for notes in files:
        errors: list[BadLine] = []
        here: list[tuple[int, Paper]] = []
        for line, note in iter_jsonl_numbered(notes, errors):
            out.notes += 1
            try:
                paper = normalize_note(note)
                paper.source = f"{notes}:{line}"
                unplaced.update((paper.venue, key) for key in unplaced_fields(note, paper.venue))
                here.append((line, paper))
            except NoteError as exc:
                out.skipped.append({"item": f"{notes}:{line}: {note.get('id')}", "reason": str(exc)})
        scales.apply(here, review_invitation(notes.parent), str(notes), out.warnings)
        for _, paper in here:
            out.papers.append(paper)
            out.folders.append(notes.parent)
        out.notes += len(errors)
        out.skipped.extend({"item": bad.where, "reason": str(bad)} for bad in errors)
    out.warnings += unplaced_warnings(unplaced)
    return out
