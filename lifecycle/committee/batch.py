"""`make predict N=5`: a committee for every test paper. N sampled predictions of the test split, one per seed,
then a committee per row (its N reviews, verdict and meta-review).

    saves/<recipe>/predict/samples/seed-<s>/generated_predictions.jsonl   one per seed (each as `make predict`)
    saves/<recipe>/predict/generated_predictions.jsonl                    the first seed's, what `make eval` reads
    saves/<recipe>/predict/committee.jsonl                                one committee per test row
    saves/<recipe>/predict/committee.json                                 seeds, temperature, decision rule

The first seed predicts every test row (its file is the one `make eval` reads); with the HF backend the others
predict one row per paper (a paper's rows share one prompt; a committee is scored on each paper's first row), and
their reviews are set on every row of the paper. Resumable: a seed whose predictions are complete (every row it
must write, read back) and were made from the same settings, weights and test split (its `sample.json`
fingerprint) is not generated again. The HF backend runs LLaMA-Factory's predict once per seed; BACKEND=vllm
loads the model once and generates all seeds on the whole split in one batch.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.committee.rule import load_rule, rating_warning
from lifecycle.committee.panel import DEFAULT_TEMPERATURE, convene
from lifecycle.launch import write_config
from preprocess.core.jsonl import atomic_open, read_jsonl, write_json, write_jsonl
from preprocess.core.names import dataset_list
from preprocess.core.refs import PaperRefs

PREDICTIONS = "generated_predictions.jsonl"
STAMP = "sample.json"  # beside each seed's predictions: the fingerprint of what made them
Plan = dict[int, tuple[dict[str, Any], int]]  # seed -> (its predict config, the rows it must write)


def seed_dir(out: Path, seed: int) -> Path:
    return out / "samples" / f"seed-{seed}"


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def fingerprint(config: dict[str, Any], test_file: Path) -> str:
    """What a seed's sample was made from: the predict settings (all but seed and output folder), the weights'
    file times and the test split's bytes. A seed made otherwise is made again."""
    stamps = {}
    for key in ("model_name_or_path", "adapter_name_or_path"):
        for folder in (Path(p) for p in str(config.get(key) or "").split(",") if p):
            if folder.is_dir():
                stamps[str(folder)] = max((f.stat().st_mtime_ns for f in folder.iterdir() if f.is_file()), default=0)
    settings = {k: v for k, v in config.items() if k not in ("output_dir", "seed")}
    made_of = {"settings": settings, "weights": stamps, "test": hashlib.sha256(test_file.read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(made_of, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _complete(folder: Path, n_rows: int, stamp: str) -> bool:
    """A seed's sample is complete when it was made from the same inputs and every one of its lines reads."""
    try:
        made = json.loads((folder / STAMP).read_text(encoding="utf-8")).get("fingerprint")
        return made == stamp and len(read_jsonl(folder / PREDICTIONS)) == n_rows
    except (OSError, ValueError):
        return False


def missing_seeds(out: Path, plan: Plan, test_file: Path) -> list[int]:
    """The plan's seeds without a complete sample of their inputs (a killed run's partial file, or one made with
    other settings, weights or test split, counts as missing)."""
    return [s for s, (config, n_rows) in plan.items()
            if not _complete(seed_dir(out, s), n_rows, fingerprint(config, test_file))]


def _stamp(out: Path, seed: int, stamp: str) -> None:
    write_json(seed_dir(out, seed) / STAMP, {"seed": seed, "fingerprint": stamp})


def sample(plan: Plan, seeds: list[int], backend: str, run_cli: Callable[..., int], vllm_script: Path,
           test_file: Path) -> int:
    """Generate the given seeds' predictions: one LLaMA-Factory predict each, or one vLLM batch; each seed is
    stamped with the fingerprint of what made it once its file is written."""
    config = plan[seeds[0]][0]
    out = Path(config["output_dir"])
    if backend == "vllm":  # every seed on the whole split: one model load serves them all
        path = write_config(out / "committee.predict.yaml", config)
        cmd = [sys.executable, str(vllm_script), str(path), "--seeds", ",".join(map(str, seeds))]
        print("+", " ".join(cmd), flush=True)
        code = subprocess.call(cmd)
        for seed in seeds if code == 0 else ():
            _stamp(out, seed, fingerprint(config, test_file))
        return code
    for k, seed in enumerate(seeds, start=1):
        print(f"committee: sample {k} of {len(seeds)} (seed {seed})", flush=True)
        one = {**plan[seed][0], "seed": seed, "output_dir": str(seed_dir(out, seed))}
        code = run_cli("train", str(write_config(seed_dir(out, seed) / "predict.yaml", one)))
        if code != 0:
            return code
        _stamp(out, seed, fingerprint(plan[seed][0], test_file))
    return 0


def paper_rows(refs: list[PaperRefs | None]) -> list[int]:
    """For each test row, the index of its paper's first row (itself when there are no references)."""
    first: dict[str, int] = {}
    return [i if ref is None else first.setdefault(ref.forum, i) for i, ref in enumerate(refs)]


def papers_config(config: dict[str, Any], test_file: Path, firsts: list[int]) -> dict[str, Any]:
    """The later seeds' predict config: the test split cut to each paper's first row (a paper's rows share one
    prompt), written with its registration under `<output_dir>/papers/`."""
    dataset_dir, name = Path(config.get("dataset_dir", "data")), str(config["eval_dataset"])
    entry = json.loads((dataset_dir / "dataset_info.json").read_text(encoding="utf-8"))[name]
    lines = [line for line in test_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    folder = Path(config["output_dir"]) / "papers"
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_open(folder / "papers.jsonl") as handle:
        handle.write("".join(lines[i] + "\n" for i in firsts))
    write_json(folder / "dataset_info.json", {name: {**entry, "file_name": "papers.jsonl"}})
    # a training `dataset` (an ARGS override) is not predicted and is not registered in this folder
    return {**{k: v for k, v in config.items() if k != "dataset"}, "dataset_dir": str(folder)}


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
    rows_of = paper_rows(refs)
    firsts = sorted(set(rows_of))
    at = {row: k for k, row in enumerate(firsts)}
    runs = [run if len(run) == len(refs) else [run[at[rows_of[i]]] for i in range(len(refs))] for run in runs]
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
    if config.get("max_samples"):
        raise ValueError(f"N={n} with max_samples: a committee covers the whole test split, so its rows line up "
                         "with the references; give a smaller split with DATA=<name> instead")
    if "," in eval_dataset:
        raise ValueError(f"N={n}: one test dataset at a time (DATA=<name>), not {eval_dataset}")
    dataset_dir = Path(config.get("dataset_dir", "data"))
    test_file = dataset_dir / f"{eval_dataset}.jsonl"
    if not test_file.exists():
        raise ValueError(f"{test_file} does not exist: run `make data` first")
    out, base = Path(config["output_dir"]), int(config.get("seed", 42))
    seeds = [base + k for k in range(n)]
    n_rows = _rows(test_file)
    firsts = sorted(set(paper_rows(_refs(dataset_dir, eval_dataset, n_rows))))
    later = (config, n_rows)  # the first seed writes every row (its file is what make eval reads, labels and all)
    if backend == "huggingface" and len(firsts) < n_rows:  # the others one row per paper: that is all eval reads
        later = (papers_config(config, test_file, firsts), len(firsts))
    plan: Plan = {s: (config, n_rows) if s == seeds[0] else later for s in seeds}
    todo = missing_seeds(out, plan, test_file)
    if len(todo) < n:
        print(f"committee: {n - len(todo)} of {n} seeds already complete in {out / 'samples'} (same settings, "
              "weights and test split)", flush=True)
    if later[1] < n_rows:
        print(f"committee: seeds after the first predict one row per paper ({later[1]} of {n_rows} rows)", flush=True)
    if todo and (code := sample(plan, todo, backend, run_cli, vllm_script, test_file)) != 0:
        return code
    train = next(iter(dataset_list(recipe.get("dataset"))), eval_dataset)
    if warning := rating_warning(dataset_dir, train):
        print(f"committee: warning: {warning}", flush=True)
    aggregate(out, seeds, dataset_dir, eval_dataset, train, float(config["temperature"]))
    return 0
