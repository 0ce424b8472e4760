"""Genuine structured reviews for `bench/parts.py --crawl`: PeerRead-layout review JSON -> a crawl folder.

    python bench/peerread_crawl.py SRC_DIR OUT_DIR [--venue NeurIPS.cc/2023/Conference] [--max-papers N]

SRC_DIR holds one `<forum>.json` per paper in PeerRead's layout (`{"id", "title", "reviews": [{"comments",
"RECOMMENDATION", ...}]}`), whose `comments` carry the review form's own `SUMMARY:` / `STRENGTHS:` /
`WEAKNESSES:` / `QUESTIONS:` / `LIMITATIONS:` sections, e.g. the NeurIPS 2023-2025 reviews vendored in
github.com/djroytburg/10718peerread (output/neurips_20xx/reviews, commit 50b2a04). Each review becomes an
API v2 review note with `summary` / `strengths` / `weaknesses` / `questions` fields (LIMITATIONS is an answer
field, left out), so `read_papers` reads it as a structured review. Nothing is written into the repo.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

SECTIONS = {"SUMMARY": "summary", "STRENGTHS": "strengths", "WEAKNESSES": "weaknesses", "QUESTIONS": "questions"}
_SECTION = re.compile(r"^([A-Z][A-Z _]+):[ \t]*$", re.MULTILINE)


def sections(comments: str) -> dict[str, str]:
    """The form's sections of one review's `comments`, by field name (only the four that label parts)."""
    cuts = list(_SECTION.finditer(comments))
    out = {}
    for match, nxt in zip(cuts, [*cuts[1:], None], strict=True):
        name = SECTIONS.get(match.group(1).strip())
        if name:
            out[name] = comments[match.end(): nxt.start() if nxt else len(comments)].strip()
    return out


def note(paper: dict, venue: str) -> dict | None:
    """One submission note with its structured reviews as direct replies; None without any."""
    replies = []
    for k, review in enumerate(paper.get("reviews") or []):
        found = sections(review.get("comments") or "") if not review.get("IS_META_REVIEW") else {}
        if len(found) == len(SECTIONS) and all(found.values()):
            rating = review.get("RECOMMENDATION")
            replies.append({"id": f"{paper['id']}-r{k}", "invitations": [f"{venue}/Submission1/-/Official_Review"],
                            "content": {**{f: {"value": t} for f, t in found.items()},
                                        "rating": {"value": rating}}})
    if not replies:
        return None
    return {"id": paper["id"], "forum": paper["id"], "domain": venue, "invitations": [f"{venue}/-/Submission"],
            "content": {"title": {"value": paper.get("title") or paper["id"]}}, "details": {"directReplies": replies}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--venue", default="NeurIPS.cc/2023/Conference")
    parser.add_argument("--max-papers", type=int, default=None)
    args = parser.parse_args()
    folder = args.out / args.venue.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    notes = [n for path in sorted(args.src.glob("*.json"))[: args.max_papers]
             if (n := note(json.loads(path.read_text(encoding="utf-8")), args.venue))]
    with (folder / "notes.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(n) + "\n" for n in notes)
    reviews = sum(len(n["details"]["directReplies"]) for n in notes)
    print(f"{len(notes)} papers, {reviews} structured reviews -> {folder / 'notes.jsonl'}")


if __name__ == "__main__":
    main()
