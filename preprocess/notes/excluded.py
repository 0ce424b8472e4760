"""Nothing silently dropped: the review-form fields left out of the targets, per venue, each with its reason.

Every field a reviewer writes words into either reaches the target (`fields.REVIEW_FIELDS`) or is listed here.
A field that is neither is a warning naming the venue and the field (`unplaced_warnings`), once per crawl, with
the number of reviews that had it: add it to one table or the other. Scores ("3 good"), fixed choices ("Yes")
and empty values are not words and need no entry.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from preprocess.core import venues
from preprocess.notes.fields import ENUM_ANSWER, REVIEW_FIELDS

_ETHICS = ("ethics concerns go to the ethics reviewers and the area chair, not into the review of the science; "
           "a model trained on them would invent ethics findings")
_FLAG = "a fixed-choice flag or checkbox, not the reviewer's judgement of the paper"
_SELF = "the reviewer's account of how they reviewed, not a judgement of the paper"

# venue family (the start of the venue id; "*" for every venue) -> field -> why it is left out
EXCLUDED_FIELDS: dict[str, dict[str, str]] = {
    "*": {
        "flag_for_ethics_review": _FLAG, "ethics_flag": _FLAG, "needs_ethics_review": _FLAG,
        "ethical_review_flag": _FLAG, "ethics_review_flag": _FLAG, "code_of_conduct": _FLAG,
        "code_of_conduct_acknowledgement": _FLAG, "code_of_conduct_achnowledgement": _FLAG,
        "code_of_ethics": _FLAG, "responsible_reviewing_acknowledgement": _FLAG, "first_time_reviewer": _FLAG,
        "details_of_ethics_concerns": _ETHICS, "ethics_concerns": _ETHICS, "ethical_concerns": _ETHICS,
        "ethics_review_area": _ETHICS, "ethical_review_concerns": _ETHICS, "ethics_review_description": _ETHICS,
        "review_assessment:_thoroughness_in_paper_reading": _SELF,
        "review_assessment:_checking_correctness_of_derivations_and_theory": _SELF,
        "review_assessment:_checking_correctness_of_experiments": _SELF, "experience_assessment": _SELF,
        "supplementary_material": _SELF,
    },
    "ICML.cc": {"other_expertise": _SELF},
    "NeurIPS.cc": {"paper_formatting_concerns": "page limits, anonymity and template checks for the program "
                   "chairs, not the review of the science"},
    "TMLR": {"audience": "whether the work interests TMLR's readers: a fixed choice"},
}
_USED = {key for keys in REVIEW_FIELDS.values() for key in keys}
_SCORE = re.compile(r"^\s*-?\d")  # "3 good", "8: accept, good paper": a score, not words
MIN_WORDS = 3  # a value with fewer words is a label or a choice, not something the reviewer wrote


def excluded_reason(venue: str, key: str) -> str | None:
    """Why `key` is left out of `venue`'s targets, or None when it is not excluded."""
    for family in ("*", *(f for f in EXCLUDED_FIELDS if f != "*" and venue.startswith(f))):
        if key in EXCLUDED_FIELDS[family]:
            return EXCLUDED_FIELDS[family][key]
    return None


def _words(value: Any) -> bool:
    value = value.get("value") if isinstance(value, dict) else value
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if not isinstance(value, str) or _SCORE.match(value) or ENUM_ANSWER.fullmatch(value.strip()):
        return False
    return len(value.split()) >= MIN_WORDS


def unplaced_fields(note: dict[str, Any], venue: str) -> list[str]:
    """The fields of a submission's reviews that hold words but are neither used nor excluded (one per review)."""
    details = note.get("details") if isinstance(note.get("details"), dict) else {}
    replies = details.get("directReplies") or details.get("replies") or []
    out = []
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict) or venues.reply_kind(reply) not in venues.REVIEW_KINDS:
            continue
        content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
        out += [key for key, value in content.items()
                if key not in _USED and excluded_reason(venue, key) is None and _words(value)]
    return out


def unplaced_warnings(seen: Counter) -> list[str]:
    """One warning per (venue, field) counted in `seen`."""
    return [f"{venue}: review field {key!r} ({n} review(s)) holds the reviewer's words but is neither used for the "
            "targets (preprocess/notes/fields.py REVIEW_FIELDS) nor excluded with a reason "
            "(preprocess/notes/excluded.py EXCLUDED_FIELDS)" for (venue, key), n in sorted(seen.items())]
