"""The references sidecar: one line per test row, `data/<name>_test.refs.jsonl`, written by `make data` and
read by eval. It names the paper the row belongs to, the review the row's label is, and all its human reviews.

    {"forum": "aB3dE5fG7h", "venue": "ICLR.cc/2024/Conference", "year": 2024, "title": "...",
     "decision": "accepted", "rating_scale": [1, 3, 5, 6, 8, 10], "target_review_id": "r1",
     "reviews": [{"id": "r1", "rating": 6, "confidence": 4, "text": "## Significance and novelty ..."}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DECISIONS = ("accepted", "rejected", "unknown")


@dataclass(frozen=True)
class HumanReview:
    id: str
    rating: int | None
    confidence: int | None
    text: str


@dataclass(frozen=True)
class PaperRefs:
    """One sidecar line."""

    forum: str
    venue: str
    year: int | None
    title: str
    decision: str
    rating_scale: tuple[int, ...]
    target_review_id: str
    reviews: tuple[HumanReview, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"forum": self.forum, "venue": self.venue, "year": self.year, "title": self.title,
                "decision": self.decision, "rating_scale": list(self.rating_scale),
                "target_review_id": self.target_review_id,
                "reviews": [{"id": r.id, "rating": r.rating, "confidence": r.confidence, "text": r.text}
                            for r in self.reviews]}

    @classmethod
    def from_dict(cls, obj: dict[str, Any], where: str) -> PaperRefs:
        """Validate one sidecar object; `where` names file and row in errors."""
        missing = [key for key in ("forum", "decision", "reviews", "target_review_id") if key not in obj]
        if missing:
            raise ValueError(f"{where}: missing keys {missing}")
        if obj["decision"] not in DECISIONS:
            raise ValueError(f"{where}: decision {obj['decision']!r} not one of {DECISIONS}")
        if not isinstance(obj["reviews"], list):
            raise ValueError(f"{where}: reviews must be a list")
        reviews = []
        for i, review in enumerate(obj["reviews"]):
            if not isinstance(review, dict) or not isinstance(review.get("text"), str):
                raise ValueError(f"{where}: reviews[{i}] needs a text string")
            reviews.append(HumanReview(
                id=str(review.get("id", i)),
                rating=_optional_int(review.get("rating"), f"{where}: reviews[{i}].rating"),
                confidence=_optional_int(review.get("confidence"), f"{where}: reviews[{i}].confidence"),
                text=review["text"],
            ))
        scale = tuple(int(v) for v in obj.get("rating_scale") or ())
        return cls(forum=str(obj["forum"]), venue=str(obj.get("venue", "")),
                   year=_optional_int(obj.get("year"), where), title=str(obj.get("title", "")),
                   decision=obj["decision"], rating_scale=scale, target_review_id=str(obj["target_review_id"]),
                   reviews=tuple(reviews))


@dataclass(frozen=True)
class PaperRatings:
    """One line of `data/<name>_train.ratings.jsonl`: a training paper's human ratings and its decision, what
    the committee's decision rule is fitted on (`eval/committee/rule.py`). No review text: it stays small."""

    forum: str
    venue: str
    decision: str
    rating_scale: tuple[int, ...]
    ratings: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"forum": self.forum, "venue": self.venue, "decision": self.decision,
                "rating_scale": list(self.rating_scale), "ratings": list(self.ratings)}

    @classmethod
    def from_dict(cls, obj: dict[str, Any], where: str) -> PaperRatings:
        if obj.get("decision") not in DECISIONS:
            raise ValueError(f"{where}: decision {obj.get('decision')!r} not one of {DECISIONS}")
        ratings = obj.get("ratings")
        if not isinstance(ratings, list):
            raise ValueError(f"{where}: ratings must be a list")
        values = tuple(_optional_int(v, f"{where}: ratings[{i}]") for i, v in enumerate(ratings))
        return cls(forum=str(obj.get("forum", "")), venue=str(obj.get("venue", "")), decision=obj["decision"],
                   rating_scale=tuple(int(v) for v in obj.get("rating_scale") or ()),
                   ratings=tuple(v for v in values if v is not None))

    @classmethod
    def of(cls, refs: PaperRefs) -> PaperRatings:
        return cls(refs.forum, refs.venue, refs.decision, refs.rating_scale,
                   tuple(r.rating for r in refs.reviews if r.rating is not None))


def _optional_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ValueError(f"{where}: expected an integer or null, got {value!r}")
    return int(value)
