"""`make train`'s path with `s2_attn=true` on the tiny Llama: lifecycle.run -> our launcher -> LLaMA-Factory's
run_exp in-process with S²-Attn switched on, plus LongLoRA's trainable embeddings and norms
(`additional_target`). A few steps on rows written here, under tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from safetensors import safe_open

WORDS = "attention groups shift half heads tokens paper review method results".split()


def write_dataset(root: Path, rows: int = 8) -> Path:
    """An alpaca dataset (`s2_train`) of rows a few hundred tokens long, registered in its dataset_info.json."""
    data = root / "data"
    data.mkdir()
    lines = [json.dumps({"instruction": "Review this paper.", "input": " ".join(WORDS[(i * k) % 10]
                         for k in range(150 + 20 * i)), "output": " ".join(WORDS[::-1] * (3 + i))})
             for i in range(rows)]
    (data / "s2_train.jsonl").write_text("\n".join(lines) + "\n")
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    (data / "dataset_info.json").write_text(json.dumps({"s2_train": {"file_name": "s2_train.jsonl",
                                                                     "columns": columns}}))
    return data


@pytest.mark.slow
def test_the_tiny_llama_trains_with_s2_attn_through_the_launcher(tmp_path: Path, tiny_model: Path):
    data, saves = write_dataset(tmp_path), tmp_path / "saves"
    args = [f"model_name_or_path={tiny_model}", f"dataset_dir={data}", "dataset=s2_train", "max_steps=2",
            "s2_attn=true", "additional_target=embed_tokens,norm", "save_steps=2", "logging_steps=1"]
    proc = subprocess.run([sys.executable, "-m", "lifecycle.run", "train", "tiny", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "SAVES_DIR": str(saves)})
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "-m lifecycle.s2attn.launcher" in log and "llamafactory-cli" not in log
    assert "S²-Attn on LlamaForCausalLM: groups of 0.25 x the batch length" in log
    run = saves / "tiny"
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    state = json.loads((run / "trainer_state.json").read_text())
    assert state["global_step"] == 2 and all(h["loss"] > 0 for h in state["log_history"] if "loss" in h)
    with safe_open(str(run / "adapter_model.safetensors"), "pt") as adapter:
        keys = list(adapter.keys())
    assert any("embed_tokens" in k for k in keys) and any("input_layernorm" in k for k in keys), keys[:20]
    assert any("lora_A" in k for k in keys)
