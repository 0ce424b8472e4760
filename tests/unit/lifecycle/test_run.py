"""The lifecycle runner (lifecycle/run.py): launch settings and the configs it writes, with llamafactory-cli
stubbed; the vLLM script's arguments. The runs themselves are in tests/e2e/test_lifecycle_e2e.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

import lifecycle.run as run
from lifecycle import launch
from lifecycle import train as train_module
from lifecycle.recipe import RecipeError, saves

# ---------- launch settings (no process started) ----------


def test_one_plain_process_needs_no_torchrun():
    assert launch.launch_env(1, {}, environ={}) == {}


def test_deepspeed_forces_torchrun_even_on_one_gpu():
    # llamafactory-cli refuses DeepSpeed outside a torchrun launch ("Please use FORCE_TORCHRUN=1")
    env = launch.launch_env(1, {"deepspeed": "recipes/deepspeed/ds_z2_config.json"}, environ={})
    assert env == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "1", "NNODES": "1"}


def test_multi_node_settings_pass_through():
    environ = {"NNODES": "2", "NODE_RANK": "1", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500"}
    env = launch.launch_env(8, {}, environ=environ)
    assert env == {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "8", **environ}


@pytest.mark.parametrize(("environ", "message"), [
    ({"NNODES": "2", "NODE_RANK": "1"}, "needs MASTER_ADDR, MASTER_PORT"),
    ({"NNODES": "2", "NODE_RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"}, "outside 0..1"),
])
def test_multi_node_refuses_incomplete_settings(environ, message):
    with pytest.raises(RecipeError, match=message):
        launch.launch_env(1, {}, environ=environ)


# ---------- configs the runner writes (llamafactory-cli stubbed) ----------

@pytest.fixture
def calls(tmp_path, monkeypatch) -> list[tuple]:
    """SAVES_DIR = tmp/saves with an adapter for `tiny`; llamafactory-cli and subprocess calls are recorded
    in the returned list, not run."""
    (tmp_path / "saves" / "tiny").mkdir(parents=True)
    (tmp_path / "saves" / "tiny" / "adapter_config.json").write_text("{}")
    monkeypatch.setenv("SAVES_DIR", str(tmp_path / "saves"))
    recorded: list[tuple] = []
    monkeypatch.setattr(run, "cli", lambda *args, **kw: recorded.append(args) or 0)
    monkeypatch.setattr(train_module, "cli", lambda *args, **kw: recorded.append(args) or 0)
    monkeypatch.setattr(run.subprocess, "call", lambda cmd, **kw: recorded.append(tuple(cmd)) or 0)
    return recorded


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def with_test_split(tmp_path: Path) -> dict:
    """tiny's recipe over a dataset dir (under tmp) whose `sample_test` has a row: predict checks the split."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "dataset_info.json").write_text('{"sample_test": {"file_name": "sample_test.jsonl"}}')
    (data / "sample_test.jsonl").write_text('{"instruction": "i", "input": "p", "output": "r"}\n')
    return {**run.load_recipe("tiny"), "dataset_dir": str(data)}


def test_predict_is_greedy_by_default(calls, tmp_path):
    run.predict("tiny", with_test_split(tmp_path), {})
    config = read(saves() / "tiny" / "predict.yaml")
    assert config["do_sample"] is False and "temperature" not in config


def test_predict_temperature_turns_sampling_on(calls):
    run.predict("tiny", run.load_recipe("tiny"), {"TEMPERATURE": 0.35, "DATA": "other_test"})
    config = read(saves() / "tiny" / "predict.yaml")
    assert (config["do_sample"], config["temperature"], config["eval_dataset"]) == (True, 0.35, "other_test")
    assert calls == [("train", str(saves() / "tiny" / "predict.yaml"))]


def test_predict_vllm_backend_runs_our_script_on_the_same_config(calls, tmp_path):
    run.predict("tiny", with_test_split(tmp_path), {"BACKEND": "vllm"})
    assert calls == [(sys.executable, "scripts/vllm_infer.py", str(saves() / "tiny" / "predict.yaml"))]
    with pytest.raises(RecipeError, match="BACKEND=tgi"):
        run.predict("tiny", with_test_split(tmp_path), {"BACKEND": "tgi"})


def test_export_merges_into_the_unquantized_base_with_the_cutoff(calls):
    recipe = {**run.load_recipe("tiny"), "quantization_bit": 4, "rope_scaling": "linear", "cutoff_len": 3072}
    run.export("tiny", recipe, {})
    config = read(saves() / "tiny" / "export.yaml")
    assert not any(k.startswith("quantization") for k in config)
    assert (config["cutoff_len"], config["rope_scaling"]) == (3072, "linear")  # sizes the merged RoPE factor
    with pytest.raises(RecipeError, match="unquantized base"):
        run.export("tiny", recipe, {"quantization_bit": 4})


def test_rope_runs_serve_merged_only_and_the_merged_config_carries_the_factor(calls):
    recipe = {**run.load_recipe("tiny"), "rope_scaling": "linear", "cutoff_len": 3072}
    with pytest.raises(RecipeError, match="make export"):
        run.serve("api", "tiny", recipe, {})
    (saves() / "tiny" / "merged").mkdir()
    (saves() / "tiny" / "merged" / "config.json").write_text("{}")
    assert "rope_scaling" not in run.model_config("tiny", recipe)


def test_train_records_the_run_and_later_steps_read_it(calls):
    (saves() / "tiny" / "adapter_config.json").unlink()  # an empty run folder: a new run may start
    run.train("tiny", run.load_recipe("tiny"), {"rope_scaling": "dynamic", "cutoff_len": 2048}, 1, False)
    record = saves() / "tiny" / "train.yaml"
    assert calls == [("train", str(record))]
    assert read(record)["output_dir"] == str(saves() / "tiny")
    assert run.trained_recipe("tiny")["rope_scaling"] == "dynamic"


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
