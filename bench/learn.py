"""Does our data teach a genuine model to review? The base SmolLM2-135M-Instruct against its SFT run, same split.

    make base-model && make train RECIPE=smollm2_cpu      # once (models/, saves/smollm2_cpu/)
    python bench/learn.py                                  # base and sft rows -> bench/results/learn-<date>.json

Both models go through the path every recipe takes: `python -m lifecycle.run predict smollm2_cpu` (greedy, one
review per test row; `--n 3` makes it a committee of three sampled reviews per paper, whose first seed's reviews
eval reads, and adds the committee's decision AUROC), then `... eval`.
The base model stands in as the run's exported model (`<work>/base/smollm2_cpu/merged` links to it under its own
SAVES_DIR), so it gets the same test rows, instruction, template and decoding; the SFT row is the trained run under
saves/. Every figure is read from the two `eval/metrics.json` files (eval/ computes them); this script only sets
them side by side: four parts present and in order (eval/scores/structure.py), the rating parsed share (per paper, and
over all rows with the target format's reader), rating MAE against the mean human rating beside the
constant-median baseline, ROUGE-L, the comment hit rate with its shuffled control, and the committee's decision
AUROC with its n. Predictions already made from the same weights and settings are reused (lifecycle/committee).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preprocess.core.jsonl import read_jsonl  # noqa: E402
from preprocess.core.target import parse_rating  # noqa: E402

RECIPE = "smollm2_cpu"
BASE_MODEL = REPO / "models" / "smollm2-135m-instruct"
COLUMNS = (("four_part_in_order", "4 parts in order"), ("rating_parsed_rows", "rating parsed (rows)"),
           ("rating_parsed_papers", "rating parsed (papers)"), ("rating_mae", "rating MAE"),
           ("baseline_mae_median", "median-baseline MAE"), ("rouge_l", "ROUGE-L"), ("hit_rate", "hit rate"),
           ("hit_rate_shuffled", "shuffled control"), ("committee_auroc", "committee AUROC"),
           ("committee_n_decided", "AUROC n"))


def run(cmd: list[str], saves: Path, log: Path) -> None:
    """One lifecycle call with `SAVES_DIR=saves`, its output appended to `log`; exits with the log's tail on failure."""
    env = {**os.environ, "SAVES_DIR": str(saves)}
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ SAVES_DIR={saves} {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}:\n{log.read_text()[-3000:]}")


def base_saves(work: Path, base_model: Path) -> Path:
    """A SAVES_DIR in which the base model is the recipe's exported model (nothing is copied)."""
    saves = work / "base"
    merged = saves / RECIPE / "merged"
    merged.parent.mkdir(parents=True, exist_ok=True)
    if not merged.exists():
        merged.symlink_to(base_model.resolve(), target_is_directory=True)
    return saves


def current(predictions: Path, inputs: list[Path]) -> bool:
    """Predictions newer than every file of the model folders and the test split they were made from."""
    if not predictions.exists():
        return False
    files = [f for p in inputs for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file()]
    return all(f.stat().st_mtime < predictions.stat().st_mtime for f in files)


def predict_and_eval(saves: Path, n: int, log: Path, made_of: list[Path], fresh: bool,
                     predict_only: bool = False) -> dict[str, Any]:
    """`make predict N=n` (skipped for single-review predictions newer than `made_of`, unless `fresh`) and
    `make eval` for the recipe under `saves`; the metrics and the wall time."""
    started = time.monotonic()
    predictions = saves / RECIPE / "predict" / "generated_predictions.jsonl"
    reused = n == 1 and not fresh and current(predictions, made_of)
    if reused:
        print(f"  reusing {predictions} (newer than the weights and the test split)", flush=True)
    else:
        run([sys.executable, "-m", "lifecycle.run", "predict", RECIPE, *([f"N={n}"] if n > 1 else [])], saves, log)
    predicted = time.monotonic()
    if predict_only:
        return {"_wall": {"predict_s": None if reused else round(predicted - started)}}
    scored = saves / RECIPE / "eval" / "metrics.json"
    if not (reused and current(scored, [predictions])):  # scores of these very predictions are kept
        run([sys.executable, "-m", "lifecycle.run", "eval", RECIPE], saves, log)
    metrics = json.loads(scored.read_text(encoding="utf-8"))
    metrics["_wall"] = {"predict_s": None if reused else round(predicted - started), "predictions_reused": reused,
                        "eval_s": round(time.monotonic() - predicted)}
    return metrics


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict) or obj.get(key) is None:
            return None
        obj = obj[key]
    return obj


def summary_row(metrics: dict[str, Any], predictions: Path) -> dict[str, Any]:
    """The figures this bench compares, read from one run's metrics.json (None where eval had none)."""
    preds = [str(row.get("predict", "")) for row in read_jsonl(predictions)]
    committee = metrics.get("committee") or {}
    panel = next((p for p in committee.get("scaling", []) if p.get("n_reviews") == committee.get("n")), {})
    return {
        "n_rows": _get(metrics, "inputs", "n_rows"), "n_papers": _get(metrics, "inputs", "n_papers"),
        "four_part_all": _get(metrics, "structure", "predictions", "all_four"),
        "four_part_in_order": _get(metrics, "structure", "predictions", "in_order"),
        "four_part_per_part": _get(metrics, "structure", "predictions", "per_part"),
        "labels_four_part_in_order": _get(metrics, "structure", "labels", "in_order"),
        "rating_parsed_rows": sum(parse_rating(p) is not None for p in preds) / len(preds) if preds else None,
        "rating_parsed_papers": _get(metrics, "ratings", "parsed_share"),
        "rating_off_scale_papers": _get(metrics, "ratings", "off_scale"),
        "rating_mae": _get(metrics, "ratings", "mae_vs_mean_human"),
        "rating_n_scored": _get(metrics, "ratings", "n_scored"),
        "baseline_mae_median": _get(metrics, "ratings", "baseline_mae_constant_median"),
        "predicted_ratings": _get(metrics, "ratings", "predicted_distribution"),
        "rouge_l": _get(metrics, "similarity", "rouge-l"),
        "hit_rate": _get(metrics, "hit_rate", "model_vs_human", "pairwise"),
        "hit_rate_shuffled": _get(metrics, "hit_rate", "shuffled_control", "pairwise"),
        "hit_rate_human_vs_human": _get(metrics, "hit_rate", "human_vs_human", "pairwise"),
        "committee_n": committee.get("n"),
        "committee_parsed_share": panel.get("parsed_share"),
        "committee_auroc": panel.get("auroc"),
        "committee_n_decided": panel.get("n_decided"),
        "committee_n_base_rate": panel.get("n_base_rate"),
        "committee_accuracy": panel.get("accuracy"),
        "wall_s": metrics.get("_wall"),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, dict) and "mean" in value:  # hit rates: a mean with its spread
        value = value["mean"]
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(rows: dict[str, dict[str, Any]]) -> str:
    """The compared figures, one line per model."""
    head = f"{'model':<6}" + "".join(f"{title:>{max(len(title), 6) + 2}}" for _, title in COLUMNS)
    lines = [head]
    for name, row in rows.items():
        lines.append(f"{name:<6}" + "".join(f"{_cell(row.get(key)):>{max(len(title), 6) + 2}}"
                                            for key, title in COLUMNS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1, help="committee size (1: one greedy review per row, no AUROC)")
    parser.add_argument("--base-model", type=Path, default=BASE_MODEL)
    parser.add_argument("--sft-saves", type=Path, default=REPO / "saves", help="SAVES_DIR holding the trained run")
    parser.add_argument("--work", type=Path, default=REPO / "saves" / "learn", help="the base row's SAVES_DIR root")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results/learn-<UTC date>.json")
    parser.add_argument("--rows", default="base,sft", help="which rows to run (a later run reuses their predictions)")
    parser.add_argument("--fresh", action="store_true", help="predict again even when the predictions are current")
    parser.add_argument("--predict-only", action="store_true", help="only make the predictions (a later run scores)")
    args = parser.parse_args(argv)
    if not (args.base_model / "config.json").exists():
        sys.exit(f"{args.base_model} is missing: run `make base-model`")
    wanted = [r for r in args.rows.split(",") if r]
    if "sft" in wanted and not (args.sft_saves / RECIPE / "adapter_config.json").exists():
        sys.exit(f"no trained run in {args.sft_saves / RECIPE}: run `make train RECIPE={RECIPE}`")
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / "learn.log"
    started, load = time.monotonic(), os.getloadavg()[0]
    runs = {"base": base_saves(args.work, args.base_model), "sft": args.sft_saves}
    rows = {}
    for name, saves in ((r, runs[r]) for r in wanted):
        print(f"{name}: predict N={args.n} and eval under SAVES_DIR={saves} (log {log})", flush=True)
        adapter = [saves / RECIPE / f for f in ("adapter_config.json", "adapter_model.safetensors")]
        weights = [args.base_model] if name == "base" else [args.base_model, *adapter]
        test = REPO / "data" / "sample_smollm2_768_test.jsonl"
        metrics = predict_and_eval(saves, args.n, log, [*weights, test], args.fresh, args.predict_only)
        if args.predict_only:
            print(f"  {name}: predicted in {metrics['_wall']['predict_s']} s", flush=True)
            continue
        rows[name] = summary_row(metrics, saves / RECIPE / "predict" / "generated_predictions.jsonl")
    wall = round(time.monotonic() - started)
    if args.predict_only:
        return 0
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    out = args.out or REPO / "bench" / "results" / f"learn-{today}.json"
    record = {"bench": "bench/learn.py", "date": today, "recipe": RECIPE,
              "command": " ".join(["python bench/learn.py", *(argv if argv is not None else sys.argv[1:])]),
              "test_split": "sample_smollm2_768_test (the recipe's make data line)", "committee_n": args.n,
              "machine": f"{os.cpu_count()} CPU cores, load average {load:.1f} at start", "wall_s": wall,
              "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(table(rows))
    print(f"wall time {wall} s ({os.cpu_count()} cores, load {load:.1f} at start); written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
