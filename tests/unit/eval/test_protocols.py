"""Known answers for the published protocols' metrics (eval/scores/protocols.py), the committee's scoring
(eval/committee/metrics.py) and the prompt-injection variant (eval/injection.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import ICLR, train_rule, write_split

from eval.committee.metrics import committee_metrics, score_panel
from eval.injection import INSTRUCTION, inject_row, injection_metrics, write_variant
from eval.inputs import load_inputs
from eval.scores import protocols
from lifecycle.committee.panel import convene
from preprocess.core.target import render_target


def test_rating_metrics_by_hand():
    pred, humans = [6.0, 8.0, 3.0], [(6, 8), (8, 8, 10), (1, 3)]
    scores = protocols.rating_scores(pred, humans)
    # means 7, 26/3, 2 -> errors 1, 2/3, 1
    assert scores["mae"] == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert scores["mse"] == pytest.approx((1 + 4 / 9 + 1) / 3)
    assert scores["exact_match_any_human"] == 1.0
    assert scores["spearman"] == pytest.approx(1.0)
    assert scores["pairwise_accuracy"] == 1.0
    assert protocols.pairwise_accuracy([5, 5, 1], [6, 8, 2]) == pytest.approx(2.5 / 3)  # a tie counts half
    assert protocols.pairwise_accuracy([1, 2], [3, 3]) is None  # no pair differs
    assert protocols.snap(6.4, ICLR) == 6 and protocols.snap(7.0, ICLR) == 6 and protocols.snap(7.1, ICLR) == 8


def test_decision_metrics_and_auroc_by_hand():
    pred = ["accepted", "accepted", "rejected", "rejected", "accepted"]
    true = ["accepted", "rejected", "rejected", "accepted", "accepted"]
    d = protocols.decision_scores(pred, true)  # tp 2, fp 1, tn 1, fn 1
    assert d["accuracy"] == 0.6 and d["f1_accept"] == pytest.approx(4 / 6)
    assert d["fpr"] == 0.5 and d["fnr"] == pytest.approx(1 / 3)
    assert d["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    # positives 0.9, 0.3; negatives 0.8, 0.1: 0.9 beats both, 0.3 beats 0.1 only -> 3 of 4
    assert protocols.auroc([0.9, 0.8, 0.3, 0.1], [True, False, True, False]) == 0.75
    assert protocols.auroc([0.5, 0.5], [True, False]) == 0.5
    assert protocols.auroc([0.5], [True]) is None
    runs = [{"mae": 1.0, "f1": None}, {"mae": 2.0, "f1": 0.5}, {"mae": 3.0, "f1": None}]
    assert protocols.spread(runs) == {"mae": {"mean": 2.0, "sd": 1.0, "n": 3}, "f1": {"mean": 0.5, "sd": None, "n": 1}}


def test_committee_scaling_seeds_and_human_baseline(tmp_path: Path):
    test = write_split(tmp_path, [("a", "accepted", [8, 8, 6]), ("b", "rejected", [3, 3, 5]),
                                   ("c", "accepted", [8, 6, 6])])
    committees = {"a": [8, 8, 10], "b": [None, 3, 8], "c": [3, 3, 8]}  # seed order 42, 43, 44
    rule, out = train_rule(), tmp_path / "predict"
    out.mkdir()
    lines, preds = [], []
    for forum, ratings in committees.items():
        texts = [render_target("A review.", r) if r is not None else "no rating" for r in ratings]
        lines.append({"index": len(lines), "forum": forum, **convene(texts, [42, 43, 44], ICLR, rule).to_dict()})
        preds.append({"prompt": "p", "predict": texts[0], "label": f"Review 0 of {forum}."})
    (out / "committee.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (out / "committee.json").write_text(json.dumps({"seeds": [42, 43, 44], "decision_rule": rule.to_dict()}))
    (out / "generated_predictions.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    metrics = committee_metrics(load_inputs(out / "generated_predictions.jsonl", test), out / "committee.jsonl")
    one, three = metrics["scaling"]
    assert (one["n_reviews"], three["n_reviews"]) == (1, 3)
    assert one["parsed_share"] == pytest.approx(2 / 3) and one["n_base_rate"] == 1  # paper b's first is unparsed
    # N=3: means a 26/3, b 5.5, c 14/3 vs human means 22/3, 11/3, 20/3
    assert three["mae"] == pytest.approx((4 / 3 + 11 / 6 + 2) / 3)
    assert three["exact_match_any_human"] == pytest.approx(2 / 3)  # snaps: a 8 (hit), b 5 (hit), c 5 (miss)
    assert three["pairwise_accuracy"] == pytest.approx(2 / 3)
    assert metrics["seeds_spread"]["parsed_share"]["mean"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    human = metrics["human"]
    assert human["n_reviews"] == 9 and human["exact_match_any_human"] == pytest.approx(6 / 9)
    # the committee file must match the predictions it sits beside
    preds[0]["predict"] = "another run"
    (out / "generated_predictions.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    with pytest.raises(ValueError, match="comes from another prediction run"):
        committee_metrics(load_inputs(out / "generated_predictions.jsonl", test), out / "committee.jsonl")
    assert score_panel([], [0], rule)["n_papers"] == 0


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
