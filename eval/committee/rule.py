"""The committee's decision: accept or reject with a probability, from the reviewers' ratings alone.

A logistic regression on four features of a paper's ratings (mean, min, max and spread), each rating first put
on 0-1 by its venue's scale so venues with 1-6 and 1-10 scales share one rule. It is fitted on the training
split's human ratings against the papers' decisions (`data/<name>_train.ratings.jsonl`, written by `make data`),
so the decision needs no extra model and its probability is calibrated on real outcomes. Without that file (an
older build) the decision falls back to "mean at or above the scale's midpoint" with no probability.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import read_jsonl
from preprocess.core.names import build_name, ratings_file
from preprocess.core.refs import PaperRatings
from preprocess.core.target import scale_range

FEATURES = ("mean", "min", "max", "spread")
MIN_PAPERS = 6  # fewer labelled papers (or one class only) give no rule


class RuleError(ValueError):
    """The training ratings cannot give a rule (too few papers, one class only)."""


@dataclass(frozen=True)
class Verdict:
    decision: str  # accepted | rejected
    probability: float | None  # P(accept); None under the midpoint fallback
    rule: str  # what decided: "logistic (fitted on N papers of F)" or "midpoint"


def features(ratings: Sequence[float], scale: Sequence[int] = ()) -> list[float]:
    """Mean, min, max and spread (population s.d.) of the ratings put on 0-1 by the scale's range."""
    if not ratings:
        raise ValueError("no ratings")
    lo, hi = scale_range(scale)
    unit = [(r - lo) / (hi - lo) if hi > lo else 0.5 for r in ratings]
    return [statistics.fmean(unit), min(unit), max(unit), statistics.pstdev(unit)]


@dataclass(frozen=True)
class DecisionRule:
    coef: tuple[float, ...]
    intercept: float
    n_papers: int
    accept_share: float
    train_accuracy: float
    source: str

    def probability(self, ratings: Sequence[float], scale: Sequence[int] = ()) -> float:
        z = self.intercept + sum(c * x for c, x in zip(self.coef, features(ratings, scale), strict=True))
        return 1 / (1 + math.exp(-z))

    def decide(self, ratings: Sequence[float], scale: Sequence[int] = ()) -> Verdict:
        p = self.probability(ratings, scale)
        return Verdict("accepted" if p >= 0.5 else "rejected", p,
                       f"logistic on {'/'.join(FEATURES)} of the ratings, fitted on {self.n_papers} papers "
                       f"of `{self.source}`")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "features": list(FEATURES)}

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> DecisionRule:
        return cls(tuple(obj["coef"]), float(obj["intercept"]), int(obj["n_papers"]), float(obj["accept_share"]),
                   float(obj["train_accuracy"]), str(obj["source"]))


def midpoint_verdict(ratings: Sequence[float], scale: Sequence[int] = ()) -> Verdict:
    """No fitted rule: accept when the mean rating is at or above the middle of the scale."""
    mean = features(ratings, scale)[0]
    return Verdict("accepted" if mean >= 0.5 else "rejected", None, "midpoint of the scale (no fitted rule)")


def fit_rule(papers: Sequence[PaperRatings], source: str) -> DecisionRule:
    """Fit on the papers with a known decision and at least one rating; RuleError when that cannot work."""
    from sklearn.linear_model import LogisticRegression

    usable = [p for p in papers if p.decision in ("accepted", "rejected") and p.ratings]
    labels = [int(p.decision == "accepted") for p in usable]
    if len(usable) < MIN_PAPERS or len(set(labels)) < 2:
        raise RuleError(f"{source}: {len(usable)} papers with ratings and a decision "
                        f"({sum(labels)} accepted): need {MIN_PAPERS} and both decisions to fit the rule")
    x = [features(p.ratings, p.rating_scale) for p in usable]
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, labels)
    return DecisionRule(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), len(usable),
                        sum(labels) / len(labels), float(model.score(x, labels)), source)


def training_ratings(dataset_dir: str | Path, dataset: str) -> tuple[Path, list[PaperRatings] | None]:
    """The training split's ratings file and its papers (None when the build wrote none)."""
    path = Path(dataset_dir) / ratings_file(dataset)
    if not path.exists():
        return path, None
    return path, [PaperRatings.from_dict(obj, f"{path}: line {i}") for i, obj in enumerate(read_jsonl(path), 1)]


def rating_warning(dataset_dir: str | Path, dataset: str) -> str | None:
    """A warning when the training rows were built without `Rating: N` lines (`make data` without --with-rating):
    such a model does not rate, so its committee's decisions can only be the base rate."""
    meta = Path(dataset_dir) / f"{build_name(dataset)}.meta.json"
    try:
        options = json.loads(meta.read_text(encoding="utf-8"))["args"]["options"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if options.get("with_rating"):
        return None
    return (f"{meta}: the training rows end without a `Rating:` line (built without --with-rating), so the model "
            "is not taught to rate and the decision falls back to the base rate; for a committee, build with "
            "BUILD_ARGS=--with-rating and train on that")


def training_scale(papers: Sequence[PaperRatings] | None) -> tuple[int, ...]:
    """The rating scale most training papers use (what a new paper's reviews are read on); () if unknown."""
    scales = Counter(p.rating_scale for p in papers or () if p.rating_scale)
    return scales.most_common(1)[0][0] if scales else ()


def load_rule(dataset_dir: str | Path, dataset: str) -> tuple[DecisionRule | None, str]:
    """The rule for a recipe's training dataset (`sample_train`), with a note; (None, why) when there is none."""
    return rule_from(*training_ratings(dataset_dir, dataset))


def rule_from(path: Path, papers: list[PaperRatings] | None) -> tuple[DecisionRule | None, str]:
    """The rule fitted on ratings already read from `path` (see `training_ratings`), with a note."""
    if papers is None:
        return None, f"no {path} (run `make data` again to write it): decisions fall back to the scale's midpoint"
    try:
        rule = fit_rule(papers, str(path))
    except RuleError as exc:
        return None, f"{exc}: decisions fall back to the scale's midpoint"
    return rule, (f"decision rule fitted on {rule.n_papers} papers of {path} (accept share "
                  f"{rule.accept_share:.2f}, training accuracy {rule.train_accuracy:.2f})")


BASE_RATE = "base rate"  # how a verdict without any parsed rating is marked (eval counts these apart)


def verdict(rule: DecisionRule | None, ratings: Sequence[float], scale: Sequence[int] = ()) -> Verdict | None:
    """The committee's verdict. No rating parsed: the training split's base rate (what the rule knows with no
    evidence), marked as such; without a rule either, None."""
    if not ratings:
        if rule is None:
            return None
        return Verdict("accepted" if rule.accept_share >= 0.5 else "rejected", rule.accept_share,
                       f"{BASE_RATE} of `{rule.source}` (no review gave a rating)")
    return rule.decide(ratings, scale) if rule is not None else midpoint_verdict(ratings, scale)
