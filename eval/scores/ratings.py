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
from eval.scores import protocols
from eval.scores.protocols import average_ranks, spearman  # noqa: F401  (their home is protocols; tests import them here)
from preprocess.core.target import on_scale, parse_decision, parse_rating


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
        "mae_vs_mean_human": protocols.mae([s.predicted for s in both], means),
        "mse_vs_mean_human": protocols.mse([s.predicted for s in both], means),
        "exact_match_any_human": protocols.exact_match_any([s.predicted for s in both], [s.human for s in both]),
        "spearman_vs_mean_human": protocols.spearman([s.predicted for s in both], means),
        "pairwise_accuracy": protocols.pairwise_accuracy([s.predicted for s in both], means),
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
    pred, truth = [s.decision_pred for s in parsed], [s.decision_true for s in parsed]
    n = len(parsed)
    majority = Counter(s.decision_true for s in known).most_common(1)
    return {
        "n_papers_known_decision": len(known),
        "n_scored": n,
        "parsed_share": n / len(known) if known else None,
        **protocols.decision_scores(pred, truth),
        "confusion": protocols.confusion(pred, truth),
        "baseline_majority_accuracy": majority[0][1] / len(known) if known else None,
        "baseline_majority_class": majority[0][0] if known else None,
        "predicted_accept_share": sum(s.decision_pred == "accepted" for s in parsed) / n if n else None,
    }
