"""A paper's decision, from every place it lives, as data: the Decision reply, the meta-review's
recommendation, the submission's `venueid` and its `venue` string.

    Decision reply   "Accept (Poster)", "Accept: notable-top-25%", "Reject", "Invite to Workshop Track"
    meta-review      "Accept (Oral)" (ICLR 2019-style: the meta-review carries the decision)
    venueid          "ICLR.cc/2024/Conference" (accepted), ".../Rejected_Submission", ".../Withdrawn_Submission"
    venue            "NeurIPS 2024 oral", "ICLR 2025 Poster", "ICML 2025 spotlightposter", "Accepted by TMLR"

The first source that says something wins, in the order above. "Submitted to ICLR 2025" says nothing: the
same string stands on a rejected paper and on one still under review (its venueid tells them apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from preprocess.core.record import Decision

# (pattern, label) tried in order on a decision text, a recommendation or a venue string; first match wins.
PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.IGNORECASE), label) for p, label in (
    (r"withdrawn|desk[ _-]?reject", "withdrawn"),
    (r"\baccept", "accepted"),  # "Accept (Poster)", "Accept: notable-top-25%", "Accepted by TMLR"
    (r"\breject|invite to workshop", "rejected"),  # ICLR 2018: workshop invitations were main-track rejections
    (r"\b(?:oral|spotlight|poster)", "accepted"),  # venue strings of accepted papers: "NeurIPS 2024 oral"
))
# venueid suffixes (API v2): an accepted paper's venueid is the bare venue id.
VENUEID_SUFFIXES = {"Rejected_Submission": "rejected", "Withdrawn_Submission": "withdrawn",
                    "Desk_Rejected_Submission": "withdrawn"}


@dataclass(frozen=True)
class Verdict:
    """The decision, the text it was read from, where that text was, and whether the paper was withdrawn."""

    decision: Decision = "unknown"
    text: str = ""
    source: str = ""  # decision | meta_review | venueid | venue
    withdrawn: bool = False


def label(text: str) -> str | None:
    """accepted / rejected / withdrawn for a decision-like text, None when it says none of these."""
    for pattern, name in PATTERNS:
        if pattern.search(text or ""):
            return name
    return None


def venueid_label(venueid: str, venue: str) -> str | None:
    """What an API v2 `venueid` says: the bare venue id is an acceptance, a suffix names the rest."""
    if venueid and venueid == venue:
        return "accepted"
    return next((name for suffix, name in VENUEID_SUFFIXES.items() if venueid.endswith("/" + suffix)), None)


def decide(decision_text: str, recommendation: str, venueid: str, venue_string: str, venue: str) -> Verdict:
    """The first source that says something, in the order of the module docstring."""
    sources = (("decision", decision_text, label(decision_text)),
               ("meta_review", recommendation, label(recommendation)),
               ("venueid", venueid, venueid_label(venueid, venue)),
               ("venue", venue_string, label(venue_string)))
    withdrawn = any(name == "withdrawn" for _, _, name in sources)
    for source, text, name in sources:
        if name in ("accepted", "rejected"):
            return Verdict(name, text, source, withdrawn)  # type: ignore[arg-type]
    return Verdict("unknown", decision_text or recommendation, "", withdrawn)
