"""What the build reads: every note of a crawl folder as a `Paper`, and each paper's parsed PDF text.

A crawl folder holds `<venue slug>/notes.jsonl` and `<venue slug>/pdfs/<forum>.pdf` (the crawler's layout);
parsed text comes from `make parse`'s `<parsed>/[<venue slug>/]<stem>.json` when given, else the PDF is
parsed now. Nothing here writes: the crawl is only read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.jsonl import BadLine, iter_jsonl
from preprocess.core.record import Paper
from preprocess.crawl.pdfs import pdf_filename
from preprocess.dataset.normalize import NoteError, normalize_note
from preprocess.pdf.record import ParsedPaper


@dataclass
class CrawlNotes:
    """The papers of a crawl (no text yet), the folder each came from, notes read and items skipped."""

    papers: list[Paper] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict)
    notes: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"item", ["file",] "reason"} per bad line or note


def read_papers(raw: Path) -> CrawlNotes:
    """Every paper of every `<raw>/<venue slug>/notes.jsonl`; a bad line or note is logged and skipped."""
    files = sorted(raw.glob("*/notes.jsonl"))
    if not files:
        raise FileNotFoundError(f"no <venue>/notes.jsonl under {raw}: is it a crawl folder?")
    out = CrawlNotes()
    for notes in files:
        errors: list[BadLine] = []
        for note in iter_jsonl(notes, errors):
            out.notes += 1
            try:
                paper = normalize_note(note)
            except NoteError as exc:
                out.skipped.append({"item": str(note.get("id")), "file": str(notes), "reason": str(exc)})
                continue
            out.papers.append(paper)
            out.folders.setdefault(paper.forum, notes.parent)
        out.notes += len(errors)
        out.skipped.extend({"item": bad.where, "reason": str(bad)} for bad in errors)
    return out


def load_parse(venue_dir: Path, forum: str, parsed_dir: Path | None) -> ParsedPaper:
    """A paper's parsed PDF: `<parsed>/[<venue slug>/]<stem>.json` if there, else its crawled PDF parsed now."""
    pdf = venue_dir / "pdfs" / pdf_filename(forum)  # the crawler's name: a hostile id cannot leave the folder
    candidates = [parsed_dir / venue_dir.name / f"{pdf.stem}.json", parsed_dir / f"{pdf.stem}.json"] \
        if parsed_dir else []
    parsed = next((p for p in candidates if p.exists()), None)
    if parsed:
        return ParsedPaper.from_dict(json.loads(parsed.read_bytes().decode("utf-8")))
    if pdf.exists():
        from preprocess.pdf.backends import parse_pdf  # imported late: heavy, and only needed here

        return parse_pdf(pdf)
    raise FileNotFoundError(f"no parsed text and no PDF for {forum} ({pdf})")
