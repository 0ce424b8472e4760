"""Venue identity kept as data: which API a venue lives on, how its submissions and replies are named.

Everything that differs between OpenReview venues and years is a row in a table, never an `if` in a parser:
here for the crawl and the reply kinds; field roles, scales and decision sources in `preprocess/notes/`.
"""

from __future__ import annotations

import re
from typing import Any

# Venue id -> OpenReview API version. ICLR <= 2023 and NeurIPS <= 2022 were crawled through API v1
# (api.openreview.net); later years live on API v2 (api2.openreview.net). ICLR 2017's id is lower-case.
KNOWN_VENUES: dict[str, str] = {
    "ICLR.cc/2017/conference": "v1",
    **{f"ICLR.cc/{y}/Conference": "v1" for y in range(2018, 2024)},
    **{f"ICLR.cc/{y}/Conference": "v2" for y in range(2024, 2027)},
    **{f"NeurIPS.cc/{y}/Conference": "v1" for y in range(2021, 2023)},
    **{f"NeurIPS.cc/{y}/Conference": "v2" for y in range(2023, 2026)},
    **{f"ICML.cc/{y}/Conference": "v2" for y in range(2023, 2026)},
    "TMLR": "v2",
}

# How each API lists submissions and their replies; a venue with its own submission invitation overrides it.
API_LAYOUT: dict[str, dict[str, str]] = {
    "v1": {"submission": "{venue}/-/Blind_Submission", "details": "directReplies"},
    "v2": {"submission": "{venue}/-/Submission", "details": "replies"},
}
SUBMISSION_INVITATIONS = {"ICLR.cc/2017/conference": "ICLR.cc/2017/conference/-/submission"}

# Reply kinds (last segment of the reply's invitation, compared without case: ICLR 2017 wrote
# `.../-/paper12/official/review`). Anything else (Official_Comment, Public_Comment, ...) is not a review.
REVIEW_KINDS = ("official_review", "review")
META_REVIEW_KINDS = ("meta_review", "metareview")
DECISION_KINDS = ("decision", "acceptance_decision", "acceptance")
WITHDRAWAL_KINDS = ("withdrawal", "withdrawn_submission", "desk_rejection", "desk_rejected_submission")

# Venues that public datasets hold beyond OpenReview's, with the scales their review forms documented:
# family -> field -> [(first year, scale)], read by `preprocess/notes/scales.py` with its own table. PeerRead
# (Kang et al., NAACL 2018, section 2 and `data/acl_2017`, `data/conll_2016`): ACL 2017 and CoNLL 2016 reviewers
# gave an overall recommendation and their confidence on 1-5, beside 1-5 aspect scores (ORIGINALITY, CLARITY,
# SOUNDNESS_CORRECTNESS, SUBSTANCE, IMPACT, MEANINGFUL_COMPARISON, APPROPRIATENESS, REPLICABILITY).
ONE_TO_FIVE = (1, 2, 3, 4, 5)
SOURCE_VENUE_SCALES: dict[str, dict[str, list[tuple[int, tuple[int, ...]]]]] = {
    "ACL": {"rating": [(2017, ONE_TO_FIVE)], "confidence": [(2017, ONE_TO_FIVE)]},
    "CoNLL": {"rating": [(2016, ONE_TO_FIVE)], "confidence": [(2016, ONE_TO_FIVE)]},
}
ASPECT_SCALE = ONE_TO_FIVE  # PeerRead's aspect scores, every section that has them

# Public datasets name venues by folder or column ("ICLR_2017", "NIPS_2018", "ICLR_2024"): the venue ids above,
# spelt as `KNOWN_VENUES` spells them (ICLR 2017's lower-case `conference` lives there only).
_DATASET_VENUE = re.compile(r"^(ICLR|NIPS|NeurIPS)[ _-]?((?:19|20)\d\d)$", re.IGNORECASE)
_DATASET_VENUE_IDS = {"iclr": "ICLR.cc/{year}/Conference", "nips": "NeurIPS.cc/{year}/Conference",
                      "neurips": "NeurIPS.cc/{year}/Conference"}
_KNOWN_SPELLING = {venue.lower(): venue for venue in KNOWN_VENUES}

_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def venue_slug(venue_id: str) -> str:
    """`ICLR.cc/2024/Conference` -> `ICLR.cc_2024_Conference` (safe as one folder name)."""
    slug = _SLUG_BAD.sub("_", venue_id.replace("/", "_")).strip("._")
    if not slug:
        raise ValueError(f"venue id {venue_id!r} gives an empty folder name")
    return slug


def venue_family(venue_id: str) -> str:
    """`ICLR.cc/2024/Conference` -> `ICLR`; a dataset's name for a venue, `ACL 2017` or `CoNLL_2016`, -> `ACL`."""
    return re.split(r"[/. _-]", venue_id.strip(), maxsplit=1)[0]


def venue_year(venue_id: str) -> int | None:
    """The four-digit year in a venue id (`ICLR.cc/2024/Conference`) or a dataset's name for one (`ACL 2017`,
    `CoNLL_2016`), or None."""
    match = re.search(r"(?:^|[/ _-])((?:19|20)\d\d)(?:[/ _-]|$)", venue_id.strip())
    return int(match.group(1)) if match else None


def venue_id(name: str) -> str:
    """A dataset's name for a venue as its OpenReview id: `ICLR_2018` -> `ICLR.cc/2018/Conference`, `ICLR 2017` ->
    `ICLR.cc/2017/conference` (the table's spelling); a name of no known pattern as given."""
    match = _DATASET_VENUE.match(name.strip())
    if not match:
        return name
    vid = _DATASET_VENUE_IDS[match.group(1).lower()].format(year=match.group(2))
    return _KNOWN_SPELLING.get(vid.lower(), vid)


def api_version(venue_id: str) -> str | None:
    """`v1`/`v2` for a venue in the table, else None (the crawler then detects it)."""
    return KNOWN_VENUES.get(venue_id)


def reply_kind(reply: dict[str, Any]) -> str:
    """Last segment of a reply's invitation, lower-case: API v1 `invitation`, API v2 `invitations` (first match)."""
    invitations = reply.get("invitations") or [reply.get("invitation") or ""]
    kinds = [inv.rsplit("/", 1)[-1].lower() for inv in invitations if inv]
    for kind in kinds:
        if kind not in ("edit", "post_submission"):
            return kind
    return kinds[0] if kinds else ""


def submission_invitation(venue_id: str, api: str) -> str:
    """The invitation a venue's submissions were posted to."""
    return SUBMISSION_INVITATIONS.get(venue_id) or API_LAYOUT[api]["submission"].format(venue=venue_id)


def content_value(content: dict[str, Any], key: str) -> Any:
    """A content field in either API shape: v1 plain value, v2 `{"value": ...}`."""
    value = content.get(key)
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value
