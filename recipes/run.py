"""One recipe name drives the whole lifecycle: every path derives from `saves/<recipe>/`.

    python -m recipes.run train   tiny [key=value ...]   # adapter     -> saves/tiny/ (+ train.yaml, the run)
    python -m recipes.run export  tiny                   # merged      -> saves/tiny/merged/
    python -m recipes.run predict tiny [DATA=<dataset>] [TEMPERATURE=0.35] [BACKEND=vllm]
                                                         # predictions -> saves/tiny/predict/
    python -m recipes.run eval    tiny                   # report      -> saves/tiny/eval/
    python -m recipes.run api|webui tiny

Lower-case `key=value` pairs override recipe keys; upper-case ones are lifecycle options. Training writes the
recipe with its overrides to `saves/<recipe>/train.yaml` and launches from it; export, predict and serve read
the model keys from that record, so an override given at training (`rope_scaling=dynamic`) follows the run.
Export, predict and api configs are written as YAML beside the outputs too, so each exact run is on disk.
Distributed training (torchrun) starts when NPROC > 1, NNODES > 1 or the recipe names a DeepSpeed config;
NNODES, NODE_RANK, MASTER_ADDR and MASTER_PORT pass through to `llamafactory-cli`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

RECIPES = Path("recipes")
DEFAULT_SAVES = Path("saves")  # what recipes name as output_dir; SAVES_DIR moves every output elsewhere
SAVES = Path(os.environ.get("SAVES_DIR") or DEFAULT_SAVES)
# Recipe keys that describe the model and its inputs, carried from training to export/predict/serve.
MODEL_KEYS = ("model_name_or_path", "template", "trust_remote_code", "rope_scaling", "flash_attn",
              "cutoff_len", "dataset_dir", "enable_liger_kernel")
QUANT_KEYS = ("quantization_bit", "quantization_type", "double_quantization", "quantization_method")
NODE_KEYS = ("NODE_RANK", "MASTER_ADDR", "MASTER_PORT")
VLLM_SCRIPT = Path("scripts") / "vllm_infer.py"


class RecipeError(ValueError):
    """A recipe that cannot drive the lifecycle (missing file or key, inconsistent output_dir)."""


def load_recipe(name: str) -> dict[str, Any]:
    """Read `recipes/<name>.yaml`; its output_dir must be `saves/<name>`."""
    path = RECIPES / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in RECIPES.glob("*.yaml")))
        raise RecipeError(f"{path} does not exist; recipes: {known}")
    recipe = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if Path(recipe.get("output_dir", "")) != DEFAULT_SAVES / name:
        raise RecipeError(f"{path}: output_dir must be {DEFAULT_SAVES / name} (got {recipe.get('output_dir')!r})")
    return recipe


def trained_recipe(name: str) -> dict[str, Any]:
    """The recipe as last trained (`saves/<name>/train.yaml`), else `recipes/<name>.yaml`."""
    recipe = load_recipe(name)
    record = SAVES / name / "train.yaml"
    if record.exists():
        print(f"using the recorded run {record}", file=sys.stderr, flush=True)  # stdout may be a review
        return yaml.safe_load(record.read_text(encoding="utf-8")) or recipe
    return recipe


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings -> dict, values read as YAML scalars (so `5.0e-5` is a float)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RecipeError(f"override {pair!r} is not key=value")
        out[key] = yaml.safe_load(value) if value else ""
    return out


def test_datasets(recipe: dict[str, Any]) -> str:
    """The `_test` twin of each training dataset (`sample_train` -> `sample_test`)."""
    names = [d.strip() for d in str(recipe.get("dataset", "")).split(",") if d.strip()]
    if not names:
        raise RecipeError("recipe names no dataset")
    return ",".join(n[: -len("_train")] + "_test" if n.endswith("_train") else n for n in names)


def last_checkpoint(output_dir: Path) -> Path | None:
    """The newest `checkpoint-<step>` folder, if any."""
    steps = [(int(p.name.split("-")[-1]), p) for p in output_dir.glob("checkpoint-*")
             if p.name.split("-")[-1].isdigit()]
    return max(steps)[1] if steps else None


def model_config(name: str, recipe: dict[str, Any]) -> dict[str, Any]:
    """Model keys for inference: the merged model if exported, else base + adapter (+ its quantization)."""
    merged, adapter = SAVES / name / "merged", SAVES / name
    config = {k: recipe[k] for k in MODEL_KEYS if k in recipe}
    if (merged / "config.json").exists():
        config["model_name_or_path"] = str(merged)
        config.pop("rope_scaling", None)  # the merged config.json carries the trained RoPE factor
    elif (adapter / "adapter_config.json").exists():
        config.update(adapter_name_or_path=str(adapter), finetuning_type=recipe.get("finetuning_type", "lora"))
        config.update({k: recipe[k] for k in QUANT_KEYS if k in recipe})
    else:
        raise RecipeError(f"no trained model for {name}: run `make train RECIPE={name}` first")
    return config


def check_servable(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """`config` unchanged, unless it would generate from a RoPE-scaled run's adapter: then a RecipeError."""
    if config.get("rope_scaling") and "adapter_name_or_path" in config:
        raise RecipeError(f"{name} trained with rope_scaling: run `make export RECIPE={name}` first; served as "
                          "base + adapter, LLaMA-Factory would scale RoPE by its inference default (x2), not "
                          "the trained factor the merged config carries")
    return config


def write_config(path: Path, config: dict[str, Any], note: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {note}\n" if note else ""
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
    """Run `llamafactory-cli` from this venv; returns its exit code."""
    exe = Path(sys.executable).with_name("llamafactory-cli")
    cmd = [str(exe.resolve() if exe.exists() else "llamafactory-cli"), *args]
    print("+", " ".join(cmd), flush=True)
    # The venv's bin first on PATH: llamafactory-cli launches `torchrun` by name for NPROC > 1.
    path = os.pathsep.join([str(Path(sys.executable).parent.resolve()), os.environ.get("PATH", "")])
    full = {**os.environ, "PATH": path, **(env or {})}
    full = {k: v for k, v in full.items() if v or k not in NODE_KEYS}  # an empty MASTER_ADDR breaks torchrun
    return subprocess.call(cmd, env=full, cwd=cwd)


def launch_env(nproc: int, config: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, str]:
    """torchrun settings for `llamafactory-cli train`: none for one plain process."""
    environ = dict(os.environ if environ is None else environ)
    nnodes = int(environ.get("NNODES") or 1)
    if nproc < 1 or nnodes < 1:
        raise RecipeError(f"NPROC={nproc} and NNODES={nnodes} must be at least 1")
    if nproc == 1 and nnodes == 1 and not config.get("deepspeed"):
        return {}
    env = {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": str(nproc), "NNODES": str(nnodes)}
    env.update({k: environ[k] for k in NODE_KEYS if environ.get(k)})
    if nnodes > 1:
        missing = [k for k in NODE_KEYS if not environ.get(k)]
        if missing:
            raise RecipeError(f"NNODES={nnodes} needs {', '.join(missing)}: NODE_RANK 0..{nnodes - 1} on each "
                              "node, MASTER_ADDR = node 0's address and one MASTER_PORT for all")
        if not 0 <= int(environ["NODE_RANK"]) < nnodes:
            raise RecipeError(f"NODE_RANK={environ['NODE_RANK']} is outside 0..{nnodes - 1}")
    return env


def train(name: str, recipe: dict[str, Any], overrides: dict[str, Any], nproc: int, resume: bool) -> int:
    if resume:
        ckpt = last_checkpoint(SAVES / name)
        if ckpt is None:
            raise RecipeError(f"RESUME=1 but no checkpoint under {SAVES / name}")
        print(f"resuming from {ckpt}", flush=True)
        overrides = {"resume_from_checkpoint": str(ckpt), "overwrite_output_dir": False, **overrides}
    config = {**recipe, "output_dir": str(SAVES / name), **overrides}
    env = launch_env(nproc, config)
    record = write_config(SAVES / name / "train.yaml", config,
                          f"written by recipes/run.py: recipes/{name}.yaml with overrides {overrides or {}}")
    return cli("train", str(record), env=env)


def export(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Merge the LoRA into the unquantized base (a 4-bit model cannot take a merge).

    cutoff_len goes along: with rope_scaling, LLaMA-Factory sizes the merged model's RoPE factor from it.
    """
    adapter = SAVES / name
    if not (adapter / "adapter_config.json").exists():
        raise RecipeError(f"no adapter in {adapter}: run `make train RECIPE={name}` first")
    if overrides.get("quantization_bit") is not None:  # (export_quantization_bit, GPTQ after the merge, is fine)
        raise RecipeError("export merges into the unquantized base: drop quantization_bit from ARGS")
    config = {k: recipe[k] for k in MODEL_KEYS if k in recipe}
    config.update(adapter_name_or_path=str(adapter), finetuning_type="lora",
                  export_dir=str(adapter / "merged"), export_size=5, export_legacy_format=False)
    config.update(overrides)
    return cli("export", str(write_config(adapter / "export.yaml", config)))


def predict(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Batch generation over the test split; greedy unless TEMPERATURE > 0; BACKEND=vllm for GPUs."""
    config = model_config(name, recipe)
    config.update(stage="sft", do_predict=True, predict_with_generate=True, eval_dataset=test_datasets(recipe),
                  dataset_dir=recipe.get("dataset_dir", "data"), output_dir=str(SAVES / name / "predict"),
                  overwrite_output_dir=True, per_device_eval_batch_size=recipe.get("per_device_eval_batch_size", 1),
                  max_new_tokens=recipe.get("max_new_tokens", 512), do_sample=False, report_to="none",
                  preprocessing_num_workers=recipe.get("preprocessing_num_workers", 1), overwrite_cache=True,
                  seed=recipe.get("seed", 42))
    options = {k: overrides.pop(k) for k in ("DATA", "TEMPERATURE", "BACKEND") if k in overrides}
    config.update(overrides)
    if options.get("DATA"):
        config["eval_dataset"] = str(options["DATA"])
    temperature = float(options.get("TEMPERATURE") or 0)
    if temperature > 0:  # the reference: sampling at 0.35-0.5 reviewed better than greedy
        config.update(do_sample=True, temperature=temperature)
    backend = str(options.get("BACKEND") or "huggingface")
    path = write_config(SAVES / name / "predict.yaml", config)
    if backend == "huggingface":
        return cli("train", str(path))
    if backend == "vllm":
        cmd = [sys.executable, str(VLLM_SCRIPT), str(path)]
        print("+", " ".join(cmd), flush=True)
        return subprocess.call(cmd)
    raise RecipeError(f"BACKEND={backend}: choose huggingface or vllm")


def evaluate(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    data_dir = Path(overrides.pop("dataset_dir", recipe.get("dataset_dir", "data")))
    dataset = str(overrides.pop("DATA", test_datasets(recipe))).split(",")[0]
    args = ["--predictions", str(SAVES / name / "predict" / "generated_predictions.jsonl"),
            "--references", str(data_dir / f"{dataset}.jsonl"), "--out", str(SAVES / name / "eval"),
            *(f"--{k.replace('_', '-')}={v}" for k, v in overrides.items())]
    print("+ python -m eval", " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "eval", *args])


def webui_dir(recipe: dict[str, Any]) -> Path:
    """LLaMA-Board's working dir, `saves/webui/`: its cache, configs and runs stay under saves/, and a `data`
    link there to our dataset dir makes its "Data dir" box (default `data`) list our datasets."""
    root = SAVES / "webui"
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
    if verb == "webui":
        root = webui_dir(recipe)
        print(f"LLaMA-Board runs in {root}/ (its 'data' links to our datasets)", flush=True)
        return cli("webui", env=env, cwd=root)
    config = check_servable(name, {**model_config(name, recipe), "infer_backend": "huggingface", **overrides})
    config.pop("cutoff_len", None)
    return cli("api", str(write_config(SAVES / name / "api.yaml", config)), env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("verb", choices=["train", "export", "predict", "eval", "api", "webui"])
    parser.add_argument("recipe", help="name of recipes/<name>.yaml")
    parser.add_argument("overrides", nargs="*", help="key=value recipe overrides (ARGS=...)")
    parser.add_argument("--nproc", type=int, default=int(os.environ.get("NPROC", "1") or 1))
    parser.add_argument("--resume", action="store_true", default=os.environ.get("RESUME", "0") == "1")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        if args.verb == "train":
            return train(args.recipe, load_recipe(args.recipe), overrides, args.nproc, args.resume)
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
