"""One recipe name drives the whole lifecycle: every path derives from `saves/<recipe>/`.

    python -m lifecycle.run train   tiny [key=value ...]   # adapter     -> saves/tiny/ (+ train.yaml, run.json)
    python -m lifecycle.run export  tiny                   # merged      -> saves/tiny/merged/
    python -m lifecycle.run predict tiny [DATA=<dataset>] [TEMPERATURE=0.35] [BACKEND=vllm] [N=5]
                                                         # predictions -> saves/tiny/predict/
    python -m lifecycle.run eval    tiny                   # report      -> saves/tiny/eval/
    python -m lifecycle.run api|webui tiny

Lower-case `key=value` pairs override recipe keys; upper-case ones are lifecycle options. Training (`train`:
RESUME=1 continues a run, FRESH=1 starts over) writes the recipe with its overrides to
`saves/<recipe>/train.yaml` and launches from it; export, predict and serve read
the model keys from that record, so an override given at training (`rope_scaling=dynamic`) follows the run.
Export, predict and api configs are written as YAML beside the outputs too, so each exact run is on disk.
Distributed training (torchrun) starts when NPROC > 1, NNODES > 1 or the recipe names a DeepSpeed config;
NNODES, NODE_RANK, MASTER_ADDR and MASTER_PORT pass through to `llamafactory-cli`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from eval.injection import write_variant
from lifecycle.committee.batch import predict_committee
from lifecycle.launch import cli, exposure_warning, write_config
from lifecycle.recipe import (
    MODEL_KEYS,
    RecipeError,
    adapter_chain,
    check_servable,
    eval_datasets,
    load_recipe,
    model_config,
    parse_overrides,
    require_rows,
    saves,
    trained_recipe,
    with_saves,
)
from lifecycle.train import train

VLLM_SCRIPT = Path("scripts") / "vllm_infer.py"


def export(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Merge the LoRA into the unquantized base (a 4-bit model cannot take a merge).

    cutoff_len goes along: with rope_scaling, LLaMA-Factory sizes the merged model's RoPE factor from it.
    """
    adapter = saves() / name
    if not (adapter / "adapter_config.json").exists():
        raise RecipeError(f"no adapter in {adapter}: run `make train RECIPE={name}` first")
    if overrides.get("quantization_bit") is not None:  # (export_quantization_bit, GPTQ after the merge, is fine)
        raise RecipeError("export merges into the unquantized base: drop quantization_bit from ARGS")
    config = {k: recipe[k] for k in MODEL_KEYS if k in recipe}
    config.update(adapter_name_or_path=adapter_chain(name, recipe), finetuning_type="lora",
                  export_dir=str(adapter / "merged"), export_size=5, export_legacy_format=False)
    config.update(overrides)
    return cli("export", str(write_config(adapter / "export.yaml", config)))


def predict(name: str, recipe: dict[str, Any], overrides: dict[str, Any], out: str = "predict") -> int:
    """Batch generation over the test split; greedy unless TEMPERATURE > 0; BACKEND=vllm for GPUs; N > 1 for a
    committee of N sampled reviews per paper (`lifecycle/committee/batch.py`)."""
    config = model_config(name, recipe)
    config.update(stage="sft", do_predict=True, predict_with_generate=True, eval_dataset=eval_datasets(recipe),
                  dataset_dir=recipe.get("dataset_dir", "data"), output_dir=str(saves() / name / out),
                  overwrite_output_dir=True, per_device_eval_batch_size=recipe.get("per_device_eval_batch_size", 1),
                  max_new_tokens=recipe.get("max_new_tokens", 512), do_sample=False, report_to="none",
                  preprocessing_num_workers=recipe.get("preprocessing_num_workers", 1), overwrite_cache=True,
                  seed=recipe.get("seed", 42))
    options = {k: overrides.pop(k) for k in ("DATA", "TEMPERATURE", "BACKEND", "N") if k in overrides}
    config.update(overrides)
    if options.get("DATA"):
        config["eval_dataset"] = str(options["DATA"])
    require_rows(config["dataset_dir"], config["eval_dataset"])
    temperature = float(options.get("TEMPERATURE") or 0)
    if temperature > 0:  # the reference: sampling at 0.35-0.5 reviewed better than greedy
        config.update(do_sample=True, temperature=temperature)
    backend = str(options.get("BACKEND") or "huggingface")
    if backend not in ("huggingface", "vllm"):
        raise RecipeError(f"BACKEND={backend}: choose huggingface or vllm")
    if backend == "vllm" and "," in str(config.get("adapter_name_or_path", "")):
        raise RecipeError(f"{name} loads a chain of LoRAs ({config['adapter_name_or_path']}), vLLM one: "
                          f"`make export RECIPE={name}` first")
    if int(options.get("N") or 1) > 1:  # a committee: N sampled reviews per paper, a verdict, a meta-review
        try:
            return predict_committee(config, recipe, int(options["N"]), backend, cli, VLLM_SCRIPT)
        except ValueError as exc:
            raise RecipeError(str(exc)) from exc
    path = write_config(saves() / name / f"{out}.yaml", config)
    if backend == "huggingface":
        return cli("train", str(path))
    cmd = [sys.executable, str(VLLM_SCRIPT), str(path)]
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd)


DECODING = ("do_sample", "temperature", "top_p", "top_k", "repetition_penalty", "seed", "max_new_tokens")


def clean_decoding(name: str) -> dict[str, Any]:
    """How the clean predictions were decoded: the newest of the plain run's predict.yaml and, after a committee,
    its first seed's (greedy or sampled, the seed, the length), so the injected split is decoded alike."""
    folder = saves() / name / "predict"
    candidates = [saves() / name / "predict.yaml"]
    summary = folder / "committee.json"
    first = json.loads(summary.read_text(encoding="utf-8"))["seeds"][0] if summary.exists() else None
    if first is not None:
        candidates += [folder / "samples" / f"seed-{first}" / "predict.yaml", folder / "committee.predict.yaml"]
    found = [p for p in candidates if p.exists()]
    if not found:
        return {}
    newest = max(found, key=lambda p: p.stat().st_mtime)
    config = yaml.safe_load(newest.read_text(encoding="utf-8")) or {}
    decoding = {k: config[k] for k in DECODING if k in config}
    if newest.name == "committee.predict.yaml":  # vLLM's committee config: its first seed is the clean file
        decoding["seed"] = first
    return decoding


def injected_predictions(name: str, recipe: dict[str, Any], data_dir: Path, dataset: str) -> Path:
    """INJECTION=1: the test split with an instruction in every paper, predicted with the clean predictions'
    decoding (reused while newer than them and decoded alike)."""
    clean = saves() / name / "predict" / "generated_predictions.jsonl"
    path = saves() / name / "predict-injected" / "generated_predictions.jsonl"
    wanted = {**clean_decoding(name), "dataset_dir": str(data_dir)}
    used = saves() / name / "predict-injected.yaml"
    if path.exists() and clean.exists() and path.stat().st_mtime >= clean.stat().st_mtime and used.exists():
        config = yaml.safe_load(used.read_text(encoding="utf-8")) or {}
        if all(config.get(k) == v for k, v in wanted.items()):
            print(f"injection: reusing {path}", flush=True)
            return path
    try:
        variant = write_variant(data_dir, dataset)
    except (ValueError, OSError) as exc:
        raise RecipeError(f"injection: {exc}") from exc
    if predict(name, recipe, {"DATA": variant, **wanted}, out="predict-injected") != 0:
        raise RecipeError(f"injection: predicting {variant} failed")
    return path


def evaluate(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    data_dir = Path(overrides.pop("dataset_dir", recipe.get("dataset_dir", "data")))
    dataset = str(overrides.pop("DATA", eval_datasets(recipe))).split(",")[0]
    injection = str(overrides.pop("INJECTION", "0")) == "1"
    args = ["--predictions", str(saves() / name / "predict" / "generated_predictions.jsonl"),
            "--references", str(data_dir / f"{dataset}.jsonl"), "--out", str(saves() / name / "eval"),
            *(f"--{k.replace('_', '-')}={v}" for k, v in overrides.items())]
    if injection:
        args += ["--injected", str(injected_predictions(name, recipe, data_dir, dataset))]
    print("+ python -m eval", " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "eval", *args])


def webui_dir(recipe: dict[str, Any]) -> Path:
    """LLaMA-Board's working dir, `saves/webui/`: its cache, configs and runs stay under saves/, and a `data`
    link there to our dataset dir makes its "Data dir" box (default `data`) list our datasets."""
    root = saves() / "webui"
    root.mkdir(parents=True, exist_ok=True)
    link, target = root / "data", Path(recipe.get("dataset_dir", "data")).resolve()
    if link.is_symlink() and link.resolve() != target:
        link.unlink()
    if not link.exists() and not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
    return root


def serve(verb: str, name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """`api` (OpenAI-compatible) or `webui`, bound to 127.0.0.1 unless the environment says otherwise."""
    env = {"API_HOST": os.environ.get("API_HOST", "127.0.0.1"),
           "GRADIO_SERVER_NAME": os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
           "GRADIO_ANALYTICS_ENABLED": os.environ.get("GRADIO_ANALYTICS_ENABLED", "False")}
    warning = (exposure_warning(env["GRADIO_SERVER_NAME"], "the web UI", keyed=False) if verb == "webui"
               else exposure_warning(env["API_HOST"], "the API", os.environ.get("API_KEY")))
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if verb == "webui":
        root = webui_dir(recipe)
        print(f"LLaMA-Board runs in {root}/ (its 'data' links to our datasets)", flush=True)
        return cli("webui", env=env, cwd=root)
    config = check_servable(name, {**model_config(name, recipe), "infer_backend": "huggingface", **overrides})
    config.pop("cutoff_len", None)
    return cli("api", str(write_config(saves() / name / "api.yaml", config)), env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("verb", choices=["train", "export", "predict", "eval", "api", "webui"])
    parser.add_argument("recipe", help="name of recipes/<name>.yaml")
    parser.add_argument("overrides", nargs="*", help="key=value recipe overrides (ARGS=...)")
    parser.add_argument("--nproc", type=int, default=int(os.environ.get("NPROC", "1") or 1))
    parser.add_argument("--resume", action="store_true", default=os.environ.get("RESUME", "0") == "1")
    parser.add_argument("--fresh", action="store_true", default=os.environ.get("FRESH", "0") == "1",
                        help="start over: an earlier run in saves/<recipe>/ moves to saves/<recipe>.<time>/")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        if args.verb == "train":
            recipe = with_saves(load_recipe(args.recipe))
            return train(args.recipe, recipe, overrides, args.nproc, args.resume, args.fresh)
        recipe = trained_recipe(args.recipe)
        if args.verb == "export":
            return export(args.recipe, recipe, overrides)
        if args.verb == "predict":
            return predict(args.recipe, recipe, overrides)
        if args.verb == "eval":
            return evaluate(args.recipe, recipe, overrides)
        return serve(args.verb, args.recipe, recipe, overrides)
    except RecipeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
