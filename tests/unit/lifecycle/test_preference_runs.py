"""A preference run on top of an SFT run, without training: dataset names, the adapters it starts from under
SAVES_DIR, the adapters inference loads (a new LoRA above the merged SFT one, or the SFT LoRA continued), and a
run identity that changes when the SFT LoRA does."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle.recipe import adapter_chain, with_saves
from lifecycle.runs import describe
from preprocess.core.names import build_name, held_out_name, preference_name, preference_source, ratings_file


def test_preference_dataset_names_lead_back_to_their_build():
    assert preference_name("sample", "pairs") == "sample_pairs" and preference_name("sample", "kto") == "sample_kto"
    assert [held_out_name(n) for n in ("sample_pairs", "sample_kto", "sample_train", "other")] == [
        "sample_test", "sample_test", "sample_test", "other"]
    assert preference_source("sample_kto") == "sample_train" and preference_source("sample_test") is None
    assert build_name("x_pairs") == "x" and ratings_file("x_pairs") == "x_train.ratings.jsonl"
    with pytest.raises(ValueError, match="choose pairs or kto"):
        preference_name("x", "orpo")


def test_adapters_under_saves_follow_saves_dir(monkeypatch, tmp_path: Path):
    recipe = {"adapter_name_or_path": "saves/tiny", "ref_model_adapters": "saves/tiny", "dataset": "d"}
    monkeypatch.delenv("SAVES_DIR", raising=False)
    assert with_saves(recipe) == recipe
    monkeypatch.setenv("SAVES_DIR", str(tmp_path))
    moved = with_saves({**recipe, "adapter_name_or_path": "saves/tiny,/elsewhere/lora"})
    assert moved["adapter_name_or_path"] == f"{tmp_path / 'tiny'},/elsewhere/lora"
    assert moved["ref_model_adapters"] == str(tmp_path / "tiny") and moved["dataset"] == "d"


def test_inference_loads_what_training_merged_below_the_runs_own_lora(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SAVES_DIR", str(tmp_path))
    sft, own = str(tmp_path / "tiny"), str(tmp_path / "tiny_dpo")
    new = {"adapter_name_or_path": sft, "create_new_adapter": True}
    assert adapter_chain("tiny_dpo", new) == f"{sft},{own}"  # SFT merged, a new LoRA on top
    assert adapter_chain("tiny_dpo", {**new, "create_new_adapter": False}) == own  # the SFT LoRA continued
    assert adapter_chain("tiny", {}) == str(tmp_path / "tiny")


def test_the_sft_loras_bytes_are_part_of_the_run_identity(tmp_path: Path):
    sft = tmp_path / "tiny"
    sft.mkdir()
    (sft / "adapter_model.safetensors").write_bytes(b"one")
    config = {"adapter_name_or_path": str(sft), "dataset": "none", "dataset_dir": str(tmp_path), "stage": "dpo"}
    first = describe("tiny_dpo", config, {})
    assert first.data == {"none": "not a local file", f"adapter {sft}": first.data[f"adapter {sft}"]}
    (sft / "adapter_model.safetensors").write_bytes(b"two")
    second = describe("tiny_dpo", config, {})
    assert second.identity != first.identity
