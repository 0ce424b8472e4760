"""`make predict N=5`: a committee for every test paper. N sampled predictions of the test split, one per seed,
then a committee per row (its N reviews, verdict and meta-review).

    saves/<recipe>/predict/samples/seed-<s>/generated_predictions.jsonl   one per seed (each as `make predict`)
    saves/<recipe>/predict/generated_predictions.jsonl                    the first seed's, what `make eval` reads
    saves/<recipe>/predict/committee.jsonl                                one committee per test row
    saves/<recipe>/predict/committee.json                                 seeds, temperature, decision rule

Resumable: a seed whose predictions are complete (one per test row) is not generated again. The HF backend runs
LLaMA-Factory's predict once per seed; BACKEND=vllm loads the model once and generates all seeds in one batch.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lifecycle.committee.panel import DEFAULT_TEMPERATURE, convene
from lifecycle.committee.rule import load_rule, rating_warning
from lifecycle.launch import write_config
from preprocess.core.jsonl import read_jsonl, write_json, write_jsonl
from preprocess.core.names import dataset_list
from preprocess.core.refs import PaperRefs

PREDICTIONS = "generated_predictions.jsonl"


def seed_dir(out: Path, seed: int) -> Path:
    return out / "samples" / f"seed-{seed}"


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def missing_seeds(out: Path, seeds: list[int], n_rows: int) -> list[int]:
    """Seeds without a complete prediction file (a killed run's partial file counts as missing)."""
    return [s for s in seeds if not (seed_dir(out, s) / PREDICTIONS).exists()
            or _rows(seed_dir(out, s) / PREDICTIONS) != n_rows]


def sample(config: dict[str, Any], seeds: list[int], backend: str, run_cli: Callable[..., int],
           vllm_script: Path) -> int:
    """Generate the given seeds' predictions: one LLaMA-Factory predict each, or one vLLM batch."""
    out = Path(config["output_dir"])
    if backend == "vllm":
        path = write_config(out / "committee.predict.yaml", config)
        cmd = [sys.executable, str(vllm_script), str(path), "--seeds", ",".join(map(str, seeds))]
        print("+", " ".join(cmd), flush=True)
        return subprocess.call(cmd)
    for k, seed in enumerate(seeds, start=1):
        print(f"committee: sample {k} of {len(seeds)} (seed {seed})", flush=True)
        one = {**config, "seed": seed, "output_dir": str(seed_dir(out, seed))}
        code = run_cli("train", str(write_config(seed_dir(out, seed) / "predict.yaml", one)))
        if code != 0:
            return code
    return 0


def _refs(dataset_dir: Path, eval_dataset: str, n_rows: int) -> list[PaperRefs | None]:
    path = dataset_dir / f"{eval_dataset}.refs.jsonl"
    if not path.exists():
        return [None] * n_rows
    refs = [PaperRefs.from_dict(obj, f"{path}: line {i}") for i, obj in enumerate(read_jsonl(path), start=1)]
    if len(refs) != n_rows:
        raise ValueError(f"{path}: {len(refs)} lines but the test split has {n_rows} rows")
    return refs


def aggregate(out: Path, seeds: list[int], dataset_dir: Path, eval_dataset: str, train_dataset: str,
              temperature: float) -> Path:
    """Read every seed's predictions and write committee.jsonl, committee.json and the first seed's copy."""
    runs = [read_jsonl(seed_dir(out, s) / PREDICTIONS) for s in seeds]
    refs = _refs(dataset_dir, eval_dataset, len(runs[0]))
    rule, note = load_rule(dataset_dir, train_dataset)
    print(f"committee: {note}", flush=True)
    lines = []
    for i, ref in enumerate(refs):
        scale = ref.rating_scale if ref is not None else ()
        committee = convene([run[i]["predict"] for run in runs], seeds, scale, rule)
        lines.append({"index": i, "forum": ref.forum if ref else None, **committee.to_dict(),
                      "label": runs[0][i]["label"]})
    write_jsonl(out / "committee.jsonl", lines)
    shutil.copyfile(seed_dir(out, seeds[0]) / PREDICTIONS, out / PREDICTIONS)
    write_json(out / "committee.json", {"n": len(seeds), "seeds": seeds, "temperature": temperature,
                                        "eval_dataset": eval_dataset, "decision_rule": rule.to_dict() if rule else None,
                                        "decision_rule_note": note})
    decided = [line for line in lines if line["decision"] is not None]
    print(f"committee: {len(lines)} papers x {len(seeds)} reviews; {len(decided)} with a verdict; "
          f"wrote {out / 'committee.jsonl'}", flush=True)
    return out / "committee.jsonl"


def predict_committee(config: dict[str, Any], recipe: dict[str, Any], n: int, backend: str,
                      run_cli: Callable[..., int], vllm_script: Path) -> int:
    """The whole `make predict N=n` after the predict config is built (seed, dataset, sampling set)."""
    if n < 2:
        raise ValueError(f"N={n}: a committee needs at least 2 reviews (N=1 is plain `make predict`)")
    if not config.get("do_sample"):
        config.update(do_sample=True, temperature=DEFAULT_TEMPERATURE)
    eval_dataset = str(config["eval_dataset"])
    if "," in eval_dataset:
        raise ValueError(f"N={n}: one test dataset at a time (DATA=<name>), not {eval_dataset}")
    dataset_dir = Path(config.get("dataset_dir", "data"))
    test_file = dataset_dir / f"{eval_dataset}.jsonl"
    if not test_file.exists():
        raise ValueError(f"{test_file} does not exist: run `make data` first")
    out, base = Path(config["output_dir"]), int(config.get("seed", 42))
    seeds = [base + k for k in range(n)]
    todo = missing_seeds(out, seeds, _rows(test_file))
    if len(todo) < n:
        print(f"committee: {n - len(todo)} of {n} seeds already complete in {out / 'samples'}", flush=True)
    if todo and (code := sample(config, todo, backend, run_cli, vllm_script)) != 0:
        return code
    train = next(iter(dataset_list(recipe.get("dataset"))), eval_dataset)
    if warning := rating_warning(dataset_dir, train):
        print(f"committee: warning: {warning}", flush=True)
    aggregate(out, seeds, dataset_dir, eval_dataset, train, float(config["temperature"]))
    return 0
