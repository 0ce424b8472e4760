"""`make pairs RECIPE=<sft recipe>`: preference data for DPO / KTO from an SFT run and its training split.

    python -m lifecycle.pairs tiny [--contrast] [--repredict] [DATA=<name>_train] [key=value ...]

1. The SFT run reviews its own training split, as `make predict` does (greedy; TEMPERATURE=, BACKEND=vllm and
   key=value overrides such as max_new_tokens pass through), into `saves/<recipe>/predict-train/`; a prediction
   there that is newer than the run's weights and of the same split is reused (--repredict redoes it).
2. Each training row's human review is chosen over the model's review of that paper (self-play, as in SPIN);
   --contrast adds the same review chosen over a human review of the most similar other paper.
3. `data/<name>_pairs.jsonl` (`ranking: true`, chosen/rejected) and `data/<name>_kto.jsonl` (`kto_tag`) are
   written atomically and registered in `data/dataset_info.json`; a summary is printed and kept in
   `data/<name>_pairs.meta.json`. A bad row is named `file:line: item: reason` and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lifecycle.pairs.build import KINDS, Shape, kto_rows, other_pairs, self_pairs
from lifecycle.recipe import RecipeError, parse_overrides, saves, trained_recipe
from lifecycle.run import predict
from preprocess.core.jsonl import BadLine, iter_jsonl_numbered, write_json, write_jsonl
from preprocess.core.names import build_name, dataset_list, preference_name
from preprocess.prompt.register import register

OUT = "predict-train"


def train_dataset(recipe: dict[str, Any], options: dict[str, Any]) -> str:
    """The split the SFT run trained on (DATA= picks one when it trained on several)."""
    if options.get("DATA"):
        return str(options["DATA"])
    names = [n for n in dataset_list(recipe.get("dataset")) if n.endswith("_train")]
    if len(names) != 1:
        raise RecipeError(f"the run trained on {recipe.get('dataset')!r}: name one `<name>_train` with DATA=")
    return names[0]


def _weights_time(name: str) -> float:
    folder = saves() / name
    found = [p.stat().st_mtime for p in (folder / "adapter_model.safetensors", folder / "merged" / "config.json")
             if p.exists()]
    if not found:
        raise RecipeError(f"no trained model for {name}: run `make train RECIPE={name}` first")
    return max(found)


def train_predictions(name: str, recipe: dict[str, Any], dataset: str, overrides: dict[str, Any],
                      repredict: bool) -> Path:
    """The run's reviews of its training split, predicted unless a current prediction of that split is there."""
    path = saves() / name / OUT / "generated_predictions.jsonl"
    config = saves() / name / f"{OUT}.yaml"
    recorded = config.read_text(encoding="utf-8") if config.exists() else ""
    current = (path.exists() and path.stat().st_mtime >= _weights_time(name)
               and f"eval_dataset: {dataset}\n" in recorded)
    if current and not repredict:
        print(f"pairs: reusing {path} (newer than the run's weights; --repredict redoes it)", flush=True)
        return path
    _weights_time(name)
    if predict(name, recipe, {**overrides, "DATA": dataset}, out=OUT) != 0:
        raise RecipeError(f"predicting {dataset} with {name} failed")
    return path


def read_numbered(path: Path, skipped: list[str]) -> dict[int, dict[str, Any]]:
    """Line number -> object; unreadable lines named in `skipped`."""
    errors: list[BadLine] = []
    out = dict(iter_jsonl_numbered(path, errors))
    skipped += [f"{bad.where}: JSON line: {str(bad).split(': ', 1)[1]}" for bad in errors]
    return out


def build(data_dir: Path, dataset: str, predictions: Path, contrast: bool) -> dict[str, Any]:
    """Write and register `<name>_pairs` and `<name>_kto`; returns the summary (also written as a meta)."""
    info = json.loads((data_dir / "dataset_info.json").read_text(encoding="utf-8"))
    if dataset not in info:
        raise RecipeError(f"{dataset} is not registered in {data_dir / 'dataset_info.json'}")
    shape, rows_path = Shape(info[dataset]), data_dir / info[dataset]["file_name"]
    skipped: list[str] = []
    rows = sorted(read_numbered(rows_path, skipped).items())
    preds = read_numbered(predictions, skipped)
    if not rows:
        raise RecipeError(f"{rows_path} has no readable row")
    if preds and max(preds) != max(lineno for lineno, _ in rows):
        raise RecipeError(f"{predictions} has {max(preds)} lines but {rows_path} {rows[-1][0]}: predicted from "
                          "another split or build; rerun with --repredict")
    pairs, why = self_pairs(rows, preds, shape, str(rows_path), str(predictions))
    skipped += why
    if contrast:
        more, why = other_pairs(rows, shape, str(rows_path))
        pairs, skipped = pairs + more, skipped + why
    if not pairs:
        raise RecipeError("no pair could be built:\n  " + "\n  ".join(skipped[:20]))
    name = build_name(dataset)
    pairs_name, kto_name = preference_name(name, "pairs"), preference_name(name, "kto")
    kto = kto_rows(pairs, shape)
    write_jsonl(data_dir / f"{pairs_name}.jsonl", (shape.pair_row(p) for p in pairs))
    write_jsonl(data_dir / f"{kto_name}.jsonl", kto)
    register(data_dir, {pairs_name: shape.pair_entry(f"{pairs_name}.jsonl"),
                        kto_name: shape.kto_entry(f"{kto_name}.jsonl")})
    summary = {"train": str(rows_path), "predictions": str(predictions), "rows": len(rows),
               "pairs": {kind: sum(p.kind == kind for p in pairs) for kind in KINDS},
               "kto": {"desirable": sum(r["kto_tag"] for r in kto), "undesirable": sum(not r["kto_tag"] for r in kto)},
               "datasets": [pairs_name, kto_name], "skipped": skipped}
    write_json(data_dir / f"{pairs_name}.meta.json", summary)
    return summary


def report(summary: dict[str, Any], data_dir: Path) -> str:
    pairs_name, kto_name = summary["datasets"]
    kto = summary["kto"]
    lines = [f"pairs from {summary['train']} ({summary['rows']} rows) and {summary['predictions']}:",
             f"  self  (human review over the SFT model's own):      {summary['pairs']['self']}",
             f"  other (human review over a similar paper's human): {summary['pairs']['other']}",
             f"  skipped: {len(summary['skipped'])}", *(f"    {line}" for line in summary["skipped"]),
             f"-> {data_dir / pairs_name}.jsonl ({sum(summary['pairs'].values())} pairs, ranking), "
             f"{data_dir / kto_name}.jsonl ({kto['desirable']} desirable, {kto['undesirable']} undesirable), "
             f"registered as {pairs_name} and {kto_name} in {data_dir / 'dataset_info.json'}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipe", help="the SFT run: recipes/<name>.yaml, trained into saves/<name>/")
    parser.add_argument("overrides", nargs="*", help="DATA=<name>_train, TEMPERATURE=, BACKEND=, key=value")
    parser.add_argument("--contrast", action="store_true", help="also pairs against a similar paper's review")
    parser.add_argument("--repredict", action="store_true", help="predict the train split again")
    args = parser.parse_intermixed_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        if "N" in overrides:
            raise RecipeError("N= (a committee) does not apply: one review a paper is the rejected answer")
        recipe = trained_recipe(args.recipe)
        dataset = train_dataset(recipe, {"DATA": overrides.pop("DATA", None)})
        data_dir = Path(str(overrides.get("dataset_dir", recipe.get("dataset_dir", "data"))))
        predictions = train_predictions(args.recipe, recipe, dataset, overrides, args.repredict)
        print(report(build(data_dir, dataset, predictions, args.contrast), data_dir), flush=True)
    except (RecipeError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
