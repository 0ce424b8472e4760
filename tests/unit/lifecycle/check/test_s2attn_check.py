"""`make check-recipes` on our S²-Attn keys (`lifecycle/check/s2attn.py`): accepted with a note where the
attention works, refused with the reason where it cannot (an architecture outside transformers'
AttentionInterface, lengths that do not split into the groups, keys that contradict each other)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from lifecycle.check.recipe import check_recipe


def tiny_variant(tmp_path: Path, changes: dict) -> Path:
    """recipes/tiny.yaml with `changes` (header and output_dir kept: the file is named tiny.yaml)."""
    text = (REPO / "recipes" / "tiny.yaml").read_text()
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and not line.startswith("###"))
    recipe = {k: v for k, v in {**yaml.safe_load(text), **changes}.items() if v is not None}
    path = tmp_path / "tiny.yaml"
    path.write_text(head + "\n" + yaml.safe_dump(recipe, sort_keys=False))
    return path


def findings(tmp_path: Path, changes: dict, level: str = "error") -> list[tuple[str, str]]:
    return [(f.key, f.message) for f in check_recipe(tiny_variant(tmp_path, changes), root=REPO)
            if f.level == level]


def test_s2_attn_on_the_tiny_llama_is_accepted_with_how_it_groups(tmp_path):
    changes = {"s2_attn": True, "additional_target": "embed_tokens,norm"}
    assert findings(tmp_path, changes) == []
    notes = dict(findings(tmp_path, changes, "note"))
    assert notes["s2_attn"].startswith("groups of 1/4 of each batch's length (256 tokens at cutoff_len 1024)")
    assert "additional_target" not in notes
    assert "LongLoRA also trains the embeddings" in dict(findings(tmp_path, {"s2_attn": True}, "note"))[
        "additional_target"]


REFUSED = [
    ({"s2_attn": True, "s2_group_size_ratio": 0.3}, "s2_group_size_ratio", "0.3 is not 1/n"),
    ({"s2_attn": True, "s2_group_size_ratio": 0.0625}, "s2_group_size_ratio",
     "padded to a multiple of 8, so a batch length need not split into 16 groups"),
    ({"s2_attn": True, "s2_group_size_ratio": 1.5}, "s2_group_size_ratio", "must be a share of the length"),
    ({"s2_attn": True, "stage": "pt", "cutoff_len": 1022}, "cutoff_len", "1022 does not split into 4 groups"),
    ({"s2_attn": True, "stage": "ppo"}, "s2_attn", "stage ppo: S²-Attn is wired for"),
    ({"s2_attn": "yes"}, "s2_attn", "must be true or false"),
    ({"s2_group_size_ratio": 0.25}, "s2_group_size_ratio", "only applies with s2_attn: true"),
    ({"s2_attn": True, "shift_attn": True}, "shift_attn", "drop shift_attn"),
]


@pytest.mark.parametrize(("changes", "key", "message"), REFUSED, ids=[c[2][:28] for c in REFUSED])
def test_what_cannot_work_is_refused_with_the_reason(tmp_path, changes, key, message):
    found = findings(tmp_path, changes)
    assert any(k == key and message in m for k, m in found), found


@pytest.mark.parametrize(("model_type", "refused"), [("gptj", True), ("falcon", True), ("mistral", False)])
def test_an_architecture_outside_the_attention_interface_is_refused(tmp_path, model_type, refused):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": model_type, "max_position_embeddings": 2048}))
    found = findings(tmp_path, {"s2_attn": True, "model_name_or_path": str(model)})
    hits = [m for k, m in found if k == "s2_attn" and "does not route its attention through" in m]
    assert bool(hits) == refused, found
