"""A recipe and the run it made: `recipes/<name>.yaml` in, everything under `saves/<name>/` derived from it.

`make train` records the recipe with its `ARGS` as `saves/<name>/train.yaml`; export, predict, serve and review
read the model keys from that record (`trained_recipe`), so an override given at training follows the run.
`SAVES_DIR` moves every output elsewhere. Nothing else does: a recipe name is one safe file name (`recipe_name`,
checked wherever a recipe is loaded), and ARGS may not set where outputs go (`DERIVED_KEYS`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from preprocess.core.names import dataset_list, held_out_name, safe_name

RECIPES = Path("recipes")
DEFAULT_SAVES = Path("saves")  # what recipes name as output_dir
# Recipe keys that describe the model and its inputs, carried from training to export/predict/serve.
MODEL_KEYS = ("model_name_or_path", "template", "trust_remote_code", "rope_scaling", "flash_attn",
              "cutoff_len", "dataset_dir", "enable_liger_kernel")
ADAPTER_KEYS = ("adapter_name_or_path", "ref_model_adapters")  # LoRAs a run starts from, or its reference loads
QUANT_KEYS = ("quantization_bit", "quantization_type", "double_quantization", "quantization_method")
# Where a run writes: derived from the recipe's name (`saves/<name>/...`), never given in ARGS, so no run writes
# into another run's folder and export, predict and eval always find the run.
DERIVED_KEYS = ("output_dir", "export_dir", "logging_dir", "out")


class RecipeError(ValueError):
    """A recipe that cannot drive the lifecycle (missing file or key, inconsistent output_dir)."""


def saves() -> Path:
    """Where runs go: `$SAVES_DIR`, else `saves/`."""
    return Path(os.environ.get("SAVES_DIR") or DEFAULT_SAVES)


def recipe_name(name: str) -> str:
    """`name` if it is one safe path component (`safe_name`), else a RecipeError: a recipe name becomes
    `recipes/<name>.yaml` and `saves/<name>/`, and must stay inside both."""
    try:
        return safe_name(name, "RECIPE")
    except ValueError as exc:
        raise RecipeError(f"{exc}: a recipe is a file name under {RECIPES}/") from exc


def load_recipe(name: str) -> dict[str, Any]:
    """Read `recipes/<name>.yaml`; its output_dir must be `saves/<name>`."""
    path = RECIPES / f"{recipe_name(name)}.yaml"
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
    record = saves() / name / "train.yaml"
    if record.exists():
        print(f"using the recorded run {record}", file=sys.stderr, flush=True)  # stdout may be a review
        return yaml.safe_load(record.read_text(encoding="utf-8")) or recipe
    return recipe


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings -> dict, values read as YAML scalars (so `5.0e-5` is a float). `DERIVED_KEYS` are
    refused: a run's outputs go where its recipe's name puts them."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RecipeError(f"override {pair!r} is not key=value")
        if key in DERIVED_KEYS:
            raise RecipeError(f"ARGS {key}={value}: outputs go to {saves()}/<recipe>/, named by RECIPE alone (so no "
                              "run overwrites another, and export, predict and eval find it); for a separate run, "
                              "copy the recipe under a new name, or set SAVES_DIR")
        out[key] = yaml.safe_load(value) if value else ""
    return out


def eval_datasets(recipe: dict[str, Any]) -> str:
    """The `_test` twin of each training dataset (`sample_train` -> `sample_test`): what predict reads."""
    names = dataset_list(recipe.get("dataset"))
    if not names:
        raise RecipeError("recipe names no dataset")
    return ",".join(held_out_name(n) for n in names)


def require_rows(dataset_dir: str | Path, datasets: str) -> None:
    """A RecipeError naming the file when a registered dataset in `datasets` (comma-separated) is missing or has
    no rows: LLaMA-Factory would end in tracebacks over an empty split. Datasets not registered by a local file
    (hub names) are left to it."""
    root = Path(dataset_dir)
    try:
        info = json.loads((root / "dataset_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for name in dataset_list(datasets):
        file_name = (info.get(name) or {}).get("file_name")
        if not file_name:
            continue
        path = root / file_name
        if not path.exists():
            raise RecipeError(f"{path}: dataset {name} is registered but its file is missing (make data)")
        if path.is_file() and not _has_rows(path):  # (a folder of files is LLaMA-Factory's to read)
            raise RecipeError(f"{path}: dataset {name} is empty (0 rows): nothing to predict; rebuild it (make data)")


def _has_rows(path: Path) -> bool:
    """Whether a JSON Lines (or JSON array) file holds at least one row, reading no more than its first row."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        if path.suffix != ".json":
            return any(line.strip() for line in handle)
        head = "".join(handle.read(4096).split())
    return head not in ("", "[]")


def with_saves(recipe: dict[str, Any]) -> dict[str, Any]:
    """A recipe whose `ADAPTER_KEYS` name runs under `saves/` (a preference run starting from an SFT run's LoRA),
    with those paths under `$SAVES_DIR`, where `make train` put them."""
    out = dict(recipe)
    for key in ADAPTER_KEYS:
        adapters = dataset_list(recipe.get(key))
        if adapters and saves() != DEFAULT_SAVES:
            out[key] = ",".join(str(saves() / Path(a).relative_to(DEFAULT_SAVES))
                                if Path(a).is_relative_to(DEFAULT_SAVES) else a for a in adapters)
    return out


def adapter_chain(name: str, recipe: dict[str, Any]) -> str:
    """The adapters inference loads for a run: its own LoRA, after those its training merged into the base first.

    LLaMA-Factory trains on top of `adapter_name_or_path`: with `create_new_adapter` it merges them all and trains
    a new LoRA (which then needs them merged below it); without, it merges all but the last and continues that one,
    so the run's LoRA holds the last one's weights too."""
    given = dataset_list(recipe.get("adapter_name_or_path"))
    below = given if recipe.get("create_new_adapter") else given[:-1]
    return ",".join([*below, str(saves() / name)])


def model_config(name: str, recipe: dict[str, Any]) -> dict[str, Any]:
    """Model keys for inference: the merged model if exported, else base + adapter (+ its quantization)."""
    merged, adapter = saves() / name / "merged", saves() / name
    config = {k: recipe[k] for k in MODEL_KEYS if k in recipe}
    if (merged / "config.json").exists():
        config["model_name_or_path"] = str(merged)
        config.pop("rope_scaling", None)  # the merged config.json carries the trained RoPE factor
    elif (adapter / "adapter_config.json").exists():
        config.update(adapter_name_or_path=adapter_chain(name, recipe),
                      finetuning_type=recipe.get("finetuning_type", "lora"))
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
