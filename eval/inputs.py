"""Read a batch prediction and the test split's references, and pair them row by row.

Predictions are LLaMA-Factory's `generated_predictions.jsonl` (`prompt`, `predict`, `label`), in
test-set order. References are the test JSONL `data/<name>_test.jsonl` or its sidecar
`data/<name>_test.refs.jsonl` (`preprocess/core/refs.py`: one line per test row, all human reviews);
given the test JSONL (or the build's `data/<name>.meta.json`), the sidecar beside it is used when present.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from preprocess.core.jsonl import read_jsonl
from preprocess.core.names import split_name
from preprocess.core.refs import PaperRefs

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".refs.jsonl"
META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class EvalRow:
    index: int
    predict: str
    label: str
    refs: PaperRefs | None


@dataclass
class EvalInputs:
    rows: list[EvalRow]
    predictions_path: Path
    sidecar_path: Path | None
    test_path: Path | None
    notes: list[str] = field(default_factory=list)

    @property
    def has_refs(self) -> bool:
        return self.sidecar_path is not None

    def papers(self) -> list[EvalRow]:
        """One row per forum: the first prediction of each paper, in test order (paper-level metrics)."""
        seen: set[str] = set()
        firsts = []
        for row in self.rows:
            if row.refs is not None and row.refs.forum not in seen:
                seen.add(row.refs.forum)
                firsts.append(row)
        return firsts


def resolve_references(path: str | Path) -> tuple[Path | None, Path | None]:
    """(test JSONL, sidecar) for a `--references` path; either may be None when absent on disk."""
    path = Path(path)
    name = path.name
    if name.endswith(SIDECAR_SUFFIX):
        base = path.with_name(name[: -len(SIDECAR_SUFFIX)])
        sidecar: Path | None = path
    elif name.endswith(META_SUFFIX):  # `data/<name>.meta.json` describes the build: its test split is <name>_test
        stem = name[: -len(META_SUFFIX)]
        bases = [path.with_name(split_name(stem, "test")), path.with_name(stem)]
        base = next((b for b in bases if any(b.with_name(b.name + s).exists() for s in (".jsonl", SIDECAR_SUFFIX))),
                    bases[0])
        sidecar = None
    elif name.endswith(".jsonl"):
        base = path.with_name(name[: -len(".jsonl")])
        sidecar = None
    else:
        raise ValueError(f"{path}: --references must be a test .jsonl, its {SIDECAR_SUFFIX} "
                         f"or its {META_SUFFIX}")
    test = base.with_name(base.name + ".jsonl")
    if sidecar is None:
        candidate = base.with_name(base.name + SIDECAR_SUFFIX)
        sidecar = candidate if candidate.exists() else None
    elif not sidecar.exists():
        raise FileNotFoundError(f"{sidecar}: references file not found")
    if not test.exists():
        test = None
    if test is None and sidecar is None:
        raise FileNotFoundError(f"{path}: neither the test JSONL nor its {SIDECAR_SUFFIX} sidecar exists")
    return test, sidecar


def _squash(text: str, n: int = 60) -> str:
    return re.sub(r"\s+", "", text)[:n]


def load_inputs(predictions: str | Path, references: str | Path) -> EvalInputs:
    """Read and pair predictions with references; differing row counts raise naming both files."""
    predictions = Path(predictions)
    preds = read_jsonl(predictions)
    for i, pred in enumerate(preds, start=1):
        if not isinstance(pred.get("predict"), str) or not isinstance(pred.get("label"), str):
            raise ValueError(f"{predictions}: row {i}: needs string 'predict' and 'label' "
                             "(LLaMA-Factory format)")
    test_path, sidecar_path = resolve_references(references)
    notes = []
    refs: list[PaperRefs | None]
    if sidecar_path is not None:
        raw = read_jsonl(sidecar_path)
        refs = [PaperRefs.from_dict(obj, f"{sidecar_path}: row {i}") for i, obj in enumerate(raw, start=1)]
        counted = sidecar_path
    else:
        refs = [None] * len(read_jsonl(test_path))
        counted = test_path
        notes.append(f"No sidecar `{test_path.name[:-6]}{SIDECAR_SUFFIX}` beside `{test_path}`: only "
                     "ROUGE/BLEU and structure are computed (ratings, decisions, hit rate and judge need "
                     "the human reviews).")
    if len(preds) != len(refs):
        raise ValueError(f"row counts differ: {len(preds)} predictions in {predictions} but {len(refs)} "
                         f"references in {counted}")
    if test_path is not None and sidecar_path is not None:
        n_test = len(read_jsonl(test_path))
        if n_test != len(refs):
            raise ValueError(f"row counts differ: {n_test} rows in {test_path} but {len(refs)} "
                             f"in {sidecar_path}")
    rows = [EvalRow(i, p["predict"], p["label"], r) for i, (p, r) in enumerate(zip(preds, refs, strict=True))]
    notes.extend(_order_check(rows))
    return EvalInputs(rows, predictions, sidecar_path, test_path, notes)


def _order_check(rows: list[EvalRow]) -> list[str]:
    """Warn when labels do not start like the sidecar's target review (files from different splits)."""
    checked = mismatched = 0
    for row in rows:
        if row.refs is None:
            continue
        target = next((r.text for r in row.refs.reviews if r.id == row.refs.target_review_id), None)
        if target is None or not _squash(row.label):
            continue
        checked += 1
        head = _squash(row.label, 40)
        if not _squash(target, 400).startswith(head):
            mismatched += 1
    if checked and mismatched > checked / 2:
        message = (f"Order check: {mismatched} of {checked} labels do not start like their target review "
                   "in the sidecar; predictions and references may come from different splits or orders.")
        log.warning(message)
        return [message]
    return []
