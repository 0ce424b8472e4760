"""Raw OpenReview notes (API v1 or v2, as crawled) -> `Paper` records.

Venue-year differences are data: field roles in `fields`, decision sources in `decisions`, rating and confidence
scales in `scales` (the build resolves a venue's scale from its invitations and notes; here a review gets the
table's). Author responses, public comments and anything else that is not an official review are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from preprocess.core import venues
from preprocess.core.record import Paper, Review
from preprocess.notes import decisions, scales
from preprocess.notes.fields import DECISION_FIELDS, ENUM_ANSWER, GENERIC_TITLE, META_REVIEW_FIELDS, REVIEW_FIELDS
from preprocess.notes.text import repair

_LEADING_INT = re.compile(r"^\s*(-?\d+)")
TEXT_ROLES = tuple(role for role in REVIEW_FIELDS if role not in ("rating", "confidence"))


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


def _text(content: dict[str, Any], key: str) -> str:
    value = venues.content_value(content, key)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if value is None or isinstance(value, dict):
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _role_text(content: dict[str, Any], keys: Iterable[str]) -> str:
    """Every key of a role that holds words (not a fixed-choice answer such as "Yes"), joined."""
    texts = [t for k in keys if (t := _text(content, k)) and not ENUM_ANSWER.fullmatch(t)]
    return "\n\n".join(texts)


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
    texts = {role: _role_text(content, REVIEW_FIELDS[role]) for role in TEXT_ROLES}
    if GENERIC_TITLE.fullmatch(texts["title"]):
        texts["title"] = ""
    raw_rating, raw_confidence = _first(content, REVIEW_FIELDS["rating"]), _first(content, REVIEW_FIELDS["confidence"])
    return Review(id=str(reply.get("id", "")), signature=(reply.get("signatures") or [""])[0],
                  rating=leading_int(raw_rating), rating_scale=scale, confidence=leading_int(raw_confidence),
                  raw_rating=raw_rating, raw_confidence=raw_confidence, **texts)


def _first_text(content: dict[str, Any], keys: Iterable[str]) -> str:
    return next((t for k in keys if (t := _text(content, k))), "")


def _paper(note: dict[str, Any], venue: str) -> Paper:
    """The submission itself, without replies; raises NoteError without an id or a title."""
    forum = note.get("forum") or note.get("id")
    content = note.get("content") if isinstance(note.get("content"), dict) else {}
    title = repair(_text(content, "title"))
    if not forum or not title:
        raise NoteError(f"note {note.get('id')!r} has no {'forum id' if not forum else 'title'}")
    venue = _venue_of(note, venue)
    keywords = venues.content_value(content, "keywords") or []
    if isinstance(keywords, str):  # some venues store "a, b, c"
        keywords = keywords.split(",")
    return Paper(forum=str(forum), venue=venue, year=venues.venue_year(venue),
                 api="v2" if "invitations" in note or "domain" in note else "v1", title=title,
                 abstract=repair(_text(content, "abstract")),
                 keywords=[repair(str(k).strip()) for k in keywords if str(k).strip()],
                 tldr=repair(_text(content, "TL;DR") or _text(content, "TLDR")))


def normalize_note(note: dict[str, Any], venue: str = "") -> Paper:
    """One raw submission note with its replies (`directReplies` or `replies`) -> Paper."""
    if not isinstance(note, dict):
        raise NoteError(f"a note must be a JSON object, got {type(note).__name__}")
    paper = _paper(note, venue)
    content = note.get("content") if isinstance(note.get("content"), dict) else {}
    details = note.get("details") if isinstance(note.get("details"), dict) else {}
    replies = details.get("directReplies") or details.get("replies") or []
    scale = scales.from_table(paper.venue, "rating") or scales.DEFAULT  # the build refines it from the data
    decision_text = recommendation = meta_in_decision = ""
    withdrawn = False
    replies = replies if isinstance(replies, list) else []
    paper.replies = len(replies)
    for reply in replies:
        if not isinstance(reply, dict):
            continue
        kind = venues.reply_kind(reply)
        reply_content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
        if kind in venues.REVIEW_KINDS:
            paper.reviews.append(_review({**reply, "content": reply_content}, scale))
        elif kind in venues.META_REVIEW_KINDS:
            paper.meta_review = repair(_first_text(reply_content, META_REVIEW_FIELDS))
            recommendation = _text(reply_content, "recommendation")
        elif kind in venues.DECISION_KINDS:
            decision_text = _first_text(reply_content, DECISION_FIELDS)
            meta_in_decision = repair(_first_text(reply_content, META_REVIEW_FIELDS))  # ICLR 2020-2023's AC text
        elif kind in venues.WITHDRAWAL_KINDS:
            withdrawn = True
    paper.meta_review = paper.meta_review or meta_in_decision
    verdict = decisions.decide(decision_text, recommendation, _text(content, "venueid"), _text(content, "venue"),
                               paper.venue)
    paper.decision, paper.decision_text = verdict.decision, verdict.text
    paper.withdrawn = withdrawn or verdict.withdrawn
    return paper
