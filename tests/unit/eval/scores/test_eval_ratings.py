"""Ratings and decisions: parsing and per-paper scores on hand-made cases with known answers."""

import pytest

from eval.scores.ratings import (
    PaperScore,
    average_ranks,
    decision_metrics,
    parse_decision,
    parse_rating,
    rating_metrics,
    spearman,
)


@pytest.mark.parametrize("text, expected", [
    ("## Reasons\n...\n\nRating: 6\nDecision: Accept", 6.0),
    ("**Rating:** 8", 8.0),
    ("Rating: 6: marginally above the acceptance threshold", 6.0),
    ("Overall rating: 3", 3.0),
    ("Rating: 4\n...\nRating: 7", 7.0),  # the last one wins
    ("Score: 5.5", 5.5),
    ("I would rate it a 6.", None),  # not a rating line
    ("Confidence: 4", None),
    ("", None),
])
def test_parse_rating(text, expected):
    assert parse_rating(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Decision: Accept", "accepted"),
    ("decision: accept (poster)", "accepted"),
    ("**Decision:** Reject", "rejected"),
    ("Decision: Accept\nDecision: Reject", "rejected"),
    ("I would accept this paper.", None),
    ("Decision: borderline", None),
])
def test_parse_decision(text, expected):
    assert parse_decision(text) == expected


def test_average_ranks_share_ties():
    assert average_ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]


def test_spearman_known_values():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # with ties: ranks x = 1,2.5,2.5,4 vs y = 1,2,3,4 -> rho = 4.5 / sqrt(4.5 * 5)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / (4.5 * 5) ** 0.5)
    assert spearman([1, 2], [1, 2]) is None
    assert spearman([3, 3, 3], [1, 2, 3]) is None


def test_spearman_matches_scipy_on_ties():
    stats = pytest.importorskip("scipy.stats")
    xs, ys = [6, 8, 3, 3, 5, 10, 1], [5.5, 7.0, 3.7, 4.0, 4.0, 8.0, 2.5]
    assert spearman(xs, ys) == pytest.approx(stats.spearmanr(xs, ys).statistic)


def score(forum, predicted, human, pred_decision=None, true_decision="unknown", off=False):
    return PaperScore(forum, predicted, off, tuple(human), pred_decision, true_decision)


def test_rating_metrics_known_answers():
    scores = [
        score("a", 8, [6, 8]),        # mean 7: error 1, exact match
        score("b", 6, [3, 5, 3]),     # mean 11/3: error 7/3, no match
        score("c", None, [8]),        # unparsed
        score("d", None, [5], off=True),
    ]
    m = rating_metrics(scores)
    assert m["n_scored"] == 2
    assert m["parsed_share"] == 0.5
    assert m["off_scale"] == 1
    assert m["mae_vs_mean_human"] == pytest.approx((1 + 7 / 3) / 2)
    assert m["exact_match_any_human"] == 0.5
    assert m["spearman_vs_mean_human"] is None  # only two pairs
    # leave-one-out: paper a: |6-8|, |8-6| -> 2; paper b: |3-4|, |5-3|, |3-4| -> 4/3
    assert m["human_leave_one_out_mae"] == pytest.approx((2 + 4 / 3) / 2)
    # all human ratings 6,8,3,5,3,8,5 -> median 5; |5-7|, |5-11/3|, |5-8|, |5-5|
    assert m["baseline_mae_constant_median"] == pytest.approx((2 + 4 / 3 + 3 + 0) / 4)
    assert m["predicted_distribution"] == {"6": 1, "8": 1}
    assert m["human_distribution"] == {"3": 2, "5": 2, "6": 1, "8": 2}


def test_decision_metrics_known_answers():
    scores = [
        score("a", None, [], "accepted", "accepted"),  # tp
        score("b", None, [], "accepted", "rejected"),  # fp
        score("c", None, [], "rejected", "rejected"),  # tn
        score("d", None, [], "rejected", "rejected"),  # tn
        score("e", None, [], None, "accepted"),        # unparsed
        score("f", None, [], "accepted", "unknown"),   # no ground truth
    ]
    m = decision_metrics(scores)
    assert m["n_papers_known_decision"] == 5
    assert m["n_scored"] == 4
    assert m["confusion"] == {"tp": 1, "fp": 1, "tn": 2, "fn": 0}
    assert m["accuracy"] == 0.75
    assert m["f1_accept"] == pytest.approx(2 / 3)
    assert m["balanced_accuracy"] == pytest.approx((1 + 2 / 3) / 2)
    assert m["baseline_majority_class"] == "rejected"
    assert m["baseline_majority_accuracy"] == pytest.approx(3 / 5)
    assert m["predicted_accept_share"] == 0.5


def test_decision_metrics_without_any_parse():
    m = decision_metrics([score("a", None, [], None, "accepted")])
    assert m["accuracy"] is None and m["f1_accept"] is None and m["parsed_share"] == 0.0
