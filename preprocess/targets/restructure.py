"""Four-part targets (significance and novelty / acceptance / rejection / suggestions) from human reviews.

(a) Rule-based: structured fields (ICLR 2024+ summary/strengths/weaknesses/questions) and free text split
on the reviewers' own headings (`headings.HEADINGS`, a table). (b) LLM-based: any OpenAI-compatible endpoint
through the one client (`preprocess/core/llm.py`: concurrent, cached on disk); an answer is used only when all four part
headings are there with text under each (`preprocess/core/target.py`), else the caller falls back.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from preprocess.core import prompts
from preprocess.core.llm import ChatClient
from preprocess.core.record import Review
from preprocess.core.target import ROLES, canonical_parts, render_parts
from preprocess.notes.fields import NO_CONCERN
from preprocess.targets.headings import Chunk, chunks, split_markers

log = logging.getLogger(__name__)


# The instruction sent with every review (kept beside the part names it spells out).
RESTRUCTURE_PROMPT = (
    "Rewrite the peer review below into exactly four sections, in this order, each starting with its "
    "markdown heading on a line of its own:\n"
    + "\n".join(prompts.PART_HEADING.format(part=p) for p in prompts.FOUR_PARTS)
    + "\nKeep the reviewer's own points, numbers and judgement; add nothing new. Under a section the review "
    "says nothing about, write \"None.\". Answer with the four sections only."
)


def split_headings(text: str) -> tuple[dict[str, str], str]:
    """Text under headings of one part, by part (repeated headings joined), and the rest (text before any
    heading, under a combined heading, or past a summary's paragraph), joined."""
    parts: dict[str, list[str]] = {}
    rest = []
    for chunk in (c for whole in chunks(text) for c in split_markers(whole)):
        if len(chunk.roles) == 1:
            parts.setdefault(chunk.roles[0], []).append(chunk.text)
        else:
            rest.append(chunk.text)
    return {role: "\n\n".join(texts) for role, texts in parts.items()}, "\n\n".join(rest)


@dataclass
class FieldParts:
    """A review's text by part as its fields and headings say, and the chunks no single part claims (each with
    the parts it may go to: the classifier chooses among them)."""

    parts: dict[str, list[str]]
    free: list[Chunk]

    def joined(self, role: str) -> str:
        return "\n\n".join(t.strip() for t in self.parts[role] if t.strip())


def field_parts(review: Review) -> FieldParts:
    """Structured fields to their parts; combined and free-text fields cut at their headings (`headings`:
    also inline ones, "... well written. Weaknesses: ..."), `+`/`-` items split; an answer that raises no
    concern ("limitations adequately addressed") is not a reason for rejection."""
    weak, fine = _concerns(review.weaknesses)
    parts = {"summary": [review.title, review.summary], "strengths": [review.strengths, *fine],
             "weaknesses": weak, "suggestions": [review.questions]}
    free = []
    for text, lead in ((review.strengths_and_weaknesses, ("strengths", "weaknesses", "suggestions")),
                       (review.text, ROLES)):
        for chunk in (c for whole in chunks(text, lead) for c in split_markers(whole)):
            if len(chunk.roles) == 1:
                parts[chunk.roles[0]].append(chunk.text)
            else:
                free.append(chunk)
    parts["summary"].append(review.verdict)  # the reviewer's bottom line belongs with significance
    return FieldParts(parts, free)


def _concerns(text: str) -> tuple[list[str], list[str]]:
    """A weaknesses text's paragraphs: those that raise a concern, and answers that say there is none."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return [p for p in paragraphs if not NO_CONCERN.search(p)], [p for p in paragraphs if NO_CONCERN.search(p)]


def rule_based(review: Review) -> str | None:
    """Four parts from fields and headings alone, free text counted as significance; None unless all four
    have text."""
    split = field_parts(review)
    split.parts["summary"] += [c.text for c in split.free]
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
