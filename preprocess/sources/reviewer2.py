"""Reviewer2 PGE (GitBag/Reviewer2_PGE_cleaned, Apache-2.0): one row per human review, the columns its dataset card
lists: `venue`, `paper_content` (the paper divided into sections), `prompt` (the PGE pipeline's questions, not
kept), `format` (the review's sections, one per line: "Summary Of The Paper", "Strengths And Weaknesses", ...)
and `review` (the human review). Rows of one paper are gathered into one paper with its reviews.

`paper_content` is laid out as the authors' `demo.py` builds it from a science-parse JSON: "Title", the title,
"Abstract", the abstract, then each section's heading and text, one per line (None written "N/A"). A heading line
is told from text by the PDF side's heading vocabulary (`preprocess/pdf/vocab.py`: numbered, known, back matter).
A list of `{heading, text}` sections (and `title` / `abstract` / `metadata` columns) is read as well.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review, Section
from preprocess.core.venues import venue_id
from preprocess.notes.text import fold
from preprocess.pdf.vocab import ACKNOWLEDGEMENTS, APPENDIX, KNOWN, NUMBERED, REFERENCES
from preprocess.sources.common import (
    ImportLog,
    SourceError,
    decision_of,
    iter_rows,
    loads_if_text,
    paper,
    review,
    text,
)
from preprocess.sources.markup import kinds

# A review section named in `format` -> the review record's field; others stay in `text` under their name.
FORMAT_ROLES = {"summaryofthepaper": "summary", "summary": "summary", "strengthsandweaknesses":
                "strengths_and_weaknesses", "strengths": "strengths", "weaknesses": "weaknesses",
                "questions": "questions"}


def _key(words: str) -> str:
    return re.sub(r"[^a-z]", "", words.lower())


def _is_heading(line: str) -> bool:
    words = line.strip()
    if not words or len(words.split()) > 12 or words.endswith((".", ",", ";")):
        return False
    return any(p.match(words) for p in (NUMBERED, KNOWN, REFERENCES, ACKNOWLEDGEMENTS, APPENDIX))


def content_sections(content: str) -> tuple[str, str, list[Section]]:
    """(title, abstract, sections) of a `paper_content` text: "Title", title, "Abstract", abstract, then headings
    and their text, one per line."""
    lines = content.split("\n")
    title = abstract = ""
    if len(lines) > 1 and lines[0].strip() == "Title":
        title, lines = lines[1].strip(), lines[2:]
    if len(lines) > 1 and lines[0].strip() == "Abstract":
        abstract, lines = lines[1].strip(), lines[2:]
    headed: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        if _is_heading(line):
            headed.append((line.strip(), []))
        elif line.strip() != "N/A":
            headed[-1][1].append(line)
    return title, "" if abstract == "N/A" else abstract, kinds([(h, "\n".join(t)) for h, t in headed])


def format_parts(body: str, form: str) -> dict[str, str]:
    """A review split at the section names its `format` lists, each name at a line start ("Questions:" or
    "Questions" on its own line); a review without them stays whole in `text`."""
    names = [n.strip() for n in form.split("\n") if n.strip()]
    if not names:
        return {"text": body}
    pattern = re.compile(r"^[ \t#*]*(" + "|".join(re.escape(n) for n in names) + r")[ \t*]*:?[ \t*]*$|^[ \t#*]*("
                         + "|".join(re.escape(n) for n in names) + r")[ \t*]*:", re.MULTILINE | re.IGNORECASE)
    marks = list(pattern.finditer(body))
    if not marks:
        return {"text": body}
    parts: dict[str, list[str]] = {"text": [body[: marks[0].start()].strip()]}
    for i, m in enumerate(marks):
        name = m.group(1) or m.group(2)
        chunk = body[m.end(): marks[i + 1].start() if i + 1 < len(marks) else None].strip()
        role = FORMAT_ROLES.get(_key(name))
        parts.setdefault(role or "text", []).append(chunk if role else f"{name}: {chunk}")
    return {role: "\n\n".join(c for c in chunks if c) for role, chunks in parts.items() if any(chunks)}


def _paper_of(row: dict[str, Any]) -> tuple[str, str, list[Section]]:
    given = loads_if_text(row.get("paper_content"))
    if isinstance(given, str):
        return content_sections(given)
    listed = given if isinstance(given, list) else row.get("sections")
    if not isinstance(listed, list):
        raise SourceError("no `paper_content` (nor a `sections` list)")
    sections = kinds([(text(s.get("heading")), text(s.get("text"))) for s in listed if isinstance(s, dict)])
    return "", "", sections


def _reviews(pid: str, row: dict[str, Any], start: int) -> list[Review]:
    given = loads_if_text(row.get("review", row.get("reviews")))
    out = []
    for entry in given if isinstance(given, list) else [given]:
        body = text(entry.get("review") or entry.get("text")) if isinstance(entry, dict) else text(entry)
        if body:
            rating = entry.get("rating") if isinstance(entry, dict) else None
            out.append(review(f"{pid}-r{start + len(out) + 1}", rating, **format_parts(body, text(row.get("format")))))
    return out


def read_reviewer2(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every Reviewer2 PGE row under `path`, the rows of one paper (same title, else same text) as one paper."""
    papers: dict[str, tuple[str, Paper]] = {}  # folded title -> (the dataset's id, the paper)
    for where, row in iter_rows(path, log):
        meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
        try:
            title, abstract, sections = _paper_of(row)
            title = text(row.get("title") or meta.get("title")) or title
            key = fold(title) or hashlib.sha1(text(row.get("paper_content")).encode("utf-8")).hexdigest()[:12]
            if key in papers:
                pid, got = papers[key]
                got.reviews += _reviews(pid, row, len(got.reviews))
                continue
            pid = text(row.get("id") or row.get("paper_id") or meta.get("id")) or hashlib.sha1(
                key.encode("utf-8")).hexdigest()[:12]
            decision, decision_text = decision_of(meta.get("decision") or row.get("decision"))
            venue = text(row.get("venue") or meta.get("venue") or meta.get("conference")) or "Reviewer2"
            year = text(meta.get("year"))
            venue = venue_id(f"{venue} {year}" if year and year not in venue else venue)
            papers[key] = pid, paper("reviewer2", where, pid, venue, title,
                                     abstract=text(row.get("abstract") or meta.get("abstract")) or abstract,
                                     sections=sections, reviews=_reviews(pid, row, 0), decision=decision,
                                     decision_text=decision_text, meta_review=text(row.get("meta_review")))
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, text(row.get("id")), str(exc) or type(exc).__name__)
    for _, got in papers.values():
        got.replies = len(got.reviews)
        yield got
