"""Register built JSONL files in `data/dataset_info.json`, every column spelled out, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json
from preprocess.dataset.formats import FORMATS


def dataset_entry(file_name: str, formatting: str = "alpaca") -> dict[str, Any]:
    """The dataset_info.json entry for one of our files."""
    if formatting not in FORMATS:
        raise ValueError(f"unknown formatting {formatting!r}: choose {' or '.join(FORMATS)}")
    return FORMATS[formatting].dataset_entry(formatting, file_name)


def register(dataset_dir: str | Path, entries: dict[str, dict[str, Any]]) -> Path:
    """Add or replace `entries` in `<dataset_dir>/dataset_info.json`; other datasets are kept as they are."""
    path = Path(dataset_dir) / "dataset_info.json"
    info: dict[str, Any] = {}
    if path.exists():
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); fix or remove it") from exc
    if {**info, **entries} != info:
        write_json(path, {**info, **entries})
    return path
