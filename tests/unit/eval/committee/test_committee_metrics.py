"""Known answers for the committee's scores (eval/committee/metrics.py): by committee size, by seed, and the
human leave-one-out baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import ICLR, train_rule, write_split

from eval.committee.metrics import committee_metrics, score_panel
from eval.inputs import load_inputs
from lifecycle.committee.panel import convene
from preprocess.core.target import render_target


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
