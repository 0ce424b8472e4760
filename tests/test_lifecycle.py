"""The lifecycle runner (recipes/run.py): launch settings, written configs, and on the tiny model on CPU a
QLoRA run that checkpoints, resumes (RESUME=1), merges into the unquantized base and predicts with sampling,
with the vLLM backend's prompts checked against LLaMA-Factory's. Everything is written under tmp."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

import recipes.run as run

# ---------- launch settings (no process started) ----------


def test_one_plain_process_needs_no_torchrun():
    assert run.launch_env(1, {}, environ={}) == {}


def test_deepspeed_forces_torchrun_even_on_one_gpu():
    # llamafactory-cli refuses DeepSpeed outside a torchrun launch ("Please use FORCE_TORCHRUN=1")
    env = run.launch_env(1, {"deepspeed": "recipes/deepspeed/ds_z2_config.json"}, environ={})
    assert env == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "1", "NNODES": "1"}


def test_multi_node_settings_pass_through():
    environ = {"NNODES": "2", "NODE_RANK": "1", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500"}
    env = run.launch_env(8, {}, environ=environ)
    assert env == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "8", **environ}


@pytest.mark.parametrize(("environ", "message"), [
    ({"NNODES": "2", "NODE_RANK": "1"}, "needs MASTER_ADDR, MASTER_PORT"),
    ({"NNODES": "2", "NODE_RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"}, "outside 0..1"),
])
def test_multi_node_refuses_incomplete_settings(environ, message):
    with pytest.raises(run.RecipeError, match=message):
        run.launch_env(1, {}, environ=environ)


# ---------- configs the runner writes (llamafactory-cli stubbed) ----------

@pytest.fixture
def calls(tmp_path, monkeypatch) -> list[tuple]:
    """SAVES_DIR = tmp/saves with an adapter for `tiny`; llamafactory-cli and subprocess calls are recorded
    in the returned list, not run."""
    (tmp_path / "saves" / "tiny").mkdir(parents=True)
    (tmp_path / "saves" / "tiny" / "adapter_config.json").write_text("{}")
    monkeypatch.setattr(run, "SAVES", tmp_path / "saves")
    recorded: list[tuple] = []
    monkeypatch.setattr(run, "cli", lambda *args, **kw: recorded.append(args) or 0)
    monkeypatch.setattr(run.subprocess, "call", lambda cmd, **kw: recorded.append(tuple(cmd)) or 0)
    return recorded


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_predict_is_greedy_by_default(calls):
    run.predict("tiny", run.load_recipe("tiny"), {})
    config = read(run.SAVES / "tiny" / "predict.yaml")
    assert config["do_sample"] is False and "temperature" not in config


def test_predict_temperature_turns_sampling_on(calls):
    run.predict("tiny", run.load_recipe("tiny"), {"TEMPERATURE": 0.35, "DATA": "other_test"})
    config = read(run.SAVES / "tiny" / "predict.yaml")
    assert (config["do_sample"], config["temperature"], config["eval_dataset"]) == (True, 0.35, "other_test")
    assert calls == [("train", str(run.SAVES / "tiny" / "predict.yaml"))]


def test_predict_vllm_backend_runs_our_script_on_the_same_config(calls):
    run.predict("tiny", run.load_recipe("tiny"), {"BACKEND": "vllm"})
    assert calls == [(sys.executable, "scripts/vllm_infer.py", str(run.SAVES / "tiny" / "predict.yaml"))]
    with pytest.raises(run.RecipeError, match="BACKEND=tgi"):
        run.predict("tiny", run.load_recipe("tiny"), {"BACKEND": "tgi"})


def test_export_merges_into_the_unquantized_base_with_the_cutoff(calls):
    recipe = {**run.load_recipe("tiny"), "quantization_bit": 4, "rope_scaling": "linear", "cutoff_len": 3072}
    run.export("tiny", recipe, {})
    config = read(run.SAVES / "tiny" / "export.yaml")
    assert not any(k.startswith("quantization") for k in config)
    assert (config["cutoff_len"], config["rope_scaling"]) == (3072, "linear")  # sizes the merged RoPE factor
    with pytest.raises(run.RecipeError, match="unquantized base"):
        run.export("tiny", recipe, {"quantization_bit": 4})


def test_rope_runs_serve_merged_only_and_the_merged_config_carries_the_factor(calls):
    recipe = {**run.load_recipe("tiny"), "rope_scaling": "linear", "cutoff_len": 3072}
    with pytest.raises(run.RecipeError, match="make export"):
        run.serve("api", "tiny", recipe, {})
    (run.SAVES / "tiny" / "merged").mkdir()
    (run.SAVES / "tiny" / "merged" / "config.json").write_text("{}")
    assert "rope_scaling" not in run.model_config("tiny", recipe)


def test_train_records_the_run_and_later_steps_read_it(calls):
    run.train("tiny", run.load_recipe("tiny"), {"rope_scaling": "dynamic", "cutoff_len": 2048}, 1, False)
    record = run.SAVES / "tiny" / "train.yaml"
    assert calls == [("train", str(record))]
    assert read(record)["output_dir"] == str(run.SAVES / "tiny")
    assert run.trained_recipe("tiny")["rope_scaling"] == "dynamic"


# ---------- end to end on the tiny model (CPU) ----------

def make(target: str, saves: Path, args: str = "", **env: str) -> str:
    cmd = ["make", "--no-print-directory", target, "RECIPE=tiny", f"SAVES_DIR={saves}", f"ARGS={args}"]
    cmd += [f"{k}={v}" for k, v in env.items()]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-6000:]}"
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory, tiny_model: Path) -> Path:
    """The tiny model and the sample's datasets built with its tokenizer, in a temp dir."""
    root = tmp_path_factory.mktemp("lifecycle")
    (root / "tiny").symlink_to(tiny_model)
    subprocess.run([sys.executable, "-m", "preprocess.build", "--raw", "data/sample", "--out", str(root / "data"),
                    "--name", "sample", "--tokenizer", str(root / "tiny"), "--cutoff", "1024"],
                   cwd=REPO, check=True, capture_output=True)
    return root


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
    assert read(trained / "tiny" / "train.yaml")["resume_from_checkpoint"] == str(trained / "tiny" / "checkpoint-2")


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


def test_vllm_script_help_needs_no_vllm():
    proc = subprocess.run([sys.executable, "scripts/vllm_infer.py", "--help"], cwd=REPO, capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "--dry-run" in proc.stdout


def test_vllm_sampling_follows_the_predict_config():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import vllm_infer
    finally:
        sys.path.pop(0)
    greedy = vllm_infer.sampling_args({"max_new_tokens": 8, "do_sample": False}, [2])
    assert (greedy["temperature"], greedy["max_tokens"], greedy["stop_token_ids"]) == (0.0, 8, [2])
    hot = vllm_infer.sampling_args({"max_new_tokens": 8, "do_sample": True, "temperature": 0.35}, [2])
    assert hot["temperature"] == 0.35 and hot["top_p"] < 1.0
    engine = vllm_infer.engine_args({"model_name_or_path": "m", "cutoff_len": 1024, "max_new_tokens": 64}, 8, 2)
    assert (engine["max_model_len"], engine["max_lora_rank"], engine["tensor_parallel_size"]) == (1088, 8, 2)
