"""One recipe name drives the whole lifecycle: every path derives from `saves/<recipe>/`.

    python -m recipes.run train   tiny [key=value ...]   # adapter     -> saves/tiny/
    python -m recipes.run export  tiny                   # merged      -> saves/tiny/merged/
    python -m recipes.run predict tiny [DATA=<dataset>]  # predictions -> saves/tiny/predict/
    python -m recipes.run eval    tiny                   # report      -> saves/tiny/eval/
    python -m recipes.run api|webui tiny

Export, predict and api configs are written as YAML beside the outputs, so the exact run is on disk.
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
    elif (adapter / "adapter_config.json").exists():
        config.update(adapter_name_or_path=str(adapter), finetuning_type=recipe.get("finetuning_type", "lora"))
        config.update({k: recipe[k] for k in QUANT_KEYS if k in recipe})
    else:
        raise RecipeError(f"no trained model for {name}: run `make train RECIPE={name}` first")
    return config


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: str, env: dict[str, str] | None = None) -> int:
    """Run `llamafactory-cli` from this venv; returns its exit code."""
    exe = Path(sys.executable).with_name("llamafactory-cli")
    cmd = [str(exe if exe.exists() else "llamafactory-cli"), *args]
    print("+", " ".join(cmd), flush=True)
    # The venv's bin first on PATH: llamafactory-cli launches `torchrun` by name for NPROC > 1.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.call(cmd, env={**os.environ, "PATH": path, **(env or {})})


def train(name: str, recipe: dict[str, Any], overrides: dict[str, Any], nproc: int, resume: bool) -> int:
    if resume:
        ckpt = last_checkpoint(SAVES / name)
        if ckpt is None:
            raise RecipeError(f"RESUME=1 but no checkpoint under {SAVES / name}")
        overrides = {"resume_from_checkpoint": str(ckpt), "overwrite_output_dir": False, **overrides}
    overrides = {"output_dir": str(SAVES / name), **overrides}
    env = {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": str(nproc)} if nproc > 1 else {}
    return cli("train", str(RECIPES / f"{name}.yaml"), *(f"{k}={v}" for k, v in overrides.items()), env=env)


def export(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Merge the LoRA into the unquantized base (a 4-bit model cannot take a merge)."""
    adapter = SAVES / name
    if not (adapter / "adapter_config.json").exists():
        raise RecipeError(f"no adapter in {adapter}: run `make train RECIPE={name}` first")
    config = {k: recipe[k] for k in MODEL_KEYS if k in recipe and k != "cutoff_len"}
    config.update(adapter_name_or_path=str(adapter), finetuning_type="lora",
                  export_dir=str(adapter / "merged"), export_size=5, export_legacy_format=False)
    config.update(overrides)
    return cli("export", str(write_config(adapter / "export.yaml", config)))


def predict(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Batch generation over the test split; greedy by default for reproducible evaluation."""
    config = model_config(name, recipe)
    config.update(stage="sft", do_predict=True, predict_with_generate=True, eval_dataset=test_datasets(recipe),
                  dataset_dir=recipe.get("dataset_dir", "data"), output_dir=str(SAVES / name / "predict"),
                  overwrite_output_dir=True, per_device_eval_batch_size=recipe.get("per_device_eval_batch_size", 1),
                  max_new_tokens=recipe.get("max_new_tokens", 512), do_sample=False, report_to="none",
                  preprocessing_num_workers=recipe.get("preprocessing_num_workers", 1), overwrite_cache=True)
    config.update(overrides)
    if "DATA" in config:
        config["eval_dataset"] = config.pop("DATA")
    return cli("train", str(write_config(SAVES / name / "predict.yaml", config)))


def evaluate(name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    data_dir = Path(recipe.get("dataset_dir", "data"))
    dataset = str(overrides.pop("DATA", test_datasets(recipe))).split(",")[0]
    args = ["--predictions", str(SAVES / name / "predict" / "generated_predictions.jsonl"),
            "--references", str(data_dir / f"{dataset}.jsonl"), "--out", str(SAVES / name / "eval"),
            *(f"--{k.replace('_', '-')}={v}" for k, v in overrides.items())]
    print("+ python -m eval", " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "eval", *args])


def serve(verb: str, name: str, recipe: dict[str, Any], overrides: dict[str, Any]) -> int:
    """`api` (OpenAI-compatible) or `webui`, bound to 127.0.0.1 unless the environment says otherwise."""
    env = {"API_HOST": os.environ.get("API_HOST", "127.0.0.1"),
           "GRADIO_SERVER_NAME": os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")}
    if verb == "webui":  # the UI's "Data dir" box defaults to `data`, relative to here: our datasets
        return cli("webui", env=env)
    config = {**model_config(name, recipe), "infer_backend": "huggingface", **overrides}
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
        recipe, overrides = load_recipe(args.recipe), parse_overrides(args.overrides)
        if args.verb == "train":
            return train(args.recipe, recipe, overrides, args.nproc, args.resume)
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
