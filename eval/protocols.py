"""The published protocols' metrics, each one function with the protocol it follows, on plain numbers.

- OpenReviewer (Idahl & Ahmadi 2024): rating exact match with any human rating, MAE against the human mean;
  unparsed ratings are counted, never imputed.
- DeepReviewer (Zhu et al. 2025) and CycleReviewer (Weng et al. 2024): rating MSE and MAE, decision accuracy and
  F1, Spearman correlation of the paper rankings, pairwise rating accuracy.
- AI Scientist (Lu et al. 2024): balanced accuracy, false-positive and false-negative rates (accept is the
  positive class), AUROC of the decision probability.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from eval.ratings import pairwise_accuracy, spearman


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def mae(pred: Sequence[float], truth: Sequence[float]) -> float | None:
    return _mean([abs(p - t) for p, t in zip(pred, truth, strict=True)])


def mse(pred: Sequence[float], truth: Sequence[float]) -> float | None:
    return _mean([(p - t) ** 2 for p, t in zip(pred, truth, strict=True)])


def snap(value: float, scale: Sequence[int]) -> float:
    """The scale point nearest to a value (a committee's mean rating read as one rating); lower on a tie."""
    if not scale:
        return float(round(value))
    return float(min(scale, key=lambda s: (abs(s - value), s)))


def exact_match_any(pred: Sequence[float], humans: Sequence[Sequence[float]]) -> float | None:
    """Share of papers whose predicted rating equals at least one human rating (OpenReviewer)."""
    return _mean([float(p in h) for p, h in zip(pred, humans, strict=True)])


def auroc(probability: Sequence[float], accepted: Sequence[bool]) -> float | None:
    """Area under the ROC curve of P(accept) against the true decisions (Mann-Whitney, ties half)."""
    pos = [p for p, a in zip(probability, accepted, strict=True) if a]
    neg = [p for p, a in zip(probability, accepted, strict=True) if not a]
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def decision_scores(pred: Sequence[str], truth: Sequence[str]) -> dict[str, float | None]:
    """Accuracy, F1, balanced accuracy, FPR and FNR with accept as the positive class."""
    pairs = list(zip(pred, truth, strict=True))
    tp = sum(p == t == "accepted" for p, t in pairs)
    tn = sum(p == t == "rejected" for p, t in pairs)
    fp = sum(p == "accepted" and t == "rejected" for p, t in pairs)
    fn = sum(p == "rejected" and t == "accepted" for p, t in pairs)
    tpr = tp / (tp + fn) if tp + fn else None
    tnr = tn / (tn + fp) if tn + fp else None
    n = tp + tn + fp + fn
    return {"accuracy": (tp + tn) / n if n else None,
            "f1_accept": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None,
            "balanced_accuracy": (tpr + tnr) / 2 if tpr is not None and tnr is not None else None,
            "fpr": 1 - tnr if tnr is not None else None, "fnr": 1 - tpr if tpr is not None else None}


def rating_scores(pred: Sequence[float], humans: Sequence[Sequence[float]]) -> dict[str, float | None]:
    """Every rating metric of the protocols for papers with a prediction and at least one human rating."""
    means = [statistics.fmean(h) for h in humans]
    return {"mae": mae(pred, means), "mse": mse(pred, means), "exact_match_any_human": exact_match_any(pred, humans),
            "spearman": spearman(pred, means), "pairwise_accuracy": pairwise_accuracy(pred, means)}


def spread(runs: Sequence[dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    """Mean and standard deviation of each metric over runs (seeds); a metric None in a run is left out."""
    keys = list(runs[0]) if runs else []
    out = {}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = {"mean": _mean(values), "sd": statistics.stdev(values) if len(values) > 1 else None,
                    "n": len(values)}
    return out
