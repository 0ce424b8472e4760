"""Markdown papers with structured reviews: DeepReview-13K and SEA. Both give the paper as Markdown (MinerU /
Nougat) and each review by fields (summary, strengths, weaknesses, questions, rating, confidence, plus
soundness / presentation / contribution scores this record does not keep); the field names differ only in
case and spacing, so one field map serves both.

DeepReview-13K (WestlakeNLP, rows in CSV, or CSV-exported JSONL / JSON / parquet): `inputs` (chat messages; the user's
holds the paper), `outputs`, `reviewer_comments` (a list, or that list as a JSON string), `rating`,
`decision`, optional `id` / `title`. A training paper appears once per mode (fast / standard / best): it is
read once, the repeats counted.
SEA (ECNU-SEA): `paper_nougat_mmd` (the Nougat .mmd text) and `review_json` (`Decision`, `Meta Review`, and per
review `Summary`, `Strengths`, `Weaknesses`, `Questions`, `Soundness`, `Presentation`, `Contribution`,
`Confidence`, `Rating`), as rows or as the folders `paper_nougat_mmd/<id>.mmd` + `review_json/<id>.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review
from preprocess.dataset.dedup import fold
from preprocess.sources.common import (
    ImportLog,
    SourceError,
    decision_of,
    first_heading,
    iter_rows,
    loads_if_text,
    markdown_sections,
    paper,
    read_json,
    review,
    split_abstract,
    text,
    venue_id,
)

# Review fields by role, matched after folding case and spaces ("Meta Review" -> "metareview").
REVIEW_ROLES = {"summary": "summary", "strengths": "strengths", "weaknesses": "weaknesses",
                "questions": "questions", "rating": "rating", "confidence": "confidence"}
TEXT_ROLES = ("summary", "strengths", "weaknesses", "questions")


def _key(name: Any) -> str:
    return re.sub(r"[^a-z]", "", str(name).lower())


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {REVIEW_ROLES[_key(k)]: v for k, v in entry.items() if _key(k) in REVIEW_ROLES}


def structured_reviews(pid: str, entries: Any) -> list[Review]:
    """Reviews from dicts of fields (any case); entries with none of the text fields are left out."""
    out = []
    for entry in entries if isinstance(entries, list) else [entries]:
        fields = _fields(entry) if isinstance(entry, dict) else {}
        if any(text(fields.get(role)) for role in TEXT_ROLES):
            out.append(review(f"{pid}-r{len(out) + 1}", fields.get("rating"), fields.get("confidence"),
                              **{role: fields.get(role) for role in TEXT_ROLES}))
    return out


def markdown_paper(fmt: str, where: str, pid: Any, venue: str, title: str, body: str, **fields: Any) -> Paper:
    """A Paper from Markdown text: title from the row or the first heading, abstract from its section."""
    title = title or first_heading(body)
    abstract, sections = split_abstract(markdown_sections(body), title)
    return paper(fmt, where, pid, venue, title, abstract=abstract, sections=sections, **fields)


def _deepreview_text(inputs: Any) -> str:
    messages = loads_if_text(inputs)
    if isinstance(messages, str):
        return messages
    users = [text(m.get("content")) for m in messages or [] if isinstance(m, dict) and m.get("role") != "system"]
    if not users:
        raise SourceError("`inputs` holds no user message with the paper")
    return max(users, key=len)


def read_deepreview(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every row of the DeepReview-13K files under `path`, each paper once (its first mode's row)."""
    seen: set[str] = set()
    for where, row in iter_rows(path, log):
        try:
            body = _deepreview_text(row.get("inputs"))
            title = text(row.get("title")) or first_heading(body)
            key = text(row.get("id")) or fold(title)
            if key and key in seen:
                log.repeats += 1
                continue
            seen.add(key)
            decision, decision_text = decision_of(row.get("decision"))
            reviews = structured_reviews(key, loads_if_text(row.get("reviewer_comments")))
            venue = venue_id(text(row.get("venue") or row.get("conference")) or "DeepReview-13K")
            yield markdown_paper("deepreview", where, key, venue, title, body, reviews=reviews,
                                 decision=decision, decision_text=decision_text)
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, text(row.get("id")), str(exc) or type(exc).__name__)


def _sea_rows(path: Path, log: ImportLog) -> Iterator[tuple[str, dict[str, Any]]]:
    """SEA rows as given, or built from the `paper_nougat_mmd/` + `review_json/` folders."""
    mmds = sorted(path.rglob("paper_nougat_mmd/*.mmd")) if path.is_dir() else []
    if not mmds:
        yield from iter_rows(path, log)
        return
    for mmd in mmds:
        log.rows += 1
        reviews = mmd.parent.parent / "review_json" / f"{mmd.stem}.json"
        try:  # one unreadable file skips its paper, not the import
            body = mmd.read_text("utf-8")
            got = read_json(reviews) if reviews.exists() else None
        except (OSError, UnicodeDecodeError, SourceError) as exc:
            log.skip(f"{mmd}:1", mmd.stem, str(exc) or type(exc).__name__)
            continue
        yield f"{mmd}:1", {"id": mmd.stem, "venue": mmd.parent.parent.name, "paper_nougat_mmd": body,
                           "review_json": got}


def _sea_reviews(pid: str, got: Any) -> list[Review]:
    """Per-review dicts: the file itself when it carries the fields, else those in any list it holds."""
    if isinstance(got, list) or (isinstance(got, dict) and _fields(got).keys() & set(TEXT_ROLES)):
        return structured_reviews(pid, got)
    lists = [v for v in got.values() if isinstance(v, list)] if isinstance(got, dict) else []
    return structured_reviews(pid, [e for entries in lists for e in entries])


def read_sea(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every SEA paper under `path` (rows or folders)."""
    for where, row in _sea_rows(path, log):
        pid = text(row.get("id") or row.get("paper_id"))
        try:
            got = loads_if_text(row.get("review_json"))
            if not isinstance(got, (dict, list)):
                raise SourceError("no `review_json`")
            top = {_key(k): v for k, v in got.items()} if isinstance(got, dict) else {}
            decision, decision_text = decision_of(top.get("decision"))
            title = text(row.get("title") or top.get("title"))
            yield markdown_paper("sea", where, pid, venue_id(text(row.get("venue")) or "SEA"), title,
                                 text(row.get("paper_nougat_mmd")), reviews=_sea_reviews(pid, got),
                                 decision=decision, decision_text=decision_text,
                                 meta_review=text(top.get("metareview")))
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, pid, str(exc) or type(exc).__name__)
