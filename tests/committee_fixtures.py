"""Small committee inputs the committee and eval tests share: a test split with its refs sidecar, training
papers' ratings and a fitted decision rule."""

from __future__ import annotations

import json
from pathlib import Path

from eval.committee.rule import DecisionRule, fit_rule
from preprocess.core.refs import PaperRatings

ICLR = [1, 3, 5, 6, 8, 10]


def write_split(folder: Path, papers: list[tuple[str, str, list[int]]]) -> Path:
    """A test split of one row per paper with its refs sidecar: (forum, decision, human ratings)."""
    folder.mkdir(parents=True, exist_ok=True)
    refs = [{"forum": f, "decision": d, "rating_scale": ICLR, "target_review_id": "r0",
             "reviews": [{"id": f"r{k}", "rating": r, "text": f"Review {k} of {f}."} for k, r in enumerate(h)]}
            for f, d, h in papers]
    (folder / "t_test.refs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in refs))
    (folder / "t_test.jsonl").write_text("".join(json.dumps({"input": "x"}) + "\n" for _ in papers))
    return folder / "t_test.jsonl"


def train_rule() -> DecisionRule:
    """A rule fitted on ten training papers: accepted ones rated 8, 8 and rejected ones 3, 3."""
    return fit_rule([PaperRatings(f"t{i}", "v", "accepted" if i % 2 else "rejected", tuple(ICLR),
                                  (8, 8) if i % 2 else (3, 3)) for i in range(10)], "train")


def rated_papers(n: int = 20) -> list[PaperRatings]:
    """Accepted papers rated high, rejected ones low, on two venues' scales (1-10 and 1-6)."""
    out = []
    for i in range(n):
        accepted = i % 2 == 0
        if i % 4 < 2:
            ratings, scale = ((8, 6, 8) if accepted else (3, 5, 3)), tuple(ICLR)
        else:
            ratings, scale = ((5, 4, 5) if accepted else (2, 3, 2)), (1, 2, 3, 4, 5, 6)
        out.append(PaperRatings(f"p{i}", "v", "accepted" if accepted else "rejected", scale, ratings))
    return out
