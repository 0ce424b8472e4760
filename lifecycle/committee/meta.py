"""The committee's meta-review, written as an area chair would from the N reviews: consensus strengths, main
concerns, disagreements, the ratings and the verdict. No extra model: points are the items of each review's
four parts (`preprocess/core/target.py`), grouped across reviews by shared content words, and a point raised by
at least half of the reviewers (at least two) is consensus.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from eval.committee.rule import Verdict
from preprocess.core.target import DECISION_WORD, part_items, scale_range, split_parts

STRENGTHS, CONCERNS = "Reasons for acceptance", "Reasons for rejection"
SIMILAR = 0.3  # Jaccard overlap of content words at which two points are the same point
MAX_POINTS = 5  # per list in the meta-review
SPLIT_SPREAD = 0.25  # rating spread (share of the scale) from which the committee is called split
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_STOP = frozenset("""the and for with that this are was were has have not but its their from into than more
less also very such which these those can may could would should will about over under only other been being
paper authors work method approach results proposed does did""".split())


@dataclass(frozen=True)
class Point:
    text: str  # the first wording met
    reviewers: tuple[int, ...]  # 0-based indices of the reviews that raise it


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= SIMILAR


def group_points(reviews: Sequence[str], part: str) -> list[Point]:
    """Every point of `part` across the reviews, merged when they share enough content words, most raised first."""
    groups: list[tuple[str, frozenset[str], set[int]]] = []
    for index, review in enumerate(reviews):
        for item in part_items(split_parts(review).get(part, "")):
            words = _words(item)
            match = next((g for g in groups if _similar(g[1], words)), None)
            if match is None:
                groups.append((item, words, {index}))
            else:
                match[2].add(index)
    points = [Point(text, tuple(sorted(who))) for text, _, who in groups]
    return sorted(points, key=lambda p: -len(p.reviewers))


def _listed(points: Sequence[Point], n_reviews: int, empty: str) -> list[str]:
    if not points:
        return [f"- {empty}"]
    return [f"- {p.text} (reviewers {', '.join(str(i + 1) for i in p.reviewers)} of {n_reviews})"
            for p in points[:MAX_POINTS]]


def disagreements(ratings: Sequence[float], scale: Sequence[int], strengths: Sequence[Point],
                  concerns: Sequence[Point]) -> list[str]:
    """Where the committee is split: a wide rating spread, and points one reviewer praises and another faults."""
    lines = []
    if len(ratings) >= 2:
        lo, hi = scale_range(scale)
        spread = (max(ratings) - min(ratings)) / (hi - lo) if hi > lo else 0.0
        if spread >= SPLIT_SPREAD:
            lines.append(f"- Ratings range from {min(ratings):g} to {max(ratings):g}: the committee is split.")
    for praise in strengths:
        fault = next((c for c in concerns if _similar(_words(praise.text), _words(c.text))), None)
        if fault is not None:
            lines.append(f"- Praised by reviewers {', '.join(str(i + 1) for i in praise.reviewers)} but faulted "
                         f"by {', '.join(str(i + 1) for i in fault.reviewers)}: {fault.text}")
    if lines:
        return lines[:MAX_POINTS]
    if len(ratings) < 2:
        return ["- Not known: fewer than two reviews gave a rating."]
    return ["- None: the ratings lie within a quarter of the scale."]


def meta_review(reviews: Sequence[str], ratings: Sequence[float | None], scale: Sequence[int],
                verdict: Verdict | None) -> str:
    """The meta-review as markdown."""
    n = len(reviews)
    quorum = max(2, (n + 1) // 2)
    strengths = group_points(reviews, STRENGTHS)
    concerns = group_points(reviews, CONCERNS)
    agreed = [p for p in strengths if len(p.reviewers) >= quorum]
    main = [p for p in concerns if len(p.reviewers) >= quorum] or concerns[:2]
    parsed = [r for r in ratings if r is not None]
    rating_line = (f"{', '.join(f'{r:g}' for r in parsed)} (mean {statistics.fmean(parsed):.2f})" if parsed
                   else "none parsed")
    if len(parsed) < n:
        rating_line += f"; {n - len(parsed)} review(s) gave no rating"
    lines = ["## Meta-review", "", "### Consensus strengths",
             *_listed(agreed, n, f"No strength was raised by {quorum} or more of the {n} reviewers."),
             "", "### Main concerns", *_listed(main, n, "No concern was raised."),
             "", "### Disagreements", *disagreements(parsed, scale, strengths, concerns),
             "", f"Ratings: {rating_line}", ""]
    if verdict is not None:
        chance = "" if verdict.probability is None else f" (probability of acceptance {verdict.probability:.2f})"
        lines += [f"Decision: {DECISION_WORD[verdict.decision]}{chance}", "", f"Decided by: {verdict.rule}"]
    else:
        lines.append("Decision: none (no review gave a rating and no decision rule was fitted)")
    return "\n".join(lines)
