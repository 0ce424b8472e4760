"""A committee for one paper: N sampled reviews (each with its seed and parsed rating), the verdict and the
meta-review. `convene` builds it from the review texts; `Committee.to_dict` is one line of
`saves/<recipe>/predict/committee.jsonl`, and `committee_markdown` is what `make review N=...` prints.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.committee.rule import DecisionRule, Verdict, verdict
from lifecycle.committee.meta import meta_review
from preprocess.core.target import on_scale, parse_rating, review_markdown

# The reference design's finding: sampling at 0.35-0.5 reviewed better than greedy; a committee needs sampling.
DEFAULT_TEMPERATURE = 0.4


@dataclass(frozen=True)
class Sample:
    seed: int
    text: str
    rating: float | None  # None: no rating line, or off the venue's scale


@dataclass(frozen=True)
class Committee:
    samples: tuple[Sample, ...]
    scale: tuple[int, ...]
    verdict: Verdict | None  # None when no review gave a rating
    meta_review: str

    @property
    def ratings(self) -> list[float]:
        return [s.rating for s in self.samples if s.rating is not None]

    @property
    def mean_rating(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None

    def to_dict(self) -> dict[str, Any]:
        v = self.verdict
        return {"seeds": [s.seed for s in self.samples], "reviews": [s.text for s in self.samples],
                "ratings": [s.rating for s in self.samples], "rating_scale": list(self.scale),
                "mean_rating": self.mean_rating, "decision": v.decision if v else None,
                "accept_probability": v.probability if v else None, "decision_rule": v.rule if v else None,
                "meta_review": self.meta_review}

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Committee:
        samples = tuple(Sample(int(seed), str(text), None if rating is None else float(rating))
                        for seed, text, rating in zip(obj["seeds"], obj["reviews"], obj["ratings"], strict=True))
        v = None if obj.get("decision") is None else Verdict(obj["decision"], obj.get("accept_probability"),
                                                               str(obj.get("decision_rule", "")))
        return cls(samples, tuple(obj.get("rating_scale") or ()), v, str(obj.get("meta_review", "")))


def convene(texts: Sequence[str], seeds: Sequence[int], scale: Sequence[int],
            rule: DecisionRule | None) -> Committee:
    """Parse each review's rating, decide from the ratings, write the meta-review."""
    if len(texts) != len(seeds):
        raise ValueError(f"{len(texts)} reviews but {len(seeds)} seeds")
    parsed = [parse_rating(text) for text in texts]
    samples = tuple(Sample(int(seed), text, r if r is not None and on_scale(r, scale) else None)
                    for seed, text, r in zip(seeds, texts, parsed, strict=True))
    ratings = [s.rating for s in samples]
    decided = verdict(rule, [r for r in ratings if r is not None], scale)
    meta = meta_review([s.text for s in samples], ratings, scale, decided)
    return Committee(samples, tuple(scale), decided, meta)


def committee_markdown(committee: Committee) -> str:
    """Every review under its own heading (with its seed), then the meta-review and the verdict."""
    parts = []
    for i, sample in enumerate(committee.samples, start=1):
        parts.append(f"# Review {i} of {len(committee.samples)} (seed {sample.seed})\n\n"
                     f"{review_markdown(sample.text)}")
    parts.append(committee.meta_review)
    return "\n\n".join(parts) + "\n"
