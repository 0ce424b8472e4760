"""`python -m eval.compare`: two runs' committees scored by eval/committee/metrics.py on the same test split, set
side by side; runs judged on other papers, seeds or temperatures are refused with what differs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import ICLR, train_rule, write_split

from eval.committee.metrics import committee_metrics
from eval.compare import main
from eval.inputs import load_inputs
from lifecycle.committee.panel import convene
from preprocess.core.target import render_target

PAPERS = [("a", "accepted", [8, 8, 6]), ("b", "rejected", [3, 3, 5]), ("c", "accepted", [8, 6, 6])]


def scored_run(root: Path, name: str, ratings: dict[str, list[int]], seeds: list[int], temperature: float = 0.4,
               papers: list = PAPERS) -> Path:
    """saves/<name>/predict/committee.jsonl (+ .json) and saves/<name>/eval/metrics.json as make eval writes it."""
    rule = train_rule()
    test, out = write_split(root / "data", papers), root / name / "predict"
    out.mkdir(parents=True)
    lines, preds = [], []
    for forum, _, _ in papers:
        texts = [render_target("A review.", r) for r in ratings[forum]]
        lines.append({"index": len(lines), "forum": forum, **convene(texts, seeds, ICLR, rule).to_dict()})
        preds.append({"prompt": "p", "predict": texts[0], "label": f"Review 0 of {forum}."})
    (out / "committee.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (out / "committee.json").write_text(json.dumps({"seeds": seeds, "temperature": temperature,
                                                    "decision_rule": rule.to_dict()}))
    (out / "generated_predictions.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    metrics = committee_metrics(load_inputs(out / "generated_predictions.jsonl", test), out / "committee.jsonl")
    (root / name / "eval").mkdir()
    (root / name / "eval" / "metrics.json").write_text(json.dumps({"committee": metrics}))
    return root / name / "eval"


def test_side_by_side_table_with_differences(tmp_path: Path, capsys):
    sft = scored_run(tmp_path, "tiny", {"a": [8, 8, 10], "b": [3, 8, 8], "c": [3, 3, 8]}, [42, 43, 44])
    dpo = scored_run(tmp_path, "tiny_dpo", {"a": [8, 8, 8], "b": [3, 3, 5], "c": [6, 6, 8]}, [42, 43, 44])
    out = tmp_path / "compare.md"
    assert main([str(sft), str(dpo), "--out", str(out)]) == 0
    text = out.read_text()
    assert text == capsys.readouterr().out
    assert "The same 3 test papers, 3 reviews a paper (seeds 42, 43, 44, temperature 0.4)" in text
    assert "| metric | tiny | tiny_dpo | tiny_dpo − tiny | human (leave one out) |" in text
    # N=3 means: sft a 26/3, b 19/3, c 14/3; dpo a 8, b 11/3, c 20/3; human means 22/3, 11/3, 20/3
    sft_mae, dpo_mae = (4 / 3 + 8 / 3 + 2) / 3, (2 / 3 + 0 + 0) / 3
    row = next(line for line in text.splitlines() if line.startswith("| rating MAE vs human mean, N = 3 |"))
    assert row.split(" | ")[1:4] == [f"{sft_mae:.2f}", f"{dpo_mae:.2f}", f"{dpo_mae - sft_mae:+.3f}"]
    assert "| rating MAE vs human mean, one review | " in text


@pytest.mark.parametrize(("change", "message"), [
    ({"seeds": [42, 43, 45]}, "seeds: tiny [42, 43, 44] but other [42, 43, 45]"),
    ({"temperature": 0.7}, "temperature: tiny 0.4 but other 0.7"),
    ({"papers": [("a", "accepted", [8, 8, 6]), ("b", "rejected", [3, 3, 5]), ("d", "accepted", [6, 6])]},
     "test papers: tiny judged 3, other 3; in one only: c, d"),
])
def test_runs_not_judged_alike_are_refused(tmp_path: Path, capsys, change: dict, message: str):
    ratings = {"a": [8, 8, 8], "b": [3, 3, 3], "c": [6, 6, 6], "d": [6, 6, 6]}
    sft = scored_run(tmp_path / "one", "tiny", ratings, [42, 43, 44])
    other = scored_run(tmp_path / "two", "other", ratings, **{"seeds": [42, 43, 44], **change})
    assert main([str(sft), str(other)]) == 2
    assert message in capsys.readouterr().err


def test_a_run_without_a_committee_is_named(tmp_path: Path, capsys):
    (tmp_path / "x" / "eval").mkdir(parents=True)
    (tmp_path / "x" / "eval" / "metrics.json").write_text(json.dumps({"similarity": {}}))
    sft = scored_run(tmp_path, "tiny", {"a": [8], "b": [3], "c": [6]}, [42])
    assert main([str(sft), str(tmp_path / "x" / "eval")]) == 2
    assert "metrics.json: no committee metrics (make predict N=3, then make eval)" in capsys.readouterr().err
