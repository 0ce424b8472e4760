"""A committee prediction (`make predict N=5`: `committee.jsonl` beside the predictions) scored with the published
protocols, three ways:

- by committee size (N = 1, 3, 5 of its reviews, in seed order): a test-time scaling curve;
- by seed (each single sampled review on its own): the spread of every metric across seeds, mean and s.d.;
- a human baseline on the same papers, leave one reviewer out: each human rating against the paper's other
  humans (exact match with any other, MAE/MSE against their mean; Spearman and pairwise accuracy with each
  paper's first reviewer held out), decided by the same rule.

A committee's rating is the mean of its parsed ratings (MAE, MSE, Spearman, pairwise accuracy); for exact match
that mean is read as the nearest point of the venue's scale. Its decision and probability come from the decision
rule the committee used (`committee.json`). A paper counts once (its first test row).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.committee.rule import BASE_RATE, DecisionRule, verdict
from eval.inputs import EvalInputs
from eval.scores import protocols
from preprocess.core.jsonl import read_jsonl

SIZES = (1, 3, 5)
COMMITTEE_FILE = "committee.jsonl"


@dataclass(frozen=True)
class CommitteePaper:
    forum: str
    scale: tuple[int, ...]
    human: tuple[int, ...]
    decision: str  # accepted | rejected | unknown
    ratings: tuple[float | None, ...]  # one per sampled review, in seed order


def load_committees(inputs: EvalInputs, path: Path) -> tuple[list[CommitteePaper], DecisionRule | None, list[int]]:
    """The committee of each paper (first test row), its rule and seeds; ValueError naming the file on mismatch."""
    lines = read_jsonl(path)
    if len(lines) != len(inputs.rows):
        raise ValueError(f"{path}: {len(lines)} committees but {len(inputs.rows)} predictions: rerun make predict N=")
    summary = path.with_suffix(".json")
    info = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}
    rule = DecisionRule.from_dict(info["decision_rule"]) if info.get("decision_rule") else None
    stale = [i + 1 for i, (line, row) in enumerate(zip(lines, inputs.rows, strict=True))
             if line["reviews"][0] != row.predict]
    if stale:
        raise ValueError(f"{path}: its first reviews differ from {inputs.predictions_path} on {len(stale)} rows "
                         f"(first: line {stale[0]}): it comes from another prediction run")
    papers = []
    for row in inputs.papers():
        line, refs = lines[row.index], row.refs
        assert refs is not None
        if line.get("forum") not in (None, refs.forum):
            raise ValueError(f"{path}: line {row.index + 1}: forum {line.get('forum')} but the test row's is "
                             f"{refs.forum}")
        papers.append(CommitteePaper(refs.forum, refs.rating_scale,
                                     tuple(r.rating for r in refs.reviews if r.rating is not None), refs.decision,
                                     tuple(line["ratings"])))
    return papers, rule, list(info.get("seeds") or lines[0]["seeds"])


def score_panel(papers: Sequence[CommitteePaper], pick: Sequence[int], rule: DecisionRule | None) -> dict[str, Any]:
    """Every protocol metric for committees made of the reviews at positions `pick`."""
    pred, humans, exact_pred, decided, truth, probs, accepted = [], [], [], [], [], [], []
    parsed = base_rate = 0
    for paper in papers:
        ratings = [paper.ratings[k] for k in pick if paper.ratings[k] is not None]
        parsed += bool(ratings)
        if ratings and paper.human:
            mean = statistics.fmean(ratings)
            pred.append(mean)
            exact_pred.append(protocols.snap(mean, paper.scale))
            humans.append(paper.human)
        v = verdict(rule, ratings, paper.scale)
        if v is not None and paper.decision in ("accepted", "rejected"):
            base_rate += v.rule.startswith(BASE_RATE)
            decided.append(v.decision)
            truth.append(paper.decision)
            if v.probability is not None:
                probs.append(v.probability)
                accepted.append(paper.decision == "accepted")
    out: dict[str, Any] = {"n_reviews": len(pick), "n_papers": len(papers),
                           "parsed_share": parsed / len(papers) if papers else None, "n_rated": len(pred)}
    out.update(protocols.rating_scores(pred, humans) if pred else dict.fromkeys(
        ("mae", "mse", "exact_match_any_human", "spearman", "pairwise_accuracy")))
    out["exact_match_any_human"] = protocols.exact_match_any(exact_pred, humans) if pred else None
    out.update(protocols.decision_scores(decided, truth))
    out["auroc"] = protocols.auroc(probs, accepted) if probs else None
    out["n_decided"], out["n_base_rate"] = len(decided), base_rate
    return out


def human_baseline(papers: Sequence[CommitteePaper], rule: DecisionRule | None) -> dict[str, Any]:
    """Leave one reviewer out, on the papers with at least two human ratings."""
    pooled_pred, pooled_others, first_pred, first_rest = [], [], [], []
    decided, truth, probs, accepted = [], [], [], []
    for paper in (p for p in papers if len(p.human) >= 2):
        for i, rating in enumerate(paper.human):
            others = paper.human[:i] + paper.human[i + 1:]
            pooled_pred.append(float(rating))
            pooled_others.append(others)
            v = verdict(rule, [rating], paper.scale)
            if v is not None and paper.decision in ("accepted", "rejected"):
                decided.append(v.decision)
                truth.append(paper.decision)
                if v.probability is not None:
                    probs.append(v.probability)
                    accepted.append(paper.decision == "accepted")
        first_pred.append(float(paper.human[0]))
        first_rest.append(statistics.fmean(paper.human[1:]))
    means = [statistics.fmean(o) for o in pooled_others]
    return {"n_reviews": len(pooled_pred), "mae": protocols.mae(pooled_pred, means),
            "mse": protocols.mse(pooled_pred, means),
            "exact_match_any_human": protocols.exact_match_any(pooled_pred, pooled_others),
            "spearman": protocols.spearman(first_pred, first_rest) if len(first_pred) >= 3 else None,
            "pairwise_accuracy": protocols.pairwise_accuracy(first_pred, first_rest),
            **protocols.decision_scores(decided, truth),
            "auroc": protocols.auroc(probs, accepted) if probs else None}


def committee_metrics(inputs: EvalInputs, path: Path) -> dict[str, Any]:
    """Scaling curve, seed spread and the human baseline for `committee.jsonl`."""
    papers, rule, seeds = load_committees(inputs, path)
    n = len(seeds)
    sizes = sorted({s for s in SIZES if s <= n} | {n})
    per_seed = [score_panel(papers, [k], rule) for k in range(n)]
    return {"file": str(path), "n": n, "seeds": seeds, "papers": [p.forum for p in papers],
            "decision_rule": "fitted" if rule else "midpoint (no fitted rule in committee.json)",
            "scaling": [score_panel(papers, list(range(size)), rule) for size in sizes],
            "seeds_spread": protocols.spread(per_seed), "human": human_baseline(papers, rule)}
