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


def auroc(probability: Sequence[float], accepted: Sequence[bool]) -> float | None:
    """Area under the ROC curve of P(accept) against the true decisions (Mann-Whitney, ties half)."""
    pos = [p for p, a in zip(probability, accepted, strict=True) if a]
    neg = [p for p, a in zip(probability, accepted, strict=True) if not a]
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def confusion(pred: Sequence[str], truth: Sequence[str]) -> dict[str, int]:
    """True/false positives and negatives with accept as the positive class."""
    pairs = list(zip(pred, truth, strict=True))
    return {"tp": sum(p == t == "accepted" for p, t in pairs), "fp": sum(p == "accepted" and t == "rejected"
                                                                         for p, t in pairs),
            "tn": sum(p == t == "rejected" for p, t in pairs), "fn": sum(p == "rejected" and t == "accepted"
                                                                        for p, t in pairs)}


def decision_scores(pred: Sequence[str], truth: Sequence[str]) -> dict[str, float | None]:
    """Accuracy, F1, balanced accuracy, FPR and FNR with accept as the positive class."""
    c = confusion(pred, truth)
    tp, tn, fp, fn = c["tp"], c["tn"], c["fp"], c["fn"]
    tpr = tp / (tp + fn) if tp + fn else None
    tnr = tn / (tn + fp) if tn + fp else None
    n = tp + tn + fp + fn
    return {"accuracy": (tp + tn) / n if n else None,
            "f1_accept": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None,
            "balanced_accuracy": (tpr + tnr) / 2 if tpr is not None and tnr is not None else None,
            "fpr": fp / (fp + tn) if fp + tn else None, "fnr": fn / (fn + tp) if fn + tp else None}


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
