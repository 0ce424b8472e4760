"""The lifecycle on the tiny model on CPU, through `make`: a QLoRA run that checkpoints, resumes (RESUME=1),
merges into the unquantized base and predicts with sampling, with the vLLM backend's prompts checked against
LLaMA-Factory's; a RoPE-scaled run's export; a run killed with kill -9 in the middle of a checkpoint save,
then resumed. Everything is written under tmp."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workspace


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def make(target: str, saves: Path, args: str = "", **env: str) -> str:
    cmd = ["make", "--no-print-directory", target, "RECIPE=tiny", f"SAVES_DIR={saves}", f"ARGS={args}"]
    cmd += [f"{k}={v}" for k, v in env.items()]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-6000:]}"
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory, sample_built: Path) -> Path:
    """The tiny model and the sample's datasets built with its tokenizer, in a temp dir."""
    return copy_workspace(sample_built, tmp_path_factory.mktemp("lifecycle"))


def qlora_args(ws: Path, steps: int) -> str:
    return (f"model_name_or_path={ws / 'tiny'} dataset_dir={ws / 'data'} max_steps={steps} save_steps=1 "
            "quantization_bit=4 quantization_type=nf4 double_quantization=true")


@pytest.fixture(scope="module")
def resumed(ws: Path) -> str:
    """QLoRA for 2 steps with a checkpoint each step, then RESUME=1 to step 3; the second run's log."""
    make("train", ws / "saves", qlora_args(ws, 2))
    ckpts = sorted(p.name for p in (ws / "saves" / "tiny").glob("checkpoint-*"))
    assert ckpts == ["checkpoint-1", "checkpoint-2"]
    return make("train", ws / "saves", qlora_args(ws, 3), RESUME="1")


@pytest.fixture(scope="module")
def trained(ws: Path, resumed: str) -> Path:
    return ws / "saves"


@pytest.mark.slow
def test_resume_continues_from_the_last_checkpoint(trained: Path, resumed: str):
    log = resumed
    assert f"resuming from {trained / 'tiny' / 'checkpoint-2'}" in log
    assert "Continuing training from global step 2" in log
    assert (trained / "tiny" / "checkpoint-3").is_dir()
    state = json.loads((trained / "tiny" / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    resume = read(trained / "tiny" / "train.resume.yaml")
    assert resume["resume_from_checkpoint"] == str(trained / "tiny" / "checkpoint-2") and resume["max_steps"] == 3
    assert "resume_from_checkpoint" not in read(trained / "tiny" / "train.yaml"), "the recorded run was rewritten"


@pytest.mark.slow
def test_export_of_a_qlora_adapter_gives_an_unquantized_model_that_generates(ws: Path, trained: Path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    make("export", trained)
    merged_dir = trained / "tiny" / "merged"
    config = json.loads((merged_dir / "config.json").read_text())
    assert "quantization_config" not in config
    merged = AutoModelForCausalLM.from_pretrained(merged_dir)
    base = AutoModelForCausalLM.from_pretrained(ws / "tiny")
    assert any(not torch.equal(p, base.state_dict()[n]) for n, p in merged.state_dict().items())
    assert all(p.dtype == torch.float32 for p in merged.parameters())
    tok = AutoTokenizer.from_pretrained(merged_dir)
    ids = tok("title: A paper", return_tensors="pt")
    out = merged.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]


@pytest.mark.slow
def test_export_of_a_rope_scaled_run_keeps_the_trained_factor(ws: Path):
    # LLaMA-Factory sizes the factor from cutoff_len (3072 / 1024 = 3); without it an export would use its
    # inference default, 2.
    saves = ws / "saves_rope"
    make("train", saves, f"model_name_or_path={ws / 'tiny'} dataset_dir={ws / 'data'} max_steps=1 "
         "rope_scaling=linear cutoff_len=3072")
    make("export", saves)
    config = json.loads((saves / "tiny" / "merged" / "config.json").read_text())
    assert config["max_position_embeddings"] == 3072
    assert config["rope_scaling"]["rope_type"] == "linear" and config["rope_scaling"]["factor"] == 3.0


@pytest.mark.slow
def test_predict_with_temperature_and_vllm_prompts_match_llamafactory(ws: Path, trained: Path):
    make("predict", trained, "max_new_tokens=4", TEMPERATURE="0.35")  # the rest from saves/tiny/train.yaml
    config = read(trained / "tiny" / "predict.yaml")
    assert (config["do_sample"], config["temperature"]) == (True, 0.35)
    preds_path = trained / "tiny" / "predict" / "generated_predictions.jsonl"
    preds = [json.loads(line) for line in preds_path.read_text().splitlines()]
    rows = (ws / "data" / "sample_test.jsonl").read_text().splitlines()
    assert len(preds) == len(rows) > 0
    # The vLLM backend builds its prompts from the same predict.yaml; --dry-run stops before vLLM.
    subprocess.run([sys.executable, "scripts/vllm_infer.py", str(trained / "tiny" / "predict.yaml"), "--dry-run"],
                   cwd=REPO, check=True, capture_output=True)
    requests = [json.loads(line) for line in
                (trained / "tiny" / "predict" / "vllm_requests.jsonl").read_text().splitlines()]
    assert [r["prompt"] for r in requests] == [p["prompt"] for p in preds]
    assert [r["label"] for r in requests] == [p["label"] for p in preds]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_vllm_backend_without_vllm_says_how_to_install_it(trained: Path):
    cmd = ["make", "--no-print-directory", "predict", "RECIPE=tiny", f"SAVES_DIR={trained}", "BACKEND=vllm"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "pip install vllm" in proc.stderr


@pytest.mark.gpu
def test_vllm_backend_writes_a_prediction_per_test_row(ws: Path, trained: Path):
    make("predict", trained, f"dataset_dir={ws / 'data'} max_new_tokens=16", BACKEND="vllm")
    preds_path = trained / "tiny" / "predict" / "generated_predictions.jsonl"
    preds = [json.loads(line) for line in preds_path.read_text().splitlines()]
    assert len(preds) == len((ws / "data" / "sample_test.jsonl").read_text().splitlines())
    assert all(set(p) == {"prompt", "predict", "label"} for p in preds)


# Started with this folder on PYTHONPATH, every Python process imports it: the trainer then pauses for
# SLOW_SAVE_S seconds inside the save of step SLOW_SAVE_STEP, after the weights and before the optimizer and
# trainer_state.json, leaving a SAVING marker: the moment the test kills the run.
SLOW_SAVE = """
import os
if os.environ.get("SLOW_SAVE_STEP"):
    import time
    import transformers.trainer as trainer

    original = trainer.Trainer._save_optimizer_and_scheduler

    def slow(self, output_dir):
        if self.state.global_step == int(os.environ["SLOW_SAVE_STEP"]):
            open(os.path.join(output_dir, "SAVING"), "w").close()
            time.sleep(float(os.environ["SLOW_SAVE_S"]))
        return original(self, output_dir)

    trainer.Trainer._save_optimizer_and_scheduler = slow
"""


@pytest.mark.slow
def test_a_run_killed_during_a_checkpoint_save_resumes_from_the_one_before(ws: Path, tmp_path: Path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_SAVE)
    saves = tmp_path / "saves"
    cmd = ["make", "--no-print-directory", "train", "RECIPE=tiny", f"SAVES_DIR={saves}",
           f"ARGS=model_name_or_path={ws / 'tiny'} dataset_dir={ws / 'data'} max_steps=6 save_steps=2"]
    env = {**os.environ, "PYTHONPATH": str(hook), "SLOW_SAVE_STEP": "4", "SLOW_SAVE_S": "120"}
    with (tmp_path / "killed.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        marker = saves / "tiny" / "checkpoint-4" / "SAVING"
        deadline = time.monotonic() + 300
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), (tmp_path / "killed.log").read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9, the whole run, mid-save
        proc.wait()
    run = saves / "tiny"
    assert (run / "checkpoint-2" / "trainer_state.json").exists()
    assert not (run / "checkpoint-4" / "trainer_state.json").exists()
    recorded = (run / "train.yaml").read_bytes()

    log = make("train", saves, "", RESUME="1")  # no ARGS: the run's own
    assert "skipping checkpoint-4: no trainer_state.json (the save was cut short)" in log
    assert f"resuming from {run / 'checkpoint-2'}" in log and "Continuing training from global step 2" in log
    assert json.loads((run / "trainer_state.json").read_text())["global_step"] == 6
    assert (run / "train.yaml").read_bytes() == recorded
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "finished" and record["overrides"]["save_steps"] == 2
    assert json.loads((run / "checkpoint-6" / "run_identity.json").read_text())["identity"] == record["identity"]
