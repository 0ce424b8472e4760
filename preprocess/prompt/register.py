"""Register built JSONL files in `data/dataset_info.json`, every column spelled out, idempotently; the locks that
keep concurrent builds apart.

`register` reads, merges and renames the registry under a file lock (`dataset_info.json.lock`), so builds of
different names running at once all keep their entries. `build_lock` lets one build per dataset name run at a
time: a second `make data NAME=x` while one runs is refused at once, before it writes anything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from preprocess.core.jsonl import temp_files, write_json
from preprocess.core.names import safe_name
from preprocess.prompt.formats import FORMATS

log = logging.getLogger("preprocess.dataset")
REGISTRY = "dataset_info.json"
REGISTRY_WAIT_S = 120.0  # how long a build waits for another one's registry update (milliseconds, normally)


def dataset_entry(file_name: str, formatting: str = "alpaca") -> dict[str, Any]:
    """The dataset_info.json entry for one of our files."""
    if formatting not in FORMATS:
        raise ValueError(f"unknown formatting {formatting!r}: choose {' or '.join(FORMATS)}")
    return FORMATS[formatting].dataset_entry(formatting, file_name)


def register(dataset_dir: str | Path, entries: dict[str, dict[str, Any]]) -> Path:
    """Add or replace `entries` in `<dataset_dir>/dataset_info.json`; other datasets are kept as they are. The
    read-merge-rename runs under the registry's file lock, so concurrent calls never lose each other's entries."""
    for key in entries:
        safe_name(key, "dataset name")
    path = Path(dataset_dir) / REGISTRY
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{path}.lock", timeout=REGISTRY_WAIT_S)
    try:
        with lock:
            for stale in temp_files(path):  # only a killed writer leaves one: nobody else writes while we hold it
                log.warning("removing %s, left by a build that was stopped mid-write", stale)
                stale.unlink(missing_ok=True)
            info = _read_registry(path)
            if {**info, **entries} != info:
                write_json(path, {**info, **entries})
    except Timeout:
        raise RuntimeError(f"{path}: another process has held {lock.lock_file} for over {REGISTRY_WAIT_S:.0f} s; "
                           "is a build stuck? The datasets were written but not registered") from None
    return path


def _read_registry(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); fix or remove it") from exc
    if not isinstance(info, dict):
        raise ValueError(f"{path}:1: expected a JSON object of datasets, got {type(info).__name__}; fix or remove it")
    return info


def build_lock_file(out: Path, name: str) -> Path:
    """The lock a build of `name` holds while it runs (beside its outputs, hidden)."""
    return out / f".{safe_name(name, 'dataset name')}.build.lock"


@contextmanager
def build_lock(out: Path, name: str) -> Iterator[None]:
    """Hold the build lock of dataset `name` under `out`, or raise RuntimeError at once when another build of
    the same name holds it (an flock: a killed build releases it with its process)."""
    path = build_lock_file(out, name)
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RuntimeError(f"{out / name}: another build of dataset {name!r} is running (it holds {path}); "
                           "wait for it to finish or choose another NAME") from None
    try:
        yield
    finally:
        lock.release()
