"""All findings for one recipe file: its header, types, DeepSpeed file, datasets, model, quantization, and
LLaMA-Factory's own parser on it (see `args`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lifecycle.check.arch import check_architecture
from lifecycle.check.args import GPU_ONLY_KEYS, argument_types, check_types, parse_with_llamafactory
from lifecycle.check.datasets import check_datasets
from lifecycle.check.findings import Finding, note
from lifecycle.check.header import check_header, read_header
from lifecycle.check.model import check_misc, check_model, check_quantization, deepspeed_stage
from lifecycle.check.preference import check_preference
from lifecycle.check.s2attn import check_s2_attn, without_launcher_keys

MODEL_TYPE_KEYS = ("model_name_or_path", "template", "cutoff_len", "rope_scaling")


def check_recipe(path: Path, root: Path = Path("."), types_: dict[str, Any] | None = None) -> list[Finding]:
    """All findings for one recipe file; paths inside it resolve against `root` (the repo root)."""
    shown, stem = str(path), path.stem
    text = path.read_text(encoding="utf-8")
    try:
        recipe = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return [Finding("yaml", f"not valid YAML: {exc}").of(shown)]
    first, fields = read_header(text)
    found = check_header(stem, first, fields) + check_s2_attn(recipe, root)
    recipe = without_launcher_keys(recipe)  # ours (lifecycle/s2attn/launcher.py): LLaMA-Factory never sees them
    if Path(str(recipe.get("output_dir", ""))) != Path("saves") / stem:
        found.append(Finding("output_dir", f"must be saves/{stem} (make export/predict derive paths from it)"))
    type_problems = check_types(recipe, types_ or argument_types())
    found += type_problems
    stage, ds_path, ds_problems = deepspeed_stage(recipe, root)
    found += ds_problems + check_datasets(recipe, fields, root) + check_preference(recipe, root)
    if not any(f.key in MODEL_TYPE_KEYS for f in type_problems):
        found += check_model(recipe, root) + check_architecture(recipe, root)
    found += check_quantization(recipe, stage) + check_misc(recipe)
    if not type_problems:  # the parser would only repeat them, less clearly
        error = parse_with_llamafactory(recipe, ds_path)
        if error:
            found.append(Finding("LLaMA-Factory parser", error))
    gpu_only = [k for k in GPU_ONLY_KEYS if recipe.get(k)]
    if gpu_only:
        found.append(note(", ".join(gpu_only), "GPU-only, so checked here and kept out of the CPU parse"))
    return [f.of(shown) for f in found]
