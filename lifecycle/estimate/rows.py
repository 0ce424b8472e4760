"""The rows `make estimate` trains on: words of the word tokenizer (one token each), as long as the recipe's.

With the recipe's dataset built (`data/<name>.meta.json`), row lengths follow its papers after fitting (the
meta's p50, p95 and max) plus the review reserve; without it every row is `cutoff_len` tokens, the worst
case, which is what peak memory depends on. Either way the first rows are the longest, so peak memory is
reached within the first steps. Rows are alpaca, registered in their own `dataset_info.json`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json, write_jsonl
from preprocess.core.names import build_name, dataset_list

DATASET = "estimate_rows"
OVERHEAD = 24  # instruction and template tokens around the paper and the review


def built_meta(recipe: dict[str, Any]) -> dict[str, Any] | None:
    """The meta of the recipe's first training dataset, when `make data` built it."""
    names = dataset_list(recipe.get("dataset"))
    if not names:
        return None
    path = Path(str(recipe.get("dataset_dir", "data"))) / f"{build_name(names[0])}.meta.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def row_lengths(n: int, cutoff: int, meta: dict[str, Any] | None, seed: int = 0) -> tuple[list[int], str]:
    """`n` row lengths in tokens, longest first, and where they come from."""
    fit = ((meta or {}).get("paper_tokens") or {}).get("after_fit") or {}
    reserve = ((meta or {}).get("args") or {}).get("review_tokens")
    if not (fit.get("p50") and fit.get("p95") and fit.get("max") and reserve):
        return [cutoff] * n, f"every row at cutoff_len {cutoff} (no built dataset meta: the worst case)"
    rng = random.Random(seed)
    points = [(0.0, fit["p50"] // 2), (0.5, fit["p50"]), (0.95, fit["p95"]), (1.0, fit["max"])]

    def paper(q: float) -> float:
        for (q0, v0), (q1, v1) in zip(points, points[1:], strict=False):
            if q <= q1:
                return v0 + (v1 - v0) * (q - q0) / (q1 - q0)
        return points[-1][1]

    lengths = [min(cutoff, int(paper(rng.random())) + reserve + OVERHEAD) for _ in range(n - 1)]
    lengths = sorted([min(cutoff, fit["max"] + reserve + OVERHEAD), *lengths], reverse=True)
    return lengths, (f"papers as built (p50 {fit['p50']}, p95 {fit['p95']}, max {fit['max']} tokens) plus the "
                     f"{reserve}-token review reserve, capped at cutoff_len {cutoff}")


PREFERENCE = ("dpo", "rm")  # stages that read chosen/rejected pairs (ORPO and SimPO are DPO's pref_loss)


def write_rows(folder: Path, lengths: list[int], seed: int = 0, stage: str = "sft") -> Path:
    """Alpaca rows of the given token lengths (a third review, the rest paper) in `folder`, registered: for a
    preference stage each row is a pair (chosen and rejected both as long as the review: each pair is two
    sequences of the row's length, as a real pair is), for KTO one answer with its desirable flag."""
    rng = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(f"w{rng.randrange(2000)}" for _ in range(max(1, k)))

    rows = []
    for k, length in enumerate(lengths):
        body = max(2, length - OVERHEAD)
        review = max(1, body // 3)
        row = {"instruction": "w1 w2 w3 w4", "input": words(body - review)}
        if stage in PREFERENCE:
            row.update(chosen=words(review), rejected=words(review))
        else:
            row["output"] = words(review)
            if stage == "kto":
                row["kto_tag"] = k % 2 == 0
        rows.append(row)
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    entry: dict[str, Any] = {"file_name": f"{DATASET}.jsonl", "formatting": "alpaca"}
    if stage in PREFERENCE:
        entry.update(ranking=True, columns={"prompt": "instruction", "query": "input", "chosen": "chosen",
                                            "rejected": "rejected"})
    else:
        entry["columns"] = {**columns, "kto_tag": "kto_tag"} if stage == "kto" else columns
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / f"{DATASET}.jsonl", rows)
    write_json(folder / "dataset_info.json", {DATASET: entry})
    return folder
