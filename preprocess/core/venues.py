"""Venue-year differences kept as data: which API a venue lives on, and what its fields are called.

Everything that differs between OpenReview venues and years is a row in a table here, never an `if`
in a parser. Add a venue by adding rows.
"""

from __future__ import annotations

import re
from typing import Any

# Venue id -> OpenReview API version. ICLR <= 2023 and NeurIPS <= 2022 were crawled through API v1
# (api.openreview.net); later years live on API v2 (api2.openreview.net).
KNOWN_VENUES: dict[str, str] = {
    **{f"ICLR.cc/{y}/Conference": "v1" for y in range(2018, 2024)},
    **{f"ICLR.cc/{y}/Conference": "v2" for y in range(2024, 2027)},
    **{f"NeurIPS.cc/{y}/Conference": "v1" for y in range(2021, 2023)},
    **{f"NeurIPS.cc/{y}/Conference": "v2" for y in range(2023, 2026)},
    **{f"ICML.cc/{y}/Conference": "v2" for y in range(2023, 2026)},
    "TMLR": "v2",
}

# How each API lists submissions and their replies.
API_LAYOUT: dict[str, dict[str, str]] = {
    "v1": {"submission": "{venue}/-/Blind_Submission", "details": "directReplies"},
    "v2": {"submission": "{venue}/-/Submission", "details": "replies"},
}

# Reply kinds (last segment of the reply's invitation). Anything else (Official_Comment,
# Public_Comment, Withdrawal, ...) is not a review.
REVIEW_KINDS = ("Official_Review", "Review")
META_REVIEW_KINDS = ("Meta_Review", "Metareview")
DECISION_KINDS = ("Decision", "Acceptance_Decision")
WITHDRAWAL_KINDS = ("Withdrawal", "Withdrawn_Submission", "Desk_Rejection", "Desk_Rejected_Submission")

# Review content keys, tried in order, per role. One row per role covers every venue-year we know:
# ICLR 2020-21 `review` free text; 2022 `summary_of_the_paper` + `main_review`; 2023
# `strength_and_weaknesses`; 2024+ `summary` / `strengths` / `weaknesses` / `questions`.
# NeurIPS 2022+ `limitations` reads as a reason for rejection; TMLR names its fields differently.
REVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "rating": ("rating", "recommendation", "overall_assessment", "overall_rating", "final_rating"),
    "confidence": ("confidence",),
    "summary": ("summary", "summary_of_the_paper", "summary_of_contributions", "paper_summary"),
    "strengths": ("strengths",),
    "weaknesses": ("weaknesses", "limitations"),
    "strengths_and_weaknesses": ("strength_and_weaknesses", "strengths_and_weaknesses", "main_review"),
    "questions": ("questions", "requested_changes", "questions_for_authors", "suggestions"),
    "review": ("review", "summary_of_the_review", "clarity,_quality,_novelty_and_reproducibility"),
}
META_REVIEW_FIELDS = ("metareview", "metareview:_summary,_strengths_and_weaknesses", "comment")
DECISION_FIELDS = ("decision", "recommendation")

# API v2 submissions say in their own `venueid` (or `venue`) content that they were withdrawn or
# desk-rejected, and, when no Decision reply was crawled, that they were rejected (an accepted paper's
# venueid is the bare venue id). Substrings, matched case-sensitively.
WITHDRAWN_MARKERS = ("Withdrawn", "Desk_Rejected", "Desk Rejected")
REJECTED_MARKERS = ("Rejected_Submission",)

# Rating scales by venue family and first year they applied (the latest row at or before a year wins).
RATING_SCALES: dict[str, list[tuple[int, tuple[int, ...]]]] = {
    "ICLR": [(2018, tuple(range(1, 11))), (2020, (1, 3, 6, 8)), (2021, tuple(range(1, 11))),
             (2022, (1, 3, 5, 6, 8, 10))],
    "NeurIPS": [(2021, tuple(range(1, 11)))],
    "ICML": [(2023, tuple(range(1, 11)))],
}
DEFAULT_SCALE: tuple[int, ...] = tuple(range(1, 11))

_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def venue_slug(venue_id: str) -> str:
    """`ICLR.cc/2024/Conference` -> `ICLR.cc_2024_Conference` (safe as one folder name)."""
    slug = _SLUG_BAD.sub("_", venue_id.replace("/", "_")).strip("._")
    if not slug:
        raise ValueError(f"venue id {venue_id!r} gives an empty folder name")
    return slug


def venue_family(venue_id: str) -> str:
    """`ICLR.cc/2024/Conference` -> `ICLR`."""
    return venue_id.split("/", 1)[0].split(".", 1)[0]


def venue_year(venue_id: str) -> int | None:
    """The four-digit year in a venue id, or None."""
    match = re.search(r"(?:^|/)((?:19|20)\d\d)(?:/|$)", venue_id)
    return int(match.group(1)) if match else None


def api_version(venue_id: str) -> str | None:
    """`v1`/`v2` for a venue in the table, else None (the crawler then detects it)."""
    return KNOWN_VENUES.get(venue_id)


def rating_scale(venue_id: str) -> tuple[int, ...]:
    """The rating values a venue-year used (for normalising and for reporting)."""
    rows, year = RATING_SCALES.get(venue_family(venue_id)), venue_year(venue_id)
    if not rows or year is None:
        return DEFAULT_SCALE
    chosen = [scale for first, scale in rows if first <= year]
    return chosen[-1] if chosen else rows[0][1]


def reply_kind(reply: dict[str, Any]) -> str:
    """Last segment of a reply's invitation: API v1 `invitation`, API v2 `invitations` (first match)."""
    invitations = reply.get("invitations") or [reply.get("invitation") or ""]
    kinds = [inv.rsplit("/", 1)[-1] for inv in invitations if inv]
    for kind in kinds:
        if kind not in ("Edit", "Post_Submission"):
            return kind
    return kinds[0] if kinds else ""


def content_value(content: dict[str, Any], key: str) -> Any:
    """A content field in either API shape: v1 plain value, v2 `{"value": ...}`."""
    value = content.get(key)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value
