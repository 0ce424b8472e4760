"""Papers with structured reviews: DeepReview-13K and SEA. Each review comes by fields (summary, strengths,
weaknesses, questions, rating, confidence, plus soundness / presentation / contribution scores kept as the review's
`aspects`), flat or nested under `content`; the field names differ only in case and spacing, so one field map
serves both. The paper text is read by its own markup: LaTeX (`latex.py`) or Markdown (`markup.py`).

DeepReview-13K (WestlakeNLP): its published rows (CSV, with a parquet conversion): `id`, `inputs` (chat messages as
JSON text; the user's holds the paper in LaTeX: `\\title{}`, `\\begin{abstract}`, `\\section{}`), `outputs`, `rating`
(the reviewers' ratings), `reviewer_comments` (JSON text: `[{"id", "rating", "content": {"summary", "soundness":
"3 good", ..., "rating": "6: marginally above ...", "confidence": "4: ..."}}]`), `decision`; and its evaluation
sample (`evaluate/DeepReview/sample.json`): `id`, `title`, `paper_context` (the LaTeX), `decision`, `review` (the
same nested entries), `pred_*_mode`. A training paper appears once per mode: it is read once, the repeats counted.
SEA (ECNU-SEA): `paper_nougat_mmd` (the Nougat .mmd text) and `review_json` (`Decision`, `Meta Review`, and per
review `Summary`, `Strengths`, `Weaknesses`, `Questions`, `Soundness`, `Presentation`, `Contribution`,
`Confidence`, `Rating`), as rows or as the folders `paper_nougat_mmd/<id>.mmd` + `review_json/<id>.json`; how its
reviews nest is not documented, so a list under any key is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from preprocess.core.record import Paper, Review, Section
from preprocess.core.venues import venue_id
from preprocess.notes.normalize import leading_int
from preprocess.notes.text import fold
from preprocess.sources.common import (
    ImportLog,
    SourceError,
    decision_of,
    iter_rows,
    loads_if_text,
    paper,
    read_json,
    review,
    text,
)
from preprocess.sources.latex import is_latex, latex_paper
from preprocess.sources.markup import first_heading, markdown_sections, split_abstract

# Review fields by role, matched after folding case and spaces ("Meta Review" -> "metareview"); aspect scores
# ("3 good") are kept as numbers in the review's `aspects`.
REVIEW_ROLES = {"summary": "summary", "strengths": "strengths", "weaknesses": "weaknesses",
                "questions": "questions", "rating": "rating", "confidence": "confidence"}
TEXT_ROLES = ("summary", "strengths", "weaknesses", "questions")
ASPECTS = ("soundness", "presentation", "contribution")
# DeepReview-13K: the paper (its rows: the user message of `inputs`; its evaluation sample: `paper_context`) and
# the reviews (`reviewer_comments`; the sample: `review`), each `{"id", "rating", "content": {fields}}`.
DEEPREVIEW_REVIEWS = ("reviewer_comments", "review", "reviews")
BATCH = 64  # papers parsed together; fewer rows than this are parsed in the reading process
WORKERS = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _key(name: Any) -> str:
    return re.sub(r"[^a-z]", "", str(name).lower())


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry's fields by role; a nested `content` dict (DeepReview-13K, OpenReview notes) wins over the
    entry's own keys (its `rating` "6: marginally above ..." carries the label the scale is read from)."""
    content = loads_if_text(entry.get("content"))
    merged = {**entry, **content} if isinstance(content, dict) else entry
    return {REVIEW_ROLES.get(_key(k), _key(k)): v for k, v in merged.items() if _key(k)}


def structured_reviews(pid: str, entries: Any) -> list[Review]:
    """Reviews from dicts of fields (any case, flat or under `content`); entries with none of the text fields are
    left out. A review keeps the dataset's own id when it has one."""
    out = []
    for entry in entries if isinstance(entries, list) else [entries]:
        fields = _fields(entry) if isinstance(entry, dict) else {}
        if any(text(fields.get(role)) for role in TEXT_ROLES):
            rid = text(entry.get("id")) if isinstance(entry.get("id"), str) else ""
            got = review(rid or f"{pid}-r{len(out) + 1}", fields.get("rating"), fields.get("confidence"),
                         **{role: fields.get(role) for role in TEXT_ROLES})
            got.aspects = {k: v for k in ASPECTS if (v := leading_int(fields.get(k))) is not None}
            out.append(got)
    return out


def marked_up(title: str, body: str) -> tuple[str, str, list[Section]]:
    """(title, abstract, sections) of a paper text by its own markup: LaTeX (`latex.py`) or Markdown; the title
    given wins over the text's own."""
    if is_latex(body):
        got = latex_paper(body)
        sections = [s for s in got.sections if s.heading] or got.sections  # text before the first heading: front
        return title or got.title, got.abstract, sections
    title = title or first_heading(body)
    abstract, sections = split_abstract(markdown_sections(body), title)
    return title, abstract, sections


def _marked_up_or_why(job: tuple[str, str]) -> tuple[str, str, list[Section]] | str:
    """`marked_up` in a worker process: the reason as a string when the text cannot be read."""
    try:
        return marked_up(*job)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return f"paper text not readable: {exc or type(exc).__name__}"


def text_paper(fmt: str, where: str, pid: Any, venue: str, title: str, body: str, **fields: Any) -> Paper:
    """A Paper from its text by its own markup; abstract from its environment or section."""
    title, abstract, sections = marked_up(title, body)
    return paper(fmt, where, pid, venue, title, abstract=abstract, sections=sections, **fields)


def _deepreview_text(row: dict[str, Any]) -> str:
    if text(row.get("paper_context")):
        return text(row["paper_context"])
    messages = loads_if_text(row.get("inputs"))
    if isinstance(messages, str) and messages.strip():
        return messages
    users = [text(m.get("content")) for m in messages or [] if isinstance(m, dict) and m.get("role") != "system"]
    if not users:
        raise SourceError("no paper text: neither `paper_context` nor a user message in `inputs`")
    return max(users, key=len)


def read_deepreview(path: Path, log: ImportLog) -> Iterator[Paper]:
    """Every row of the DeepReview-13K files under `path` (its published rows or its evaluation sample), each
    paper once (its first mode's row). The LaTeX is parsed in worker processes once a batch fills (pylatexenc takes
    ~0.4 s a paper: the 13,400 papers would take ~1.5 h on one core); a few rows are read in this process."""
    seen: set[str] = set()
    batch: list[tuple[str, str, str, str, dict[str, Any]]] = []  # where, id, title, body, the paper's fields
    with ExitStack() as stack:
        pool = None
        for where, row in iter_rows(path, log):
            try:
                body = _deepreview_text(row)
                key = text(row.get("id")) or fold(text(row.get("title")) or first_heading(body))
                if key and key in seen:
                    log.repeats += 1
                    continue
                seen.add(key)
                decision, decision_text = decision_of(row.get("decision"))
                given = next((row[k] for k in DEEPREVIEW_REVIEWS if row.get(k) not in (None, "")), None)
                venue = venue_id(text(row.get("venue") or row.get("conference")) or "DeepReview-13K")
                batch.append((where, key, text(row.get("title")), body, {
                    "venue": venue, "reviews": structured_reviews(key, loads_if_text(given)),
                    "decision": decision, "decision_text": decision_text}))
            except (SourceError, TypeError, AttributeError, ValueError) as exc:
                log.skip(where, text(row.get("id")), str(exc) or type(exc).__name__)
            if len(batch) >= BATCH:
                pool = pool or (stack.enter_context(ProcessPoolExecutor(WORKERS)) if WORKERS > 1 else None)
                yield from _deepreview_papers(batch, pool, log)
                batch = []
        yield from _deepreview_papers(batch, pool, log)


def _deepreview_papers(batch: list[tuple[str, str, str, str, dict[str, Any]]], pool: ProcessPoolExecutor | None,
                       log: ImportLog) -> Iterator[Paper]:
    jobs = [(title, body) for _, _, title, body, _ in batch]
    results = pool.map(_marked_up_or_why, jobs, chunksize=4) if pool else map(_marked_up_or_why, jobs)
    for (where, key, _, _, fields), got in zip(batch, results, strict=True):
        try:
            if isinstance(got, str):
                raise SourceError(got)
            title, abstract, sections = got
            yield paper("deepreview", where, key, fields.pop("venue"), title, abstract=abstract, sections=sections,
                        **fields)
        except SourceError as exc:
            log.skip(where, key, str(exc))


def _sea_rows(path: Path, log: ImportLog) -> Iterator[tuple[str, dict[str, Any]]]:
    """SEA rows as given, or built from the `paper_nougat_mmd/` + `review_json/` folders."""
    mmds = sorted(path.rglob("paper_nougat_mmd/*.mmd")) if path.is_dir() else []
    if not mmds:
        yield from iter_rows(path, log)
        return
    papers = {(m.parent.parent, m.stem) for m in mmds}
    for orphan in sorted(path.rglob("review_json/*.json")):
        if (orphan.parent.parent, orphan.stem) not in papers:
            log.skip(f"{orphan}:1", orphan.stem, "review file without its paper file (paper_nougat_mmd/<id>.mmd)")
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
                raise SourceError("paper file without a review file (review_json/<id>.json)" if row.get(
                    "paper_nougat_mmd") else "no `review_json`")
            top = {_key(k): v for k, v in got.items()} if isinstance(got, dict) else {}
            decision, decision_text = decision_of(top.get("decision"))
            title = text(row.get("title") or top.get("title"))
            yield text_paper("sea", where, pid, venue_id(text(row.get("venue")) or "SEA"), title,
                                 text(row.get("paper_nougat_mmd")), reviews=_sea_reviews(pid, got),
                                 decision=decision, decision_text=decision_text,
                                 meta_review=text(top.get("metareview")))
        except (SourceError, TypeError, AttributeError, ValueError) as exc:
            log.skip(where, pid, str(exc) or type(exc).__name__)
