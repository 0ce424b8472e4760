"""The RWKV recipe on CPU: a tiny random-init RWKV-4 (`RwkvForCausalLM`, the tiny model's tokenizer) trained with
LoRA through LLaMA-Factory 0.9.5 by `make train RECIPE=rwkv_raven_7b` (its targets, template and cutoff; the
GPU-only bf16 off, the steps and batch cut for CPU), then `make predict` with the adapter. Rows are alpaca rows of
our own text, shaped as `make data` writes them. Everything under tmp."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from safetensors import safe_open

from preprocess.core import prompts
from preprocess.core.target import render_parts
from preprocess.prompt.register import dataset_entry, register

pytestmark = pytest.mark.slow
PAPER = ("title: Sparse Probes for Layer Attribution\nabstract: We attribute a network's errors to its layers with "
         "sparse linear probes and test the attribution by ablating the layers it names.\nmain: {n}. Results hold "
         "on three image benchmarks and two text ones.")
REVIEW = ["A cheap attribution method; the ablation test is the new part.",
          "Clear protocol; ablations agree with the probes.",
          "Few architectures; no comparison with gradient attribution.",
          "Add transformers beyond ViT-S and report variance over seeds."]


def make(target: str, saves: Path, args: str, **env: str) -> str:
    cmd = ["make", "--no-print-directory", target, "RECIPE=rwkv_raven_7b", f"SAVES_DIR={saves}", f"ARGS={args}"]
    cmd += [f"{k}={v}" for k, v in env.items()]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{(proc.stdout + proc.stderr)[-5000:]}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def ws(tmp_path_factory, tiny_model: Path) -> Path:
    from lifecycle.tiny_model import build_tiny_rwkv

    root = tmp_path_factory.mktemp("rwkv")
    build_tiny_rwkv(tiny_model, root / "rwkv")
    rows = [{"instruction": prompts.REVIEW_INSTRUCTION, "input": PAPER.format(n=n), "output": render_parts(REVIEW),
             "system": ""} for n in range(6)]
    for split, part in (("train", rows[:4]), ("test", rows[4:])):
        (root / "data" / f"toy_{split}.jsonl").parent.mkdir(exist_ok=True)
        (root / "data" / f"toy_{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    register(root / "data", {f"toy_{s}": dataset_entry(f"toy_{s}.jsonl", "alpaca") for s in ("train", "test")})
    return root


def test_the_rwkv_recipe_trains_with_lora_and_predicts(ws: Path):
    recipe = yaml.safe_load((REPO / "recipes" / "rwkv_raven_7b.yaml").read_text())
    saves = ws / "saves"
    log = make("train", saves, f"model_name_or_path={ws / 'rwkv'} dataset=toy_train dataset_dir={ws / 'data'} "
                                "bf16=false max_steps=1 per_device_train_batch_size=2 gradient_accumulation_steps=1 "
                                "cutoff_len=512 save_steps=0.5 preprocessing_num_workers=1 dataloader_num_workers=0")
    assert "Found linear modules" not in log, "lora_target: all was used"
    run = saves / "rwkv_raven_7b"
    adapter = json.loads((run / "adapter_config.json").read_text())
    assert sorted(adapter["target_modules"]) == sorted(recipe["lora_target"].split(","))
    with safe_open(run / "adapter_model.safetensors", "pt") as weights:  # A and B for 5 modules x 2 layers
        names = sorted(weights.keys())
    assert len(names) == 20 and not any(".output." in n or "feed_forward.value" in n or "head" in n for n in names)
    state = json.loads((run / "trainer_state.json").read_text())
    assert state["global_step"] == 1 and math.isfinite(state["log_history"][-1]["train_loss"])
    make("predict", saves, "max_new_tokens=6", DATA="toy_test")
    config = yaml.safe_load((saves / "rwkv_raven_7b" / "predict.yaml").read_text())
    assert config["template"] == "alpaca" and config["per_device_eval_batch_size"] == 1
    preds = [json.loads(line) for line in
             (saves / "rwkv_raven_7b" / "predict" / "generated_predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 2 and all("### Response:" in p["prompt"] for p in preds)
