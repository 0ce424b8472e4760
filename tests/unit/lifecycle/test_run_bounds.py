"""A run stays in its folder (issue 24): a recipe name is one safe file name at every entry point, ARGS cannot
move a run's outputs (into another run's folder), and `make predict` on an empty split names the file in one
line instead of ending in LLaMA-Factory's tracebacks. `llamafactory-cli` is stubbed; nothing is trained."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO

import lifecycle.run as run
from lifecycle import train as train_module
from lifecycle.estimate.__main__ import main as estimate_main
from lifecycle.pairs.__main__ import main as pairs_main
from lifecycle.recipe import RecipeError, load_recipe, recipe_name
from lifecycle.review.__main__ import main as review_main
from lifecycle.review.page import main as page_main

PROBE = "../probe_outside"


@pytest.fixture
def launched(monkeypatch) -> list[tuple]:
    """`llamafactory-cli` (train, export, predict) and eval's subprocess, recorded instead of run."""
    calls: list[tuple] = []
    monkeypatch.setattr(run, "cli", lambda *args, **kw: calls.append(args) or 0)
    monkeypatch.setattr(train_module, "cli", lambda *args, **kw: calls.append(args) or 0)
    monkeypatch.setattr(run.subprocess, "call", lambda cmd, **kw: calls.append(tuple(cmd)) or 0)
    return calls


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


# ---------- RECIPE: one path component, a safe character set ----------

@pytest.fixture
def outside(tmp_path, monkeypatch) -> Path:
    """A work tree whose `recipes/../probe_outside.yaml` exists and is well-formed (output_dir
    `saves/../probe_outside`, as the probe wrote it): only the name rule can stop it."""
    (tmp_path / "recipes").mkdir()
    shutil.copy(REPO / "recipes" / "tiny.yaml", tmp_path / "recipes" / "tiny.yaml")
    probe = (REPO / "recipes" / "tiny.yaml").read_text().replace("output_dir: saves/tiny", f"output_dir: saves/{PROBE}")
    (tmp_path / "probe_outside.yaml").write_text(probe)
    (tmp_path / "paper.txt").write_text("Our method works. " * 50)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAVES_DIR", str(tmp_path / "saves"))
    return tmp_path


ENTRY_POINTS = {  # each `make` target that takes RECIPE, as the Makefile calls it
    "train": lambda: run.main(["train", PROBE]),
    "export": lambda: run.main(["export", PROBE]),
    "predict": lambda: run.main(["predict", PROBE]),
    "eval": lambda: run.main(["eval", PROBE]),
    "api": lambda: run.main(["api", PROBE]),
    "estimate": lambda: estimate_main([PROBE]),
    "pairs": lambda: pairs_main([PROBE]),
    "review": lambda: review_main(["--recipe", PROBE, "--text", "paper.txt"]),
    "review-ui": lambda: page_main(["--recipe", PROBE]),
}


@pytest.mark.parametrize("target", list(ENTRY_POINTS))
def test_a_recipe_name_outside_recipes_is_refused_at_every_entry_point(target, outside, launched, capsys):
    assert ENTRY_POINTS[target]() == 2
    line = one_error_line(capsys)
    assert line.startswith(f"error: RECIPE {PROBE!r}: use one name of")
    assert line.endswith("a recipe is a file name under recipes/")
    assert launched == [] and not (outside / "probe_outside").exists() and not (outside / "saves").exists()


@pytest.mark.parametrize("name", ["../probe_outside", "a/b", "..", ".hidden", "", "tiny\n", "x" * 101, "a b"])
def test_recipe_names_are_one_safe_path_component(name):
    with pytest.raises(RecipeError, match="a recipe is a file name under recipes/"):
        recipe_name(name)


def test_every_catalogued_recipe_has_a_valid_name():
    for path in (REPO / "recipes").glob("*.yaml"):
        assert recipe_name(path.stem) == path.stem


# ---------- ARGS cannot move a run's outputs ----------

@pytest.fixture
def finished_tiny(tmp_path, monkeypatch) -> dict[str, bytes]:
    """SAVES_DIR with a finished `tiny` run (adapter, run record, merged model); returns its files' bytes."""
    folder = tmp_path / "saves" / "tiny"
    (folder / "merged").mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"tiny's weights")
    (folder / "run.json").write_text(json.dumps({"identity": "abc", "status": "finished"}))
    (folder / "merged" / "config.json").write_text("{}")
    monkeypatch.setenv("SAVES_DIR", str(tmp_path / "saves"))
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("argv", [
    ["train", "tiny_dpo", "output_dir={saves}/tiny"],  # the probe: another recipe's run over tiny's
    ["train", "tiny", "output_dir={saves}/elsewhere"],  # away from where export would look
    ["export", "tiny_dpo", "export_dir={saves}/tiny/merged"],
    ["predict", "tiny_dpo", "output_dir={saves}/tiny"],
    ["eval", "tiny_dpo", "out={saves}/tiny/eval"],
    ["train", "tiny_dpo", "logging_dir={saves}/tiny"],
])
def test_args_cannot_move_a_runs_outputs(argv, tmp_path, finished_tiny, launched, capsys):
    argv = [a.format(saves=tmp_path / "saves") for a in argv]
    assert run.main(argv) == 2
    key = argv[2].split("=")[0]
    line = one_error_line(capsys)
    assert line.startswith(f"error: ARGS {key}=") and "named by RECIPE alone" in line
    assert launched == [], "nothing may launch"
    after = {str(p): p.read_bytes() for p in (tmp_path / "saves" / "tiny").rglob("*") if p.is_file()}
    assert after == finished_tiny and sorted(p.name for p in (tmp_path / "saves").iterdir()) == ["tiny"]


def test_pairs_refuse_an_output_dir_too(tmp_path, finished_tiny, launched, capsys):
    assert pairs_main(["tiny", f"output_dir={tmp_path / 'saves' / 'tiny'}"]) == 2
    assert "ARGS output_dir=" in one_error_line(capsys) and launched == []


def test_recipe_output_dir_is_still_checked():
    assert load_recipe("tiny")["output_dir"] == "saves/tiny"


# ---------- make predict on an empty split ----------

@pytest.fixture
def empty_split(tmp_path, finished_tiny) -> Path:
    """A dataset dir whose `sample_test` (what tiny predicts) is registered but has no rows."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset_info.json").write_text(json.dumps({"sample_test": {"file_name": "sample_test.jsonl"},
                                                        "arr_test": {"file_name": "arr_test.json"}}))
    (data / "sample_test.jsonl").write_text("\n  \n")
    (data / "arr_test.json").write_text(" [ ]\n")
    return data


@pytest.mark.parametrize("extra", [[], ["N=3"], ["DATA=arr_test"]])
def test_predict_on_an_empty_split_names_the_file_in_one_line(extra, empty_split, launched, capsys):
    assert run.main(["predict", "tiny", f"dataset_dir={empty_split}", *extra]) == 2
    file = "arr_test.json" if extra == ["DATA=arr_test"] else "sample_test.jsonl"
    line = one_error_line(capsys)
    assert line.startswith(f"error: {empty_split / file}: dataset ") and "is empty (0 rows)" in line
    assert launched == []


def test_predict_on_a_missing_split_file_names_it(empty_split, launched, capsys):
    (empty_split / "sample_test.jsonl").unlink()
    assert run.main(["predict", "tiny", f"dataset_dir={empty_split}"]) == 2
    assert f"{empty_split / 'sample_test.jsonl'}: dataset sample_test is registered but its file is missing" in (
        one_error_line(capsys))


def test_predict_on_a_split_with_rows_launches(empty_split, launched):
    (empty_split / "sample_test.jsonl").write_text('{"instruction": "i", "input": "p", "output": "r"}\n')
    assert run.main(["predict", "tiny", f"dataset_dir={empty_split}"]) == 0 and len(launched) == 1
