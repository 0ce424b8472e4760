"""CPU end to end on the tiny model, through the same make targets a user runs.

Everything is written under pytest's temp dir: SAVES_DIR moves saves/, ARGS points the recipe at a
tiny model and datasets built there.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def run(cmd: list[str], env: dict | None = None, timeout: int = 600) -> str:
    """Run a command from the repo root; fail with its output when it fails. Returns stdout+stderr."""
    import os

    proc = subprocess.run([str(c) for c in cmd], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{out[-6000:]}"
    return out


def make(target: str, saves: Path, args: str, **env: str) -> str:
    return run(["make", "--no-print-directory", target, "RECIPE=tiny", f"SAVES_DIR={saves}", f"ARGS={args}"],
               env=env)


def build_data(ws: Path, name: str, cutoff: int) -> Path:
    """`make data`'s build, in process (test_lifecycle's fixture runs the CLI itself)."""
    from preprocess.dataset.__main__ import main

    out = ws / name
    main(["--raw", str(REPO / "data" / "sample"), "--out", str(out), "--name", "sample",
          "--tokenizer", str(ws / "tiny"), "--cutoff", str(cutoff)])
    return out


@pytest.fixture(scope="session")
def ws(tmp_path_factory, tiny_model: Path) -> Path:
    """The session's tiny model (as ws/tiny) and the sample's datasets built with its tokenizer."""
    root = tmp_path_factory.mktemp("pipeline")
    (root / "tiny").symlink_to(tiny_model)
    build_data(root, "data", 1024)
    return root


def base_args(ws: Path, data: str = "data") -> str:
    return f"model_name_or_path={ws / 'tiny'} dataset_dir={ws / data}"


@pytest.fixture(scope="session")
def trained(ws: Path) -> Path:
    saves = ws / "saves"
    make("train", saves, f"{base_args(ws)} max_steps=6")
    assert (saves / "tiny" / "adapter_config.json").exists()
    return saves


def test_lora_train_then_predict_writes_a_prediction_per_test_row(ws: Path, trained: Path):
    make("predict", trained, f"{base_args(ws)} max_new_tokens=16")
    rows = [json.loads(line) for line in (ws / "data" / "sample_test.jsonl").read_text().splitlines()]
    preds_file = trained / "tiny" / "predict" / "generated_predictions.jsonl"
    preds = [json.loads(line) for line in preds_file.read_text().splitlines()]
    assert len(rows) > 0 and len(preds) == len(rows)
    assert all(p["predict"].strip() for p in preds), "an empty prediction"
    assert [p["label"].strip() for p in preds] == [r["output"].strip() for r in rows]


def test_make_eval_scores_the_predictions_as_llamafactory_did(ws: Path, trained: Path):
    predict_dir = trained / "tiny" / "predict"
    if not (predict_dir / "generated_predictions.jsonl").exists():
        make("predict", trained, f"{base_args(ws)} max_new_tokens=16")
    make("eval", trained, f"dataset_dir={ws / 'data'}")
    metrics = json.loads((trained / "tiny" / "eval" / "metrics.json").read_text())
    theirs = json.loads((predict_dir / "predict_results.json").read_text())
    for key in ("rouge-1", "rouge-2", "rouge-l", "bleu-4"):
        assert metrics["similarity"][key] == theirs[f"predict_{key}"], key
    assert (trained / "tiny" / "eval" / "report.md").read_text().strip()
    assert (trained / "tiny" / "eval" / "report.html").exists()


def test_export_merges_adapter_and_merged_model_generates(ws: Path, trained: Path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    make("export", trained, f"model_name_or_path={ws / 'tiny'}")
    merged_dir = trained / "tiny" / "merged"
    merged = AutoModelForCausalLM.from_pretrained(merged_dir)
    base = AutoModelForCausalLM.from_pretrained(ws / "tiny")
    changed = [n for n, p in merged.state_dict().items() if not torch.equal(p, base.state_dict()[n])]
    assert changed, "merged weights equal the base: the adapter was not merged"
    assert not any("lora" in n for n in merged.state_dict()), "LoRA tensors left in the merged model"
    tok = AutoTokenizer.from_pretrained(merged_dir)
    ids = tok("title: A paper", return_tensors="pt")
    out = merged.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 5 or out[0, -1].item() == tok.eos_token_id


def test_qlora_4bit_nf4_trains_on_cpu(ws: Path):
    saves = ws / "saves_qlora"
    out = make("train", saves, f"{base_args(ws)} max_steps=2 quantization_bit=4 quantization_type=nf4 "
               "double_quantization=true")
    assert "Quantizing model to 4 bit with bitsandbytes" in out
    assert (saves / "tiny" / "adapter_model.safetensors").exists()


def test_deepspeed_zero2_with_two_processes(ws: Path):
    saves = ws / "saves_zero2"
    out = make("train", saves, f"{base_args(ws)} max_steps=2 deepspeed=recipes/deepspeed/ds_z2_config.json",
               NPROC="2")
    assert "world size: 2" in out and "distributed training: True" in out
    assert (saves / "tiny" / "adapter_model.safetensors").exists()


@pytest.mark.parametrize("rope", ["linear", "dynamic"])
def test_rope_scaling_enlarges_context_past_max_positions(ws: Path, rope: str):
    long_data = ws / "data_long"
    if not (long_data / "sample_train.jsonl").exists():
        build_data(ws, "data_long", 2048)
    meta = json.loads((long_data / "sample.meta.json").read_text())
    assert meta["paper_tokens"]["after_fit"]["max"] > 1024, "no trained paper is longer than the tiny context"
    saves = ws / f"saves_rope_{rope}"
    out = make("train", saves, f"{base_args(ws, 'data_long')} max_steps=1 cutoff_len=2048 rope_scaling={rope} "
               "finetuning_type=full")
    assert "Enlarge max model length from 1024 to 2048" in out
    config = json.loads((saves / "tiny" / "config.json").read_text())
    assert config["max_position_embeddings"] == 2048
    assert config["rope_scaling"]["rope_type"] == rope and config["rope_scaling"]["factor"] == 2.0
