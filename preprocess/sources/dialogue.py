"""ReviewMT: a dataset already in a training format (alpaca rows with role-tagged history turns), read back into
the record.

ReviewMT (chengtan9907/ReviewMT `src/module.py`, `make_iclr` and `make_nature`; its releases hold
`ICLR<year>_datasets.json`, and an older `src/convert.py` wrote `reviewmt_train/NN.json`):
- `input` = "Title: {title} Abstract: {abstract} Main Text: {paper}" (the paper as marker's Markdown from
  "## 1 Introduction" on; the older converter put a full stop after title and abstract);
- `output` = "{meta_review} Final decision: {decision}" (ICLR) or, for Nature Communications, every review
  "Reviewer N {text}" on its own line before "Final decision: ..." with `history` "";
- `history` = [[prompt, answer], ...] per reviewer N: "Role: Reviewer N. Style: ... Task: Provide a critical
  review ..." answered "Summary: ... Strengths and Weaknesses: ... Questions: ..."; the author's rebuttal turn
  ("Role: Author. ..."), skipped; and "Role: Reviewer N. ... Task: Based on the author's response, provide a final
  score ..." answered "{response} Score: {rating option} Confidence: {confidence option}" (the older converter:
  "You are Reviewer N ..." and "Score: 6. Confidence: 4.").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review
from preprocess.core.venues import venue_id
from preprocess.sources.common import ImportLog, SourceError, decision_of, iter_rows, paper, review, text
from preprocess.sources.markup import markdown_sections

_INPUT = re.compile(r"^\s*Title:\s*(?P<title>.*?)\.?\s+Abstract:\s*(?P<abstract>.*?)\.?\s+Main Text:\s*(?P<body>.*)\Z",
                    re.DOTALL)
_REVIEWER = re.compile(r"(?:You are|Role:)\s*Reviewer\s*(\d+)", re.IGNORECASE)
_LABELS = re.compile(r"(?:^|(?<=[.?!\s]))(Summary|Strengths and Weaknesses|Strengths|Weaknesses|Questions):\s*")
_ROLE_OF = {"Summary": "summary", "Strengths and Weaknesses": "strengths_and_weaknesses",
            "Strengths": "strengths", "Weaknesses": "weaknesses", "Questions": "questions"}
_FINAL = re.compile(r"Score:\s*(?P<score>.+?)\s*Confidence:\s*(?P<confidence>.+?)\s*\Z", re.DOTALL)
_NATURE_REVIEW = re.compile(r"^Reviewer (\d+) ", re.MULTILINE)
_YEAR_FILE = re.compile(r"(ICLR)[ _-]?((?:19|20)\d\d)", re.IGNORECASE)


def labelled_parts(answer: str) -> dict[str, str]:
    """"Summary: a Strengths and Weaknesses: b" -> {"summary": "a", "strengths_and_weaknesses": "b"}; a label
    met again (or its word opening a sentence of the text) adds its text to that part, losing none."""
    marks = list(_LABELS.finditer(answer))
    parts: dict[str, list[str]] = {}
    for i, m in enumerate(marks):
        chunk = answer[m.end(): marks[i + 1].start() if i + 1 < len(marks) else None].strip()
        parts.setdefault(_ROLE_OF[m.group(1)], []).append(chunk)
    return {role: "\n".join(c for c in chunks if c) for role, chunks in parts.items()}


def _option(value: str) -> str:
    """A rating or confidence as the converter wrote it: the form's option ("6: marginally above ...") or a
    bare number with the older converter's full stop ("6.")."""
    value = value.strip()
    return value.rstrip(".") if re.fullmatch(r"-?\d+\.?", value) else value


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
            final = _FINAL.search(answer)
            got["rating"] = _option(final["score"]) if final else None
            got["confidence"] = _option(final["confidence"]) if final else None
        else:
            got.update(labelled_parts(answer) or {"text": answer})
    return [review(f"{pid}-r{n}", got.pop("rating", None), got.pop("confidence", None), **got)
            for n, got in sorted(turns.items()) if any(got.values())]


def nature_reviews(pid: str, reviews_text: str) -> list[Review]:
    """ReviewMT-NC: "Reviewer N {text}" blocks, one per line start, each a free-text review."""
    marks = list(_NATURE_REVIEW.finditer(reviews_text))
    bodies = [reviews_text[m.end(): marks[i + 1].start() if i + 1 < len(marks) else None].strip()
              for i, m in enumerate(marks)]
    return [review(f"{pid}-r{m.group(1)}", text=body) for m, body in zip(marks, bodies, strict=True) if body]


def _venue(where: str) -> str:
    """ICLR's year from the file name (`ICLR2024_datasets.json`), else "ReviewMT"."""
    found = _YEAR_FILE.search(Path(where.rsplit(":", 1)[0]).name)
    return venue_id(f"{found.group(1)}_{found.group(2)}") if found else "ReviewMT"


def read_reviewmt(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every ReviewMT row under `path`; its id is a hash of the title (the rows carry none)."""
    for where, row in iter_rows(path, log):
        try:
            found = _INPUT.match(text(row.get("input")))
            if not found:
                raise SourceError("`input` is not 'Title: ... Abstract: ... Main Text: ...'")
            pid = hashlib.sha1(found["title"].encode("utf-8")).hexdigest()[:12]
            before, _, decision = text(row.get("output")).rpartition("Final decision:")
            decision, decision_text = decision_of(decision.strip(" ."))
            history = row.get("history")
            if isinstance(history, list) and history:
                meta_review = before.strip().removesuffix(".") if before.strip().endswith("..") else before.strip()
                reviews, venue = reviewmt_reviews(pid, history), _venue(where)
            else:
                reviews, meta_review, venue = nature_reviews(pid, before), "", "ReviewMT-NC"
            yield paper("reviewmt", where, pid, venue, found["title"], abstract=found["abstract"].strip(),
                        sections=markdown_sections(found["body"]), reviews=reviews,
                        decision=decision, decision_text=decision_text, meta_review=meta_review)
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, "", str(exc) or type(exc).__name__)
