"""JSONL and JSON I/O shared by every step: atomic writes, and reads that name the bad file and line and repair
lone UTF-16 surrogates (JSON can spell `\\ud83d` alone, half an emoji as API dumps carry; UTF-8 cannot hold it)."""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # how a surrogate reaches a JSON line: an escape


class BadLine(ValueError):
    """A JSONL line that cannot be decoded; `where` is `file:line`."""

    def __init__(self, path: Path, lineno: int, reason: str):
        self.where = f"{path}:{lineno}"
        super().__init__(f"{self.where}: {reason}")


@functools.cache
def _new_file_mode() -> int:
    """The mode `open()` gives a new file here (0644 under the usual umask 022)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def temp_files(path: str | os.PathLike) -> list[Path]:
    """The temp files `atomic_open(path)` leaves when its process is killed mid-write."""
    path = Path(path)
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Write to a temp file beside `path`, then rename over it: readers never see half a file. The file keeps
    the mode it had (a new one gets the usual mode, not the temp file's 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode())
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> int:
    """Atomically write `rows` as JSONL (UTF-8, no ASCII escaping); returns the row count."""
    count = 0
    with atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomically write `obj` as indented JSON with a trailing newline."""
    with atomic_open(path) as handle:
        handle.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def no_surrogates(value: Any) -> Any:
    """`value` with every string's lone UTF-16 surrogates replaced by U+FFFD, in lists and dicts (keys too);
    the same object when there is none. Pairs are not lone: `json.loads` has joined them already."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {no_surrogates(k): no_surrogates(v) for k, v in value.items()}
    return value


def iter_jsonl_numbered(path: str | os.PathLike, errors: list[BadLine] | None = None,
                        ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each JSON object of a JSONL file; a UTF-8 BOM at its start is skipped.

    Lone surrogates are replaced (`no_surrogates`), so what is read can be written. A bad line (invalid UTF-8,
    invalid JSON, not an object) raises `BadLine` naming file and line,
    unless `errors` is given: then it is logged, appended there, and skipped.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
                if _ESCAPED_SURROGATE.search(raw):
                    obj = no_surrogates(obj)
            except (UnicodeDecodeError, ValueError) as exc:
                bad = BadLine(path, lineno, str(exc))
                if errors is None:
                    raise bad from exc
                log.warning("skipping %s", bad)
                errors.append(bad)
                continue
            yield lineno, obj


def iter_jsonl(path: str | os.PathLike, errors: list[BadLine] | None = None) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of a JSONL file (see `iter_jsonl_numbered`)."""
    for _, obj in iter_jsonl_numbered(path, errors):
        yield obj


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """All objects of a JSONL file; the first bad line raises `BadLine`."""
    return list(iter_jsonl(path))
