"""Datasets already in a training format, read back into the record: ReviewMT (alpaca rows with role-tagged
history turns) and Reviewer2 PGE (a paper's `sections[{heading, text}]` with its reviews and metadata).

ReviewMT (chengtan9907/ReviewMT `src/convert.py`, files `reviewmt_train/NN.json`, `reviewmt_test.json`): `input`
= "Title: {title}. Abstract: {abstract}. Main Text: {paper}", `output` = "{meta_review}. Final decision:
{decision}.", `history` = [[prompt, answer], ...] where "You are Reviewer N ... provide a review" is answered
"Summary: ... Strengths and Weaknesses: ... Questions: ...", the authors' rebuttal turn is skipped, and the
reviewer's last turn ends "Score: R. Confidence: C.".
Reviewer2 PGE: rows with `sections` and `review` / `reviews` (text, or dicts of fields) and a `metadata` dict
(`title`, `decision`, `venue` / `conference`); top-level `title` / `abstract` / `id` win over the metadata's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review, Section
from preprocess.dataset.normalize import leading_int
from preprocess.sources.common import (
    ImportLog,
    SourceError,
    decision_of,
    iter_rows,
    markdown_sections,
    paper,
    review,
    text,
    venue_id,
)
from preprocess.sources.structured import structured_reviews

_INPUT = re.compile(r"^\s*Title:\s*(?P<title>.*?)\.\s*Abstract:\s*(?P<abstract>.*?)\.\s*Main Text:\s*(?P<body>.*)\Z",
                    re.DOTALL)
_REVIEWER = re.compile(r"You are Reviewer\s*(\d+)", re.IGNORECASE)
_LABELS = re.compile(r"(?:^|(?<=[.?!])\s*)(Summary|Strengths and Weaknesses|Strengths|Weaknesses|Questions):\s*")
_ROLE_OF = {"Summary": "summary", "Strengths and Weaknesses": "strengths_and_weaknesses",
            "Strengths": "strengths", "Weaknesses": "weaknesses", "Questions": "questions"}
_SCORE = re.compile(r"Score:\s*(-?\d+)")
_CONFIDENCE = re.compile(r"Confidence:\s*(-?\d+)")


def labelled_parts(answer: str) -> dict[str, str]:
    """"Summary: a. Strengths and Weaknesses: b." -> {"summary": "a.", "strengths_and_weaknesses": "b."}; a
    label met again (or its word opening a sentence of the text) adds its text to that part, losing none."""
    marks = list(_LABELS.finditer(answer))
    parts: dict[str, list[str]] = {}
    for i, m in enumerate(marks):
        chunk = answer[m.end(): marks[i + 1].start() if i + 1 < len(marks) else None].strip()
        parts.setdefault(_ROLE_OF[m.group(1)], []).append(chunk)
    return {role: "\n".join(c for c in chunks if c) for role, chunks in parts.items()}


def reviewmt_reviews(pid: str, history: Any) -> list[Review]:
    """One review per reviewer number: the text from their review turn, rating and confidence from their last."""
    turns: dict[int, dict[str, Any]] = {}
    for turn in history if isinstance(history, list) else []:
        if not (isinstance(turn, list) and len(turn) == 2):
            continue
        prompt, answer = text(turn[0]), text(turn[1])
        who = _REVIEWER.search(prompt)
        if not who:
            continue  # the authors' rebuttal turns
        got = turns.setdefault(int(who.group(1)), {})
        if "final score" in prompt.lower():
            score, confidence = _SCORE.search(answer), _CONFIDENCE.search(answer)
            got["rating"] = score.group(1) if score else None
            got["confidence"] = confidence.group(1) if confidence else None
        else:
            got.update(labelled_parts(answer) or {"text": answer})
    return [review(f"{pid}-r{n}", got.pop("rating", None), got.pop("confidence", None), **got)
            for n, got in sorted(turns.items()) if any(got.values())]


def read_reviewmt(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every ReviewMT row under `path`; its id is a hash of the title (the rows carry none)."""
    for where, row in iter_rows(path, log):
        try:
            found = _INPUT.match(text(row.get("input")))
            if not found:
                raise SourceError("`input` is not 'Title: ... Abstract: ... Main Text: ...'")
            pid = hashlib.sha1(found["title"].encode("utf-8")).hexdigest()[:12]
            meta_review, _, decision = text(row.get("output")).partition("Final decision:")
            decision, decision_text = decision_of(decision)
            yield paper("reviewmt", where, pid, "ReviewMT", found["title"], abstract=found["abstract"].strip(),
                        sections=markdown_sections(found["body"]), reviews=reviewmt_reviews(pid, row.get("history")),
                        decision=decision, decision_text=decision_text, meta_review=meta_review.strip(" ."))
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, "", str(exc) or type(exc).__name__)


def _reviewer2_reviews(pid: str, given: Any) -> list[Review]:
    entries = given if isinstance(given, list) else [given]
    out: list[Review] = []
    for entry in entries:
        if isinstance(entry, dict) and not any(k in entry for k in ("review", "comment", "text", "content")):
            out += structured_reviews(f"{pid}-{len(out) + 1}", entry)
        elif isinstance(entry, dict):
            body = next(text(entry[k]) for k in ("review", "comment", "text", "content") if k in entry)
            out.append(review(f"{pid}-r{len(out) + 1}", entry.get("rating"), entry.get("confidence"), text=body))
        elif text(entry):
            out.append(review(f"{pid}-r{len(out) + 1}", text=entry))
    return [r for r in out if r.body()]


def read_reviewer2(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every Reviewer2 PGE row under `path`."""
    for where, row in iter_rows(path, log):
        meta = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
        pid = text(row.get("id") or row.get("paper_id") or meta.get("id"))
        try:
            if not isinstance(row.get("sections"), list):
                raise SourceError("no `sections` list")
            sections = [Section(text(s.get("heading")), text(s.get("text"))) for s in row["sections"]
                        if isinstance(s, dict)]
            sections = [s for s in sections if s.text] or markdown_sections(text(row.get("text")))
            decision, decision_text = decision_of(meta.get("decision") or row.get("decision"))
            venue = text(meta.get("venue") or meta.get("conference") or row.get("venue")) or "Reviewer2"
            year = leading_int(meta.get("year"))
            venue = venue_id(f"{venue} {year}" if year and str(year) not in venue else venue)
            yield paper("reviewer2", where, pid, venue,
                        row.get("title") or meta.get("title"),
                        abstract=text(row.get("abstract") or meta.get("abstract")),
                        sections=sections, reviews=_reviewer2_reviews(pid, row.get("reviews", row.get("review"))),
                        decision=decision, decision_text=decision_text, meta_review=text(row.get("meta_review")))
        except (SourceError, TypeError, AttributeError, ValueError, StopIteration) as exc:
            log.skip(where, pid, str(exc) or type(exc).__name__)

