"""Ratings and decisions parsed from generated reviews, scored per paper against the humans.

Protocols follow published review generators so numbers compare: mean absolute error against the
mean human rating and "exact match with at least one human" (OpenReviewer, Idahl & Ahmadi 2024),
Spearman correlation, decision accuracy / F1 with "accept" as the positive class (AI Scientist, Lu
et al. 2024), and the predicted score distribution beside the humans' (general LLMs inflate to 7-8).
Human leave-one-out MAE and a constant-median predictor are reported beside as yardsticks.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from eval.inputs import EvalRow
from preprocess.core.target import parse_decision, parse_rating

DEFAULT_SCALE = tuple(range(1, 11))


def pairwise_accuracy(pred: Sequence[float], truth: Sequence[float]) -> float | None:
    """Over every pair of papers whose true ratings differ: the share the prediction orders the same way (a tie
    in the prediction counts half); DeepReviewer's pairwise rating accuracy."""
    score = pairs = 0.0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            if truth[i] == truth[j]:
                continue
            pairs += 1
            same = (pred[i] - pred[j]) * (truth[i] - truth[j])
            score += 1.0 if same > 0 else 0.5 if same == 0 else 0.0
    return score / pairs if pairs else None


def on_scale(rating: float, scale: Sequence[int]) -> bool:
    """Within the venue's rating range (min..max of its scale; 1-10 when the scale is unknown)."""
    scale = scale or DEFAULT_SCALE
    return min(scale) <= rating <= max(scale)


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson on average ranks); None with < 3 pairs or a constant side."""
    if len(xs) != len(ys):
        raise ValueError("spearman needs equal lengths")
    if len(xs) < 3:
        return None
    rx, ry = average_ranks(xs), average_ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy) ** 0.5


@dataclass(frozen=True)
class PaperScore:
    forum: str
    predicted: float | None
    off_scale: bool
    human: tuple[int, ...]
    decision_pred: str | None
    decision_true: str


def score_papers(papers: Sequence[EvalRow]) -> list[PaperScore]:
    """Parse each paper's (first) prediction; off-scale ratings count as unparsed."""
    scored = []
    for row in papers:
        assert row.refs is not None
        rating = parse_rating(row.predict)
        off = rating is not None and not on_scale(rating, row.refs.rating_scale)
        human = tuple(r.rating for r in row.refs.reviews if r.rating is not None)
        scored.append(PaperScore(row.refs.forum, None if off else rating, off, human,
                                 parse_decision(row.predict), row.refs.decision))
    return scored


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def rating_metrics(scores: Sequence[PaperScore]) -> dict[str, object]:
    """MAE, exact match with >= 1 human, Spearman, coverage, distributions and human yardsticks."""
    rated = [s for s in scores if s.human]
    both = [s for s in rated if s.predicted is not None]
    means = [statistics.fmean(s.human) for s in both]
    all_human = [r for s in rated for r in s.human]
    median = statistics.median(all_human) if all_human else None
    loo = []  # each human against the mean of the paper's other humans
    for s in rated:
        if len(s.human) >= 2:
            loo.append(statistics.fmean(abs(r - statistics.fmean(s.human[:i] + s.human[i + 1:]))
                                        for i, r in enumerate(s.human)))
    predicted = [s.predicted for s in scores if s.predicted is not None]
    return {
        "n_papers": len(scores),
        "n_papers_with_human_rating": len(rated),
        "n_scored": len(both),
        "parsed_share": sum(s.predicted is not None for s in scores) / len(scores) if scores else None,
        "off_scale": sum(s.off_scale for s in scores),
        "mae_vs_mean_human": _mean([abs(s.predicted - m) for s, m in zip(both, means, strict=True)]),
        "mse_vs_mean_human": _mean([(s.predicted - m) ** 2 for s, m in zip(both, means, strict=True)]),
        "exact_match_any_human": _mean([float(s.predicted in s.human) for s in both]),
        "spearman_vs_mean_human": spearman([s.predicted for s in both], means),
        "pairwise_accuracy": pairwise_accuracy([s.predicted for s in both], means),
        "baseline_mae_constant_median": _mean([abs(median - statistics.fmean(s.human)) for s in rated])
        if median is not None else None,
        "human_leave_one_out_mae": _mean(loo),
        "predicted_mean": _mean(predicted),
        "predicted_std": statistics.pstdev(predicted) if predicted else None,
        "human_mean": _mean(all_human),
        "human_std": statistics.pstdev(all_human) if all_human else None,
        "predicted_distribution": _histogram(predicted),
        "human_distribution": _histogram(all_human),
    }


def _histogram(values: Sequence[float]) -> dict[str, int]:
    counts = Counter(f"{v:g}" for v in values)
    return dict(sorted(counts.items(), key=lambda kv: float(kv[0])))


def decision_metrics(scores: Sequence[PaperScore]) -> dict[str, object]:
    """Accuracy, F1 (accept = positive), balanced accuracy over papers with a known and a parsed decision."""
    known = [s for s in scores if s.decision_true in ("accepted", "rejected")]
    parsed = [s for s in known if s.decision_pred is not None]
    tp = sum(s.decision_pred == s.decision_true == "accepted" for s in parsed)
    tn = sum(s.decision_pred == s.decision_true == "rejected" for s in parsed)
    fp = sum(s.decision_pred == "accepted" and s.decision_true == "rejected" for s in parsed)
    fn = sum(s.decision_pred == "rejected" and s.decision_true == "accepted" for s in parsed)
    n = len(parsed)
    majority = Counter(s.decision_true for s in known).most_common(1)
    recall_pos = tp / (tp + fn) if tp + fn else None
    recall_neg = tn / (tn + fp) if tn + fp else None
    return {
        "n_papers_known_decision": len(known),
        "n_scored": n,
        "parsed_share": n / len(known) if known else None,
        "accuracy": (tp + tn) / n if n else None,
        "f1_accept": 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None,
        "balanced_accuracy": (recall_pos + recall_neg) / 2
        if recall_pos is not None and recall_neg is not None else None,
        "fpr": fp / (fp + tn) if fp + tn else None,
        "fnr": fn / (fn + tp) if fn + tp else None,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        "baseline_majority_accuracy": majority[0][1] / len(known) if known else None,
        "baseline_majority_class": majority[0][0] if known else None,
        "predicted_accept_share": sum(s.decision_pred == "accepted" for s in parsed) / n if n else None,
    }
