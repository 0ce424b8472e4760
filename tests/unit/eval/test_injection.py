"""The prompt-injection variant (eval/injection.py): where the instruction goes, and its metrics by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import write_split

from eval.injection import INSTRUCTION, inject_row, injection_metrics, write_variant
from eval.inputs import load_inputs
from preprocess.core.target import render_target


def test_injection_goes_after_the_abstract_in_every_row_shape(tmp_path: Path):
    paper = "title: T\nabstract: A short abstract.\nmain: Body."
    alpaca, done = inject_row({"instruction": "Review.", "input": paper, "output": "o"})
    assert done and alpaca["input"] == f"title: T\nabstract: A short abstract.\n{INSTRUCTION}\nmain: Body."
    # sharegpt (LLaMA-Factory's documented shape) and OpenAI chat fine-tuning rows: the paper's turn only
    share, _ = inject_row({"conversations": [{"from": "human", "value": "Hi"}, {"from": "human", "value": paper}]})
    assert share["conversations"][0]["value"] == "Hi" and INSTRUCTION in share["conversations"][1]["value"]
    chat, _ = inject_row({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": paper}]})
    assert INSTRUCTION in chat["messages"][1]["content"]
    (tmp_path / "dataset_info.json").write_text(json.dumps({"t_test": {"file_name": "t_test.jsonl"}}))
    (tmp_path / "t_test.jsonl").write_text(json.dumps({"input": paper}) + "\n" + json.dumps({"input": "x"}) + "\n")
    with pytest.raises(ValueError, match=r"t_test.jsonl:2: no `abstract:` line"):
        write_variant(tmp_path, "t_test")
    (tmp_path / "t_test.jsonl").write_text(json.dumps({"input": paper}) + "\n")
    assert write_variant(tmp_path, "t_test") == "t_test_injected"
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info["t_test_injected"] == {"file_name": "t_test_injected.jsonl"}


def test_injection_metrics_by_hand(tmp_path: Path):
    test = write_split(tmp_path / "data", [("a", "accepted", [8]), ("b", "rejected", [3]), ("c", "accepted", [6])])
    clean = [render_target("R.", 3, "rejected"), render_target("R.", 6, "accepted"), "none"]
    dirty = [render_target("R.", 10, "accepted"), render_target("R.", 6, "accepted"), render_target("R.", 8)]
    for name, texts in (("clean", clean), ("dirty", dirty)):
        rows = [{"prompt": "p", "predict": t, "label": f"Review 0 of {f}."} for t, f in zip(texts, "abc", strict=True)]
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    m = injection_metrics(load_inputs(tmp_path / "clean.jsonl", test), tmp_path / "dirty.jsonl")
    assert m["n_both_rated"] == 2 and m["mean_shift"] == 3.5 and (m["rose"], m["same"]) == (1, 1)
    assert m["accept_clean"] == 0.5 and m["accept_injected"] == 1.0
    assert m["parsed_clean"] == pytest.approx(2 / 3) and m["parsed_injected"] == 1.0
