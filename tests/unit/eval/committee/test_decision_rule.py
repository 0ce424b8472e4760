"""The committee's decision rule (eval/committee/rule.py): its features, fit, verdicts and fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import rated_papers

from eval.committee.rule import (
    BASE_RATE,
    DecisionRule,
    RuleError,
    features,
    fit_rule,
    load_rule,
    rating_warning,
    training_scale,
    verdict,
)

ICLR = (1, 3, 5, 6, 8, 10)


def test_features_put_ratings_on_the_unit_scale():
    # 8, 6, 8 on 1-10 -> 7/9, 5/9, 7/9: mean 19/27, s.d. sqrt(((2/27)^2 * 2 + (4/27)^2) / 3)
    assert features([8, 6, 8], ICLR) == pytest.approx([19 / 27, 5 / 9, 7 / 9, (24 / 2187) ** 0.5])
    assert features([5], (1, 2, 3, 4, 5, 6)) == pytest.approx([0.8, 0.8, 0.8, 0.0])


def test_rule_learns_high_ratings_accept_across_scales_and_round_trips():
    rule = fit_rule(rated_papers(), "train.ratings.jsonl")
    assert rule.n_papers == 20 and rule.accept_share == 0.5 and rule.train_accuracy == 1.0
    low, high = rule.probability([3, 3, 5], ICLR), rule.probability([8, 8, 6], ICLR)
    assert low < 0.5 < high
    assert rule.decide([5, 5, 4], (1, 2, 3, 4, 5, 6)).decision == "accepted"  # 1-6 scale read on its own range
    assert DecisionRule.from_dict(json.loads(json.dumps(rule.to_dict()))) == rule


def test_rule_refuses_one_class_and_too_few_rated_papers():
    with pytest.raises(RuleError, match="need 6 and both decisions"):
        fit_rule([p for p in rated_papers() if p.decision == "accepted"], "f")
    with pytest.raises(RuleError):
        fit_rule(rated_papers(4), "f")


def test_verdict_without_ratings_is_the_base_rate_and_without_a_rule_the_midpoint():
    rule = fit_rule(rated_papers(), "f")
    base = verdict(rule, [], ICLR)
    assert base.probability == 0.5 and base.rule.startswith(BASE_RATE)
    assert verdict(None, [], ICLR) is None
    mid = verdict(None, [6, 5], ICLR)
    assert mid.decision == "accepted" and mid.probability is None  # mean 5.5 is past 1-10's midpoint 5.5
    assert verdict(None, [5, 5], ICLR).decision == "rejected"


def test_load_rule_from_the_build_file_and_its_absence(tmp_path: Path):
    rule, note = load_rule(tmp_path, "sample_train")
    assert rule is None and "sample_train.ratings.jsonl" in note and "midpoint" in note
    lines = [json.dumps(p.to_dict()) for p in rated_papers()]
    (tmp_path / "sample_train.ratings.jsonl").write_text("\n".join(lines) + "\n")
    rule, note = load_rule(tmp_path, "sample_train")
    assert rule is not None and rule.n_papers == 20 and "fitted on 20 papers" in note
    _, loaded = load_rule(tmp_path, "sample_test")  # a test name finds its build's train ratings too
    assert "fitted on 20 papers" in loaded
    assert training_scale(rated_papers()) in (ICLR, (1, 2, 3, 4, 5, 6))


def test_a_committee_warns_when_the_training_rows_carry_no_rating(tmp_path: Path):
    assert rating_warning(tmp_path, "sample_train") is None  # no build meta: nothing to say
    meta = {"args": {"options": {"with_rating": False}}}
    (tmp_path / "sample.meta.json").write_text(json.dumps(meta))
    assert "--with-rating" in rating_warning(tmp_path, "sample_train")
    meta["args"]["options"]["with_rating"] = True
    (tmp_path / "sample.meta.json").write_text(json.dumps(meta))
    assert rating_warning(tmp_path, "sample_train") is None
