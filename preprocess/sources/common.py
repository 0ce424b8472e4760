"""What every importer shares: rows from JSONL / JSON / parquet / CSV with their place (`file:line`), the import's log
of skipped items, and the small converters from a dataset's values to the typed record (`Paper`, `Review`).

A row that cannot become a paper raises `SourceError`; the reader logs it as `file:line: item: reason` and goes
on with the next row, never dropping the batch.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import BadLine, iter_jsonl_numbered, no_surrogates
from preprocess.core.record import Paper, Review
from preprocess.core.venues import venue_year
from preprocess.notes.decisions import label
from preprocess.notes.normalize import leading_int
from preprocess.notes.wrap import join_wrapped

ROW_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class SourceError(ValueError):
    """A row or file of an import that cannot become a paper (the reason; the reader adds where)."""


@dataclass
class ImportLog:
    """What one import read: rows seen, items skipped (`{"item": "file:line: id", "reason"}`), warnings."""

    rows: int = 0
    repeats: int = 0  # rows that repeat a paper already read (DeepReview-13K lists a paper once per mode)
    skipped: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def skip(self, where: str, item: str, reason: str) -> None:
        self.skipped.append({"item": f"{where}: {item}" if item else where, "reason": reason})


def row_files(path: Path) -> list[Path]:
    """`path` itself, or every JSONL / JSON / parquet file under it, sorted (a rerun reads the same order)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ROW_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"{path}: no .jsonl, .json or .parquet file under it")
    return files


def iter_rows(path: Path, log: ImportLog) -> Iterator[tuple[str, dict[str, Any]]]:
    """(`file:line` or `file:row N`, row) for every row of every row file under `path`; bad lines are logged.
    Strings come out with lone surrogates replaced (`no_surrogates`)."""
    for file in row_files(path):
        suffix = file.suffix.lower()
        if suffix == ".jsonl":
            errors: list[BadLine] = []
            for line, row in iter_jsonl_numbered(file, errors):
                log.rows += 1
                yield f"{file}:{line}", row  # iter_jsonl_numbered has repaired its surrogates
            log.rows += len(errors)
            for bad in errors:
                log.skip(bad.where, "", str(bad))
            continue
        try:
            rows = {".parquet": _parquet_rows, ".csv": _csv_rows}.get(suffix, _json_rows)(file)
        except (OSError, ValueError, csv.Error) as exc:
            log.skip(str(file), "", f"unreadable {suffix[1:]} file: {exc}")
            continue
        for n, row in enumerate(rows, start=1):
            log.rows += 1
            if isinstance(row, dict):
                yield f"{file}:row {n}", no_surrogates(row)
            else:
                log.skip(f"{file}:row {n}", "", f"expected a JSON object, got {type(row).__name__}")


def _json_rows(file: Path) -> list[Any]:
    data = json.loads(file.read_bytes().decode("utf-8-sig"))
    return data if isinstance(data, list) else [data]


def _csv_rows(file: Path) -> list[dict[str, Any]]:
    """A CSV export's rows (a paper's text in one cell: the field size limit raised)."""
    csv.field_size_limit(sys.maxsize)
    with open(file, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _parquet_rows(file: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq  # imported late: only parquet imports need it

    return pq.read_table(file).to_pylist()


def read_json(file: Path) -> Any:
    """One JSON file (a paper's review or parse file); SourceError naming the file when it is not JSON."""
    try:
        return no_surrogates(json.loads(file.read_bytes().decode("utf-8-sig")))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{file}: not readable JSON ({exc})") from exc


def loads_if_text(value: Any) -> Any:
    """A JSON value that a CSV or parquet export stored as a string, decoded; anything else as it is."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def text(value: Any) -> str:
    """A text field as a stripped string: lists of points joined by lines, None as ""."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(text(v) for v in value if text(v))
    return no_surrogates(str(value).strip())


def forum_id(fmt: str, *parts: Any) -> str:
    """A forum id for an imported paper: the format and the dataset's own id, safe as a file name."""
    return "-".join(_UNSAFE.sub("_", str(p)).strip("_") for p in (fmt, *parts) if str(p))


def decision_of(value: Any) -> tuple[str, str]:
    """(decision, text) from a boolean `accepted` or a decision string ("Accept (Poster)", "Reject")."""
    if isinstance(value, bool):
        return ("accepted" if value else "rejected"), str(value)
    words = text(value)
    found = label(words)
    return (found if found in ("accepted", "rejected") else "unknown"), words


def review(rid: str, rating: Any = None, confidence: Any = None, **texts: Any) -> Review:
    """A Review from a dataset's values: ratings as given go to raw_*, their leading integer to rating; text typed
    into an 80-column box (PeerRead's ACL 2017 / CoNLL 2016 reviews) has its wrapped lines joined back
    (`preprocess/notes/wrap.py`, the one home of that rule)."""
    return Review(id=rid, rating=leading_int(rating), confidence=leading_int(confidence), raw_rating=rating,
                  raw_confidence=confidence, **{k: join_wrapped(text(v)) for k, v in texts.items()})


def paper(fmt: str, where: str, pid: Any, venue: str, title: Any, **fields: Any) -> Paper:
    """A Paper for an imported row; SourceError when it has no title or no id."""
    title = " ".join(text(title).split())
    if not title:
        raise SourceError("no title")
    if not text(pid):
        raise SourceError("no paper id")
    reviews = fields.get("reviews", [])
    return Paper(forum=forum_id(fmt, pid), venue=venue, year=venue_year(venue), api=f"import:{fmt}", title=title,
                 replies=len(reviews), source=where, **fields)
