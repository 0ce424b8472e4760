"""`make estimate` on CPU: the tiny recipe end to end through make (its built data's lengths and row count), a
TINY=1 run of every catalogue recipe's code path (the same architecture shrunken: quantization, RoPE scaling, packing,
MoE, sliding windows, each recipe's template), and the GPU machine's phase script on its CPU rehearsal path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workspace

pytestmark = pytest.mark.slow
# The GPU catalogue: every recipe but those on a model built here under models/ (tiny, tiny_dpo, smollm2_cpu: their
# own tests run them).
CATALOGUE = sorted(p.stem for p in (REPO / "recipes").glob("*.yaml")
                   if not yaml.safe_load(p.read_text(encoding="utf-8"))["model_name_or_path"].startswith("models/"))
# Recipe keys that choose a different code path in a TINY=1 run; the rest (cutoff, data, sizes, rates) only scale it.
PATH_KEYS = ("stage", "finetuning_type", "quantization_bit", "quantization_method", "double_quantization",
             "rope_scaling", "s2_attn", "template", "packing", "neat_packing", "flash_attn", "enable_liger_kernel",
             "lora_target", "additional_target", "pref_loss", "use_dora", "deepspeed")


def code_path(recipe: str) -> tuple:
    """What a TINY=1 run of the recipe exercises: its architecture (model type, RoPE in the config, sliding
    window, experts) and its code-path keys."""
    from lifecycle.estimate.model import base_config

    keys = yaml.safe_load((REPO / "recipes" / f"{recipe}.yaml").read_text(encoding="utf-8"))
    config = base_config(keys["model_name_or_path"])
    arch = (config.get("model_type"), json.dumps(config.get("rope_scaling"), sort_keys=True),
            config.get("sliding_window") is not None, config.get("num_local_experts"))
    return arch + tuple(str(keys.get(k)) for k in PATH_KEYS)


def representatives() -> list[str]:
    """One recipe per code path (the shortest context), or all with ALL_RECIPES=1: recipes that differ only in
    size, context or data run the same tiny model and would repeat each other's 15-50 s."""
    if os.environ.get("ALL_RECIPES") == "1":
        return CATALOGUE
    def cutoff(recipe: str) -> int:
        return int(yaml.safe_load((REPO / "recipes" / f"{recipe}.yaml").read_text())["cutoff_len"])

    seen: dict[tuple, str] = {}
    for recipe in sorted(CATALOGUE, key=lambda r: (cutoff(r), r)):
        seen.setdefault(code_path(recipe), recipe)
    return sorted(seen.values())


@pytest.fixture(scope="module")
def ws(tmp_path_factory, sample_built: Path) -> Path:
    """The tiny model and the sample's datasets built with its tokenizer, in a temp dir."""
    return copy_workspace(sample_built, tmp_path_factory.mktemp("estimate"))


def test_make_estimate_on_the_tiny_recipe(ws: Path, tmp_path: Path):
    saves = tmp_path / "saves"
    cmd = ["make", "--no-print-directory", "estimate", "RECIPE=tiny", f"SAVES_DIR={saves}", "STEPS=4",
           f"ARGS=model_name_or_path={ws / 'tiny'} dataset_dir={ws / 'data'}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    result = json.loads((saves / "tiny" / "estimate.json").read_text())
    meta = json.loads((ws / "data" / "sample.meta.json").read_text())
    assert result["rows"] == meta["counts"]["train rows"] and result["rows_from"] == "the built dataset's meta"
    assert "papers as built" in result["lengths_from"]
    summary = result["summary"]
    assert summary["steps_timed"] == 2 and summary["seconds_per_micro_step"] > 0 and summary["tokens_per_s"] > 0
    assert summary["projected_steps"] == -(-result["rows"] // 4) * 2 and summary["peak"]["rss_gib"] > 0
    assert result["check"]["logits_agree"] and result["check"]["generated_tokens"] == 8
    assert "estimate tiny (cpu):" in proc.stdout and "  run:    " in proc.stdout
    assert not list((saves / "tiny").glob("estimate-*")), "the work folder was left behind"


def test_every_recipe_has_a_representative_and_twins_share_one():
    chosen = set(representatives())
    assert {code_path(r) for r in CATALOGUE} == {code_path(r) for r in chosen}
    if os.environ.get("ALL_RECIPES") != "1":
        assert len(chosen & {"mistral_5k", "mistral_15k"}) == 1  # same code path: they differ in data size only


@pytest.mark.parametrize("recipe", representatives())
def test_tiny_estimate_of_every_catalogue_recipe(recipe: str, tmp_path: Path):
    env = {**os.environ, "SAVES_DIR": str(tmp_path / "saves"), "TINY": "1"}
    proc = subprocess.run([sys.executable, "-m", "lifecycle.estimate", recipe, "--steps", "3"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    result = json.loads((tmp_path / "saves" / recipe / "estimate.json").read_text())
    assert result["tiny"] and result["summary"]["seconds_per_micro_step"] > 0
    assert result["rows_from"] == "the recipe header" and result["summary"]["projected_steps"] > 0
    assert result["check"]["logits_agree"], result["check"]
    assert "bf16" in result["dropped"]
    log = proc.stdout + proc.stderr
    if "quantization_bit: 4" in (REPO / "recipes" / f"{recipe}.yaml").read_text():
        assert "Quantizing model to 4 bit with bitsandbytes" in log
    if recipe.startswith("llama2"):
        assert "Using linear scaling strategy and setting scaling factor to 4.0" in log


def test_the_gpu_phase_script_runs_a_phase_and_skips_what_the_time_left_cannot_hold(tmp_path: Path):
    script = [sys.executable, "bench/gpu/phases.py", "--tiny", "--cache", str(tmp_path / "cache")]
    proc = subprocess.run([*script, "--out", str(tmp_path / "a"), "--only", "qlora_nf4_12k", "--budget-s", "400"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    (phase,) = summary["phases"]
    assert phase["status"] == "ok" and phase["estimate"]["recipe"] == "mistral_15k"
    assert summary["versions"]["llamafactory"] == "0.9.5" and summary["device"] == "cpu"
    proc = subprocess.run([*script, "--out", str(tmp_path / "b"), "--budget-s", "5"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    skipped = json.loads((tmp_path / "b" / "summary.json").read_text())["phases"]
    assert proc.returncode == 0 and len(skipped) == 6
    assert all(p["status"].startswith("skipped: ") and "the phase expects" in p["status"] for p in skipped)
