"""Training rows for LLaMA-Factory: alpaca single-turn and sharegpt multi-turn, one per review or per paper.

Which reviews go into which row is planned before any paper text is loaded (`plan_rows`): a row's reviews and
the turns around them must fit the fixed review reserve, so the paper keeps the same budget, and the same
prompt, in every format and at review time. Every prompt text comes from `preprocess.prompts`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Literal

from preprocess import prompts
from preprocess.budget import Tokenizer
from preprocess.record import Paper, Review

TURN_MARGIN = 20  # template tokens per extra user/assistant exchange ([INST] … [/INST] … </s>, re-merges)
UTF8_SLACK = 8  # a subword tokenizer gives at most one token per UTF-8 byte, plus a prefix marker or two

Format = Literal["alpaca", "sharegpt"]
Per = Literal["review", "paper"]


@dataclass(frozen=True)
class FormatOptions:
    """What a built row looks like: `format`, rows `per` review or paper, `target` four-part or raw, and
    whether the target ends with `Rating: N` / `Decision: Accept|Reject` lines."""

    format: Format = "alpaca"
    per: Per = "review"
    target: Literal["four-part", "raw"] = "four-part"
    with_rating: bool = False
    with_decision: bool = False

    def __post_init__(self) -> None:
        if self.format not in ("alpaca", "sharegpt") or self.per not in ("review", "paper"):
            raise ValueError(f"unknown format/per {self.format!r}/{self.per!r}")
        if self.target not in ("four-part", "raw"):
            raise ValueError(f"unknown target {self.target!r}: choose four-part or raw")


@dataclass
class Target:
    """One human review as a training target: `body` (four-part or as written) and the full `text`."""

    review: Review
    body: str
    text: str
    four_part: bool
    tokens: int = -1  # exact count of `text`, filled by `count_targets` when needed


DECISION_WORD = {"accepted": "Accept", "rejected": "Reject"}


def make_target(review: Review, four_part: str | None, paper: Paper, options: FormatOptions) -> Target:
    """The target text for a review, given its four-part form (None when it has none)."""
    use_parts = options.target == "four-part" and four_part is not None
    body = (four_part if use_parts and four_part else review.body()).strip()
    tail = []
    if options.with_rating and review.rating is not None:
        tail.append(f"Rating: {review.rating}")
    if options.with_decision and paper.decision in DECISION_WORD:
        tail.append(f"Decision: {DECISION_WORD[paper.decision]}")
    return Target(review, body, body + ("\n\n" + "\n".join(tail) if tail else ""), use_parts)


def fits_by_bytes(text: str, limit: int) -> bool:
    """Sure to fit without tokenizing: even one token per byte stays under `limit`."""
    return len(text.encode("utf-8")) + UTF8_SLACK <= limit


def count_targets(targets: list[Target], tok: Tokenizer, limit: int | None = None) -> None:
    """Fill `tokens` in one batched call; with `limit`, skip texts that fit by bytes alone (tokens stays -1)."""
    todo = [t for t in targets if t.tokens < 0 and (limit is None or not fits_by_bytes(t.text, limit))]
    if todo:
        for target, n in zip(todo, tok.count_many([t.text for t in todo]), strict=True):
            target.tokens = n


def _follow_up(forum: str, k: int) -> str:
    return prompts.MORE_TURNS[(zlib.crc32(forum.encode("utf-8")) + k) % len(prompts.MORE_TURNS)]


def _prefix(template: str, key: str) -> str:
    return template.replace("{" + key + "}", "")


def scaffold_tokens(tok: Tokenizer) -> tuple[int, int]:
    """Tokens a sharegpt row spends beyond alpaca's: (opening turns, each further review without its text)."""
    opening = (tok.count(prompts.FIRST_TURN) + tok.count(prompts.FIRST_REPLY)
               + tok.count(_prefix(prompts.PAPER_TURN, "paper")) + tok.count(_prefix(prompts.REVIEW_REPLY, "review"))
               + 2 * TURN_MARGIN)
    more = max(tok.count(t) for t in prompts.MORE_TURNS) + tok.count(_prefix(prompts.MORE_REPLY, "review"))
    return opening, more + TURN_MARGIN


def plan_rows(targets: list[Target], options: FormatOptions, tok: Tokenizer, reserve: int) -> list[list[Target]]:
    """Reviews per row, each row within `reserve` tokens; targets that fit no row are left out."""
    if options.format == "alpaca":
        count_targets(targets, tok, reserve)
        fitting = [t for t in targets if t.tokens < 0 or t.tokens <= reserve]
        if options.per == "review":
            return [[t] for t in fitting]
        best = sorted(fitting, key=lambda t: (not t.four_part, -len(t.text)))  # four-part first, then longest
        return [best[:1]] if best else []
    count_targets(targets, tok)
    opening, more = scaffold_tokens(tok)
    if options.per == "review":
        return [[t] for t in targets if opening + t.tokens <= reserve]
    row: list[Target] = []
    used = opening
    for target in targets:
        cost = target.tokens + (more if row else 0)
        if used + cost <= reserve:
            row.append(target)
            used += cost
    return [row] if row else []


def build_row(paper: Paper, paper_input: str, row: list[Target], options: FormatOptions) -> dict[str, Any]:
    """One JSONL row in the chosen format."""
    if options.format == "alpaca":
        return {"instruction": prompts.REVIEW_INSTRUCTION, "input": paper_input, "output": row[0].text,
                "system": ""}
    turns = [("human", prompts.FIRST_TURN), ("gpt", prompts.FIRST_REPLY),
             ("human", prompts.PAPER_TURN.format(paper=paper_input)),
             ("gpt", prompts.REVIEW_REPLY.format(review=row[0].text))]
    for k, target in enumerate(row[1:]):
        turns += [("human", _follow_up(paper.forum, k)), ("gpt", prompts.MORE_REPLY.format(review=target.text))]
    return {"conversations": [{"from": who, "value": text} for who, text in turns],
            "system": prompts.REVIEW_INSTRUCTION}


def build_refs(paper: Paper, row: list[Target], all_targets: list[Target]) -> dict[str, Any]:
    """The sidecar line for a test row: the paper, the review the row's last answer is, all human reviews."""
    return {"forum": paper.forum, "venue": paper.venue, "year": paper.year, "title": paper.title,
            "decision": paper.decision, "rating_scale": list(row[-1].review.rating_scale),
            "target_review_id": row[-1].review.id,
            "reviews": [{"id": t.review.id, "rating": t.review.rating, "confidence": t.review.confidence,
                         "text": t.body} for t in all_targets]}
