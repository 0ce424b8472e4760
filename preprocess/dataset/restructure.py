"""Four-part targets (significance and novelty / acceptance / rejection / suggestions) from human reviews.

(a) Rule-based: structured fields (ICLR 2024+ summary/strengths/weaknesses/questions) and free text split on
headings like "Strengths:" (`HEADING_ROLES`). (b) LLM-based: any OpenAI-compatible endpoint through the one
client (`preprocess/core/llm.py`: concurrent, cached on disk); an answer is used only when all four part
headings are there with text under each (`preprocess/core/target.py`), else the caller falls back.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from preprocess.core import prompts
from preprocess.core.llm import ChatClient
from preprocess.core.record import Review
from preprocess.core.target import ROLES, canonical_parts, render_parts

log = logging.getLogger(__name__)


# Heading words reviewers use, per part. A heading is a line that starts with one (after optional markdown
# `#`/`**` or a number) and ends there or with a colon.
HEADING_ROLES: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "summary of the paper", "paper summary", "summary of contributions", "contributions",
                "significance", "novelty", "significance and novelty", "overview"),
    "strengths": ("strengths", "strength", "pros", "strong points", "positives", "reasons to accept",
                  "reasons for acceptance"),
    "weaknesses": ("weaknesses", "weakness", "cons", "weak points", "negatives", "concerns", "limitations",
                   "reasons to reject", "reasons for rejection"),
    "suggestions": ("questions", "questions for the authors", "questions and suggestions", "suggestions",
                    "suggestions for improvement", "requested changes", "minor comments", "detailed comments",
                    "typos"),
}
_ROLE_OF = {name: role for role, names in HEADING_ROLES.items() for name in names}
_HEADING = re.compile(  # "Strengths:", "## Weaknesses", "**Cons**", "*Strengths*" (ICLR 2022), "1. Questions"
    r"^[ \t]*(?:#+[ \t]*|\*\*?|__?)?[ \t]*(?:\d+[.)][ \t]*)?(" + "|".join(
        sorted((re.escape(n) for n in _ROLE_OF), key=len, reverse=True))
    + r")[ \t]*(?:\*\*?|__?)?[ \t]*(?::|：|$)[ \t]*(?:\*\*?|__?)?[ \t]*", re.IGNORECASE | re.MULTILINE)

# A heading word run into a line after a sentence ("... clear. Weaknesses: ..."), in combined fields.
_INLINE_HEADING = re.compile(r"(?<=[.!?)])[ \t]+(?=(?:strengths?|weakness(?:es)?|pros|cons|questions?|"
                             r"suggestions?|limitations)[ \t]*:)", re.IGNORECASE)

# The instruction sent with every review (kept beside the part names it spells out).
RESTRUCTURE_PROMPT = (
    "Rewrite the peer review below into exactly four sections, in this order, each starting with its "
    "markdown heading on a line of its own:\n"
    + "\n".join(prompts.PART_HEADING.format(part=p) for p in prompts.FOUR_PARTS)
    + "\nKeep the reviewer's own points, numbers and judgement; add nothing new. Under a section the review "
    "says nothing about, write \"None.\". Answer with the four sections only."
)


def split_headings(text: str) -> tuple[dict[str, str], str]:
    """Text under recognised headings, by role (repeated headings joined), and the text before any heading."""
    matches = list(_HEADING.finditer(text))
    parts: dict[str, list[str]] = {}
    for m, nxt in zip(matches, [*matches[1:], None][: len(matches)], strict=True):
        chunk = text[m.end(): nxt.start() if nxt else len(text)].strip()
        if chunk:
            parts.setdefault(_ROLE_OF[m.group(1).lower()], []).append(chunk)
    lead = text[: matches[0].start()].strip() if matches else text.strip()
    return {role: "\n\n".join(chunks) for role, chunks in parts.items()}, lead


@dataclass
class FieldParts:
    """A review's text by part as its fields and headings say, and the free text no heading claims."""

    parts: dict[str, list[str]]
    free: list[str]

    def joined(self, role: str) -> str:
        return "\n\n".join(t.strip() for t in self.parts[role] if t.strip())


def field_parts(review: Review) -> FieldParts:
    """Structured fields to their parts; combined and free-text fields split at their headings (also inline
    ones: "... well written. Weaknesses: ..."); what comes before any heading is free text."""
    parts = {"summary": [review.title, review.summary], "strengths": [review.strengths],
             "weaknesses": [review.weaknesses], "suggestions": [review.questions]}
    free = []
    for text in (review.strengths_and_weaknesses, review.text):
        found, lead = split_headings(_INLINE_HEADING.sub("\n", text))
        for role, chunk in found.items():
            parts[role].append(chunk)
        free.append(lead)
    parts["summary"].append(review.verdict)  # the reviewer's bottom line belongs with significance
    return FieldParts(parts, [f for f in free if f.strip()])


def rule_based(review: Review) -> str | None:
    """Four parts from fields and headings alone, free text counted as significance; None unless all four
    have text."""
    split = field_parts(review)
    split.parts["summary"] += split.free
    joined = [split.joined(role) for role in ROLES]
    return render_parts(joined) if all(joined) else None


@dataclass
class LLMRestructurer:
    """Restructure reviews through an OpenAI-compatible endpoint; `stats` counts requests, cache hits, valid
    and invalid answers and failed requests (only the non-zero ones)."""

    client: ChatClient
    prompt: str = RESTRUCTURE_PROMPT
    answers: Counter = field(default_factory=Counter)

    def messages(self, review: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.prompt}, {"role": "user", "content": review}]

    def restructure_many(self, reviews: Sequence[str]) -> list[str | None]:
        """The validated four-part text per review, in order; None where the answer lacked a part or the
        request failed (both logged and counted)."""
        out = []
        for reply in self.client.chat_many([self.messages(r) for r in reviews], skip_failures=True):
            parsed = canonical_parts(reply) if reply is not None else None
            if reply is not None:
                self.answers["valid" if parsed else "invalid"] += 1
                if parsed is None:
                    log.info("LLM answer lacks one of the four parts (%r...): falling back", reply[:60])
            out.append(parsed)
        return out

    @property
    def stats(self) -> Counter:
        counts = Counter({"requests": self.client.calls, "cache hits": self.client.cache_hits,
                          "errors": self.client.failures, **self.answers})
        return Counter({k: v for k, v in counts.items() if v})
