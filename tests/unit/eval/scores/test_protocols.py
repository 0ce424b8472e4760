"""Known answers for the published protocols' metrics (eval/scores/protocols.py)."""

from __future__ import annotations

import pytest
from committee_fixtures import ICLR

from eval.scores import protocols


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
