"""`make pairs` without a model: pairs and KTO rows from a training split and predictions written here, read back
through LLaMA-Factory's own dataset parser and converters (the preference and KTO layouts its data/README.md
documents: hiyouga/LLaMA-Factory `data/README.md`, "Preference Dataset" and "KTO Dataset"), bad rows named
`file:line` and skipped, similar papers found by TF-IDF, and stale predictions refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lifecycle.pairs.__main__ import build
from lifecycle.pairs.build import Shape, nearest_papers, other_pairs
from lifecycle.recipe import RecipeError
from preprocess.prompt.formats import FORMATS

TOPICS = {"hash": ("Hashed Count Exploration", "Count-based exploration with hashed states for sparse rewards."),
          "count": ("Pseudo-Count Bonuses", "Exploration bonuses from pseudo-counts of hashed states, sparse rewards."),
          "graph": ("Graph Pooling by Cuts", "A differentiable pooling layer for graph networks from spectral cuts.")}


def paper(key: str) -> str:
    title, abstract = TOPICS[key]
    return f"title: {title}\nabstract: {abstract}\nkeywords: k\nmain: The body of {key}."


def alpaca_row(key: str, review: str) -> dict:
    return {"instruction": "Review this paper.", "input": paper(key), "output": review, "system": ""}


def sharegpt_row(key: str, review: str) -> dict:
    return {"conversations": [{"from": "human", "value": "Please review."}, {"from": "gpt", "value": "Send it."},
                              {"from": "human", "value": paper(key)}, {"from": "gpt", "value": review}],
            "system": "You are a reviewer."}


def workspace(tmp_path: Path, fmt: str, rows: list[dict], preds: list[str]) -> tuple[Path, Path]:
    """data/ with `t_train` registered as `make data` registers it, and predictions (raw JSONL lines)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "t_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    entry = FORMATS[fmt].dataset_entry(fmt, "t_train.jsonl")
    (data / "dataset_info.json").write_text(json.dumps({"t_train": entry}))
    path = tmp_path / "generated_predictions.jsonl"
    path.write_text("".join(line + "\n" for line in preds))
    return data, path


def pred(text: str, label: str) -> str:
    return json.dumps({"prompt": "p", "predict": text, "label": label})


def converted(data: Path, name: str) -> list[dict]:
    """Each row of a registered dataset as LLaMA-Factory's converter makes it (`_prompt`, `_response`)."""
    from llamafactory.data.converter import get_dataset_converter
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams import DataArguments

    attr = get_dataset_list([name], str(data))[0]
    convert = get_dataset_converter(attr.formatting, attr, DataArguments(dataset_dir=str(data)))
    file_name = json.loads((data / "dataset_info.json").read_text())[name]["file_name"]
    return [convert(json.loads(line)) for line in (data / file_name).read_text().splitlines()]


def test_alpaca_pairs_and_kto_rows_read_by_llamafactory_with_bad_rows_named(tmp_path: Path):
    rows = [alpaca_row("hash", "Human review one."), alpaca_row("hash", "Human review two."),
            alpaca_row("count", "Human review three."), alpaca_row("graph", "")]
    preds = [pred("Model says little.", "Human review one."), "{not json",
             pred("Model says other.", "A review of another build."), pred("Model review.", "")]
    data, path = workspace(tmp_path, "alpaca", rows, preds)
    summary = build(data, "t_train", path, contrast=False)
    assert summary["pairs"] == {"self": 1, "other": 0} and summary["kto"] == {"desirable": 1, "undesirable": 1}
    train = data / "t_train.jsonl"
    assert summary["skipped"] == [
        f"{path}:2: JSON line: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        f"{path}:2: prediction: missing or unreadable",
        f"{path}:3: prediction: its label is not {train}:3's answer (predicted from another split or build: rerun "
        "with --repredict)",
        f"{train}:4: training row: no answer to prefer"]
    info = json.loads((data / "dataset_info.json").read_text())
    assert info["t_pairs"] == {"file_name": "t_pairs.jsonl", "formatting": "alpaca", "ranking": True,
                               "columns": {"prompt": "instruction", "query": "input", "system": "system",
                                           "chosen": "chosen", "rejected": "rejected"}}
    assert info["t_kto"]["columns"]["kto_tag"] == "kto_tag" and info["t_kto"]["ranking"] is False
    [pair] = converted(data, "t_pairs")
    assert pair["_prompt"] == [{"role": "user", "content": "Review this paper.\n" + paper("hash")}]
    assert [m["content"] for m in pair["_response"]] == ["Human review one.", "Model says little."]
    good, bad = converted(data, "t_kto")  # KTO: the answer first when desirable, second when not
    assert [m["content"] for m in good["_response"]] == ["Human review one.", ""]
    assert [m["content"] for m in bad["_response"]] == ["", "Model says little."]
    assert json.loads((data / "t_pairs.meta.json").read_text())["skipped"] == summary["skipped"]


def test_sharegpt_pairs_keep_the_turns_before_the_review(tmp_path: Path):
    rows = [sharegpt_row("hash", "Review of hash."), sharegpt_row("graph", "Review of graph.")]
    preds = [pred("Mine about hash.", "Review of hash."), pred("Review of graph.", "Review of graph.")]
    data, path = workspace(tmp_path, "sharegpt", rows, preds)
    summary = build(data, "t_train", path, contrast=True)
    assert summary["pairs"] == {"self": 1, "other": 2}
    assert f"{path}:2: prediction: equals the human review (nothing to prefer)" in summary["skipped"]
    first = converted(data, "t_pairs")[0]
    assert [m["role"] for m in first["_prompt"]] == ["user", "assistant", "user"] and first["_system"]
    assert [m["content"] for m in first["_response"]] == ["Review of hash.", "Mine about hash."]
    other = converted(data, "t_pairs")[1]  # hash's review over graph's, the only other paper
    assert [m["content"] for m in other["_response"]] == ["Review of hash.", "Review of graph."]
    kto = converted(data, "t_kto")
    assert len(kto) == 5 and sum(bool(r["_response"][0]["content"]) for r in kto) == 2  # 2 desirable, 3 not


def test_other_pairs_take_the_most_similar_papers_review():
    assert nearest_papers([paper("hash"), paper("count"), paper("graph")])[:2] == [1, 0]
    shape = Shape(FORMATS["alpaca"].dataset_entry("alpaca", "x.jsonl"))
    rows = list(enumerate([alpaca_row("hash", "H1"), alpaca_row("hash", "H2"), alpaca_row("count", "C1"),
                           alpaca_row("graph", "G1")], start=1))
    pairs, skipped = other_pairs(rows, shape, "t.jsonl")
    assert [(p.where, p.chosen, p.rejected) for p in pairs][:3] == [
        ("t.jsonl:1", "H1", "C1"), ("t.jsonl:2", "H2", "C1"), ("t.jsonl:3", "C1", "H1")]
    assert not skipped and len(pairs) == 4
    alone, why = other_pairs(rows[:2], shape, "t.jsonl")
    assert not alone and why == ["t.jsonl: other pairs: 1 paper(s) with a review, need two"]


def test_predictions_of_another_length_are_refused(tmp_path: Path):
    data, path = workspace(tmp_path, "alpaca", [alpaca_row("hash", "R1"), alpaca_row("count", "R2")],
                           [pred("x", "R1")])
    with pytest.raises(RecipeError, match="has 1 lines but .*t_train.jsonl 2: predicted from another split"):
        build(data, "t_train", path, contrast=False)
    assert not (data / "t_pairs.jsonl").exists()
