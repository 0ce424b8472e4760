"""What the review page shows for one request: the reviews (one, or a committee's side by side), the note, and for
a committee the meta-review, the decision with its probability and the ratings as a small plot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lifecycle.review.committee import CommitteeRun
from preprocess.core.target import DECISION_WORD, DEFAULT_SCALE, review_markdown

PAGE_MAX_N = 5  # reviewers the page offers (the CLI allows more)
EMPTY = "*(the model returned an empty review)*"


@dataclass(frozen=True)
class PageResult:
    reviews: tuple[str, ...]  # markdown, one per reviewer; empty on an error
    note: str
    meta_review: str = ""
    decision: str = ""
    ratings: tuple[float, ...] = ()
    scale: tuple[int, ...] = ()


def committee_result(run: CommitteeRun, fit_note: str) -> PageResult:
    """A committee's page: each review headed with its seed, the verdict line, the notes joined."""
    c = run.committee
    reviews = tuple(f"### Review {k} (seed {s.seed}, rating {'none' if s.rating is None else f'{s.rating:g}'})\n\n"
                    f"{review_markdown(s.text).strip() or EMPTY}" for k, s in enumerate(c.samples, start=1))
    if c.verdict is None:
        decision = "**Decision:** none (no review gave a rating and no decision rule was fitted)"
    else:
        chance = "" if c.verdict.probability is None else f", probability of acceptance {c.verdict.probability:.2f}"
        decision = f"**Decision: {DECISION_WORD[c.verdict.decision]}**{chance} ({c.verdict.rule})"
    note = f"{fit_note} {len(c.samples)} reviewers at temperature {run.temperature:g}; " + "; ".join(run.notes) + "."
    return PageResult(reviews, note, c.meta_review, decision, tuple(c.ratings), c.scale)


def rating_figure(ratings: Sequence[float], scale: Sequence[int]) -> Any:
    """A small bar chart: how many reviewers gave each rating (the scale's points, and any rating between them).
    A plain Figure, not pyplot's: a long-running page keeps no figure after Gradio has drawn it."""
    from matplotlib.figure import Figure

    points = sorted(set(scale or DEFAULT_SCALE) | set(ratings))
    counts = [sum(r == p for r in ratings) for p in points]
    fig = Figure(figsize=(4, 2.4))
    ax = fig.subplots()
    ax.bar([f"{p:g}" for p in points], counts)
    ax.set_xlabel("rating")
    ax.set_ylabel("reviewers")
    ax.set_yticks(range(0, max(counts) + 1))
    fig.tight_layout()
    return fig
