"""Raw OpenReview notes (API v1 or v2, as crawled) -> `Paper` records.

Venue-year differences come from the tables in `preprocess.core.venues`; this module only applies them.
Author responses, public comments and anything else that is not an official review are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from preprocess.core import venues
from preprocess.core.record import Decision, Paper, Review

_LEADING_INT = re.compile(r"^\s*(-?\d+)")


class NoteError(ValueError):
    """A note that cannot become a Paper (missing id, title, ...)."""


def leading_int(value: Any) -> int | None:
    """`"6: marginally above"` -> 6, `6` -> 6, `"3 good"` -> 3, anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    match = _LEADING_INT.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def decision_label(text: str) -> Decision:
    """The reference design's rule: 'accept' -> accepted, 'reject' -> rejected, else unknown."""
    lowered = (text or "").lower()
    if "accept" in lowered:
        return "accepted"
    if "reject" in lowered:
        return "rejected"
    return "unknown"


def _text(content: dict[str, Any], key: str) -> str:
    value = venues.content_value(content, key)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if value is None or isinstance(value, dict):
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _first(content: dict[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        value = venues.content_value(content, key)
        if value not in (None, "", []):
            return value
    return None


def _venue_of(note: dict[str, Any], default: str) -> str:
    if note.get("domain"):
        return note["domain"]
    for invitation in [note.get("invitation") or "", *(note.get("invitations") or [])]:
        if "/-/" in invitation:
            return invitation.split("/-/", 1)[0]
    return default


def _review(reply: dict[str, Any], scale: tuple[int, ...]) -> Review:
    content = reply.get("content") or {}
    fields = venues.REVIEW_FIELDS
    texts = {role: "\n\n".join(_text(content, k) for k in keys if _text(content, k))
             for role, keys in fields.items() if role not in ("rating", "confidence")}
    return Review(
        id=str(reply.get("id", "")),
        signature=(reply.get("signatures") or [""])[0],
        rating=leading_int(_first(content, fields["rating"])),
        rating_scale=scale,
        confidence=leading_int(_first(content, fields["confidence"])),
        summary=texts["summary"],
        strengths=texts["strengths"],
        weaknesses=texts["weaknesses"],
        strengths_and_weaknesses=texts["strengths_and_weaknesses"],
        questions=texts["questions"],
        text=texts["review"],
    )


def _decision_from_venueid(venueid: str, venue: str) -> str:
    """API v2 without a crawled Decision reply: `.../Rejected_Submission` -> Reject, the bare venue -> Accept."""
    if any(marker in venueid for marker in venues.REJECTED_MARKERS):
        return "Reject"
    return "Accept" if venueid and venueid == venue else ""


def normalize_note(note: dict[str, Any], venue: str = "") -> Paper:
    """One raw submission note with its replies (`directReplies` or `replies`) -> Paper."""
    if not isinstance(note, dict):
        raise NoteError(f"a note must be a JSON object, got {type(note).__name__}")
    forum = note.get("forum") or note.get("id")
    content = note.get("content") if isinstance(note.get("content"), dict) else {}
    title = _text(content, "title")
    if not forum or not title:
        raise NoteError(f"note {note.get('id')!r} has no {'forum id' if not forum else 'title'}")
    venue = _venue_of(note, venue)
    api = "v2" if "invitations" in note or "domain" in note else "v1"
    details = note.get("details") if isinstance(note.get("details"), dict) else {}
    replies = details.get("directReplies") or details.get("replies") or []
    scale = venues.rating_scale(venue)
    keywords = venues.content_value(content, "keywords") or []
    if isinstance(keywords, str):  # some venues store "a, b, c"
        keywords = keywords.split(",")

    paper = Paper(
        forum=str(forum), venue=venue, year=venues.venue_year(venue), api=api, title=title,
        abstract=_text(content, "abstract"),
        keywords=[str(k).strip() for k in keywords if str(k).strip()],
        tldr=_text(content, "TL;DR") or _text(content, "TLDR"),
    )
    venueid = _text(content, "venueid")
    paper.withdrawn = any(m in f"{venueid} {_text(content, 'venue')}" for m in venues.WITHDRAWN_MARKERS)
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        kind = venues.reply_kind(reply)
        reply_content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
        if kind in venues.REVIEW_KINDS:
            paper.reviews.append(_review({**reply, "content": reply_content}, scale))
        elif kind in venues.META_REVIEW_KINDS:
            paper.meta_review = _text(reply_content, next(
                (k for k in venues.META_REVIEW_FIELDS if _text(reply_content, k)), "metareview"))
            if not paper.decision_text:  # ICLR 2019-style: the meta-review carries the decision
                paper.decision_text = _text(reply_content, "recommendation")
        elif kind in venues.DECISION_KINDS:
            paper.decision_text = _text(reply_content, next(
                (k for k in venues.DECISION_FIELDS if _text(reply_content, k)), "decision"))
        elif kind in venues.WITHDRAWAL_KINDS:
            paper.withdrawn = True
    paper.decision_text = paper.decision_text or _decision_from_venueid(venueid, venue)
    paper.decision = decision_label(paper.decision_text)
    return paper
