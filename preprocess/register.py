"""Register built JSONL files in `data/dataset_info.json`, every column spelled out, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preprocess.jsonl import write_json

# LLaMA-Factory resets any `columns`/`tags` key left out to None, so every one we use is named.
ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "system": "system"}
SHAREGPT_COLUMNS = {"messages": "conversations", "system": "system"}
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human",
                 "assistant_tag": "gpt", "observation_tag": "observation", "function_tag": "function_call",
                 "system_tag": "system"}


def dataset_entry(file_name: str, formatting: str = "alpaca") -> dict[str, Any]:
    """The dataset_info.json entry for one of our files."""
    if formatting == "alpaca":
        return {"file_name": file_name, "formatting": "alpaca", "columns": dict(ALPACA_COLUMNS)}
    if formatting == "sharegpt":
        return {"file_name": file_name, "formatting": "sharegpt", "columns": dict(SHAREGPT_COLUMNS),
                "tags": dict(SHAREGPT_TAGS)}
    raise ValueError(f"unknown formatting {formatting!r}: choose alpaca or sharegpt")


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
