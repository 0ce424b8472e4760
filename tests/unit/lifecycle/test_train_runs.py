"""`make train` over a run folder: resume only the same run from a complete checkpoint, keep the recorded run,
refuse to mix runs, start over on FRESH=1. `llamafactory-cli` is stood in for by `FakeTrainer`, which writes
checkpoints the way Trainer does (weights, optimizer.pt, trainer_state.json last) and can die mid-save; the real
trainer killed with kill -9 mid-save is in tests/e2e/test_resume_e2e.py."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from safetensors import SafetensorError
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_bytes

from lifecycle import train as train_module
from lifecycle.recipe import RecipeError, load_recipe, saves
from lifecycle.runs import RunRecord, checkpoint_problem, safetensors_problem
from lifecycle.train import train

WEIGHTS = safetensors_bytes({"lora_A.weight": np.zeros((8, 64), dtype=np.float32)})  # a whole adapter file


class FakeTrainer:
    """Stands in for `llamafactory-cli train <yaml>`: steps to max_steps, a checkpoint every save_steps."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.die_saving: int | None = None  # the step whose checkpoint save is cut short (then exit 137)

    def __call__(self, verb: str, path: str, env=None) -> int:
        config = yaml.safe_load(Path(path).read_text())
        self.calls.append(config)
        out, start = Path(config["output_dir"]), 0
        if config.get("resume_from_checkpoint"):
            start = json.loads((Path(config["resume_from_checkpoint"]) / "trainer_state.json").read_text())[
                "global_step"]
        for step in range(start + 1, int(config["max_steps"]) + 1):
            if step % int(config["save_steps"]) == 0:
                ckpt = out / f"checkpoint-{step}"
                ckpt.mkdir(parents=True, exist_ok=True)
                (ckpt / "adapter_model.safetensors").write_bytes(WEIGHTS)
                if step == self.die_saving:
                    (ckpt / "optimizer.pt").write_bytes(b"PK\x03\x04 cut")  # killed while writing the optimizer
                    return 137
                with zipfile.ZipFile(ckpt / "optimizer.pt", "w") as archive:
                    archive.writestr("data.pkl", b"state")
                (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        (out / "adapter_model.safetensors").write_bytes(WEIGHTS)
        (out / "trainer_state.json").write_text(json.dumps({"global_step": int(config["max_steps"])}))
        return 0


@pytest.fixture
def trainer(tmp_path, monkeypatch) -> FakeTrainer:
    """SAVES_DIR and the dataset dir under tmp; `llamafactory-cli` replaced by a FakeTrainer."""
    monkeypatch.setenv("SAVES_DIR", str(tmp_path / "saves"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset_info.json").write_text(json.dumps({"sample_train": {"file_name": "sample_train.jsonl"}}))
    (data / "sample_train.jsonl").write_text('{"instruction": "i", "input": "p", "output": "r"}\n')
    fake = FakeTrainer()
    monkeypatch.setattr(train_module, "cli", fake)
    return fake


def args(tmp_path: Path, **more) -> dict:
    return {"dataset_dir": str(tmp_path / "data"), "max_steps": 6, "save_steps": 2, **more}


def run_dir() -> Path:
    return saves() / "tiny"


def test_resume_passes_over_a_cut_short_checkpoint_and_keeps_the_recorded_args(tmp_path, trainer, capsys):
    trainer.die_saving = 4
    assert train("tiny", load_recipe("tiny"), args(tmp_path, learning_rate=5e-4), 1, False) == 137
    recorded = (run_dir() / "train.yaml").read_bytes()
    assert checkpoint_problem(run_dir() / "checkpoint-4") == "no trainer_state.json (the save was cut short)"
    assert RunRecord.load(run_dir()).status == "failed (exit 137)"

    trainer.die_saving = None
    assert train("tiny", load_recipe("tiny"), {}, 1, True) == 0  # no ARGS: the recorded ones
    out = capsys.readouterr().out
    assert "skipping checkpoint-4: no trainer_state.json (the save was cut short)" in out
    assert f"resuming from {run_dir() / 'checkpoint-2'}" in out
    resumed = trainer.calls[-1]
    assert resumed["learning_rate"] == 5e-4 and resumed["save_steps"] == 2 and resumed["max_steps"] == 6
    assert (run_dir() / "train.yaml").read_bytes() == recorded, "the recorded run was rewritten"
    record = RunRecord.load(run_dir())
    assert record.status == "finished" and [r["from"] for r in record.resumes] == ["checkpoint-2"]
    assert json.loads((run_dir() / "checkpoint-6" / "run_identity.json").read_text())["identity"] == record.identity


def test_resume_refuses_another_run_and_names_what_differs(tmp_path, trainer):
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0
    with pytest.raises(RecipeError, match=r"learning_rate: 0.001 -> 0.0005.*FRESH=1"):
        train("tiny", load_recipe("tiny"), {"learning_rate": 5e-4}, 1, True)
    (tmp_path / "data" / "sample_train.jsonl").write_text('{"instruction": "i", "input": "q", "output": "s"}\n')
    with pytest.raises(RecipeError, match="data sample_train: its file changed"):
        train("tiny", load_recipe("tiny"), {}, 1, True)
    assert len(trainer.calls) == 1


def test_a_finished_run_resumes_nothing_unless_extended(tmp_path, trainer, capsys):
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0
    assert train("tiny", load_recipe("tiny"), {}, 1, True) == 0
    assert "nothing to resume" in capsys.readouterr().out and len(trainer.calls) == 1
    assert train("tiny", load_recipe("tiny"), {"max_steps": 8}, 1, True) == 0
    assert trainer.calls[-1]["resume_from_checkpoint"] == str(run_dir() / "checkpoint-6")
    assert RunRecord.load(run_dir()).length["max_steps"] == 8


def test_a_second_train_into_a_run_folder_refuses_unless_told_to_start_over(tmp_path, trainer, capsys):
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0  # the same finished run
    assert "nothing to do" in capsys.readouterr().out and len(trainer.calls) == 1
    with pytest.raises(RecipeError, match=r"finished run with other settings \(learning_rate: 0.001 -> 0.0005\)"):
        train("tiny", load_recipe("tiny"), args(tmp_path, learning_rate=5e-4), 1, False)
    first = RunRecord.load(run_dir())
    assert train("tiny", load_recipe("tiny"), args(tmp_path, learning_rate=5e-4), 1, False, fresh=True) == 0
    moved = [p for p in saves().iterdir() if p.name.startswith("tiny.")]
    assert len(moved) == 1 and RunRecord.load(moved[0]).identity == first.identity
    assert (moved[0] / "checkpoint-6" / "trainer_state.json").exists(), "the earlier run was not kept whole"
    assert RunRecord.load(run_dir()).identity != first.identity


def test_an_unfinished_run_and_unrecorded_outputs_refuse_a_new_start(tmp_path, trainer):
    trainer.die_saving = 4
    train("tiny", load_recipe("tiny"), args(tmp_path), 1, False)
    with pytest.raises(RecipeError, match="unfinished run .*RESUME=1 continues it"):
        train("tiny", load_recipe("tiny"), args(tmp_path), 1, False)
    (run_dir() / "run.json").unlink()
    with pytest.raises(RecipeError, match="no run record"):
        train("tiny", load_recipe("tiny"), {}, 1, True)
    with pytest.raises(RecipeError, match="training outputs but no run record"):
        train("tiny", load_recipe("tiny"), args(tmp_path), 1, False)


def test_every_recipe_checkpoints_at_least_every_tenth_of_a_run():
    for path in sorted(Path("recipes").glob("*.yaml")):
        save = yaml.safe_load(path.read_text())["save_steps"]
        assert isinstance(save, float) and 0 < save <= 0.1, f"{path}: save_steps {save}"


def test_a_cut_short_adapter_is_passed_over_and_the_checkpoint_before_resumed(tmp_path, trainer, capsys):
    """The newest checkpoint's adapter_model.safetensors cut short (a kill or a full disk while the weights were
    written, the rest of the checkpoint whole): RESUME=1 names it and resumes from the one before."""
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0
    record = RunRecord.load(run_dir())
    record.status = "failed (exit 137)"  # killed after its last checkpoint
    record.save(run_dir())
    adapter = run_dir() / "checkpoint-6" / "adapter_model.safetensors"
    adapter.write_bytes(WEIGHTS[: len(WEIGHTS) // 2])
    assert train("tiny", load_recipe("tiny"), {}, 1, True) == 0
    out = capsys.readouterr().out
    assert f"skipping checkpoint-6: adapter_model.safetensors is cut short ({len(WEIGHTS) // 2:,} of " \
           f"{len(WEIGHTS):,} bytes)" in out
    assert f"resuming from {run_dir() / 'checkpoint-4'}" in out
    assert trainer.calls[-1]["resume_from_checkpoint"] == str(run_dir() / "checkpoint-4")


def test_resume_into_a_finished_run_with_args_refuses_and_shows_them(tmp_path, trainer, capsys):
    """RESUME=1 ARGS="learning_rate=1.0e-3" into a finished run: nothing would train, so the ARGS are refused
    with the recorded value beside the given one, not answered with exit 0 (the probe's rate equals tiny's)."""
    assert train("tiny", load_recipe("tiny"), args(tmp_path), 1, False) == 0
    same = r"finished .* nothing would train.*\(learning_rate: 0.001, the same as recorded\)"
    with pytest.raises(RecipeError, match=same):
        train("tiny", load_recipe("tiny"), {"learning_rate": 1.0e-3}, 1, True)
    with pytest.raises(RecipeError, match=r"learning_rate: 0.001 -> 0.0005"):  # another rate: another run
        train("tiny", load_recipe("tiny"), {"learning_rate": 5e-4}, 1, True)
    assert train("tiny", load_recipe("tiny"), {}, 1, True) == 0  # no ARGS: nothing to resume, as before
    assert "nothing to resume" in capsys.readouterr().out and len(trainer.calls) == 1
    assert train("tiny", load_recipe("tiny"), {"learning_rate": 1.0e-3, "max_steps": 8}, 1, True) == 0  # extends
    assert trainer.calls[-1]["max_steps"] == 8 and trainer.calls[-1]["learning_rate"] == 1.0e-3


def test_the_weights_check_agrees_with_the_safetensors_loader(tmp_path):
    """`safetensors_problem` reads only the header; the real loader (safetensors, as PEFT loads an adapter) is the
    oracle: every cut it refuses is named, the whole file passes."""
    path = tmp_path / "adapter_model.safetensors"
    for size in (len(WEIGHTS), len(WEIGHTS) - 1, len(WEIGHTS) // 2, 12, 5, 0):
        path.write_bytes(WEIGHTS[:size])
        try:
            load_file(path)
            loads = True
        except SafetensorError:
            loads = False
        assert (safetensors_problem(path) is None) == loads, size
