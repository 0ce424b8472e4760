"""Training rows, as a registry of formats: alpaca (single turn), sharegpt (multi-turn) and openai (OpenAI chat
fine-tuning JSONL, which LLaMA-Factory reads too).

A `RowFormat` holds all a format decides: which reviews go into a row (`plan`), the JSONL row (`row`), the
columns it registers in dataset_info.json, and the turns a model is given before it reviews (`conversation`,
what `make review` sends). Rows are planned before any paper text is loaded: a row's reviews and the turns
around them must fit the fixed review reserve, so the paper keeps the same budget, and the same prompt, in
every format and at review time. Every prompt text comes from `preprocess/core/prompts.py`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from preprocess.core import prompts
from preprocess.core.record import Paper, Review
from preprocess.core.target import render_target
from preprocess.prompt.tokenizer import Tokenizer

TURN_MARGIN = 20  # template tokens per extra user/assistant exchange ([INST] … [/INST] … </s>, re-merges)
UTF8_SLACK = 8  # a subword tokenizer gives at most one token per UTF-8 byte, plus a prefix marker or two

Per = Literal["review", "paper"]


@dataclass(frozen=True)
class FormatOptions:
    """What a built row looks like: `format` (a key of FORMATS), rows `per` review or paper, `target`
    four-part or raw, and whether the target ends with `Rating: N` / `Decision: Accept|Reject` lines."""

    format: str = "alpaca"
    per: Per = "review"
    target: Literal["four-part", "raw"] = "four-part"
    with_rating: bool = False
    with_decision: bool = False
    min_parts: int = 0  # drop targets with fewer non-empty parts (a raw target has none): `--min-parts 4`

    def __post_init__(self) -> None:
        if self.format not in FORMATS or self.per not in ("review", "paper"):
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
    route: str = "raw"  # how the four parts were found: fields, offline, llm (`targets`), or raw


@dataclass
class Conversation:
    """The turns before the review, as LLaMA-Factory's converters make them from a training row."""

    messages: list[dict[str, str]]
    system: str | None = None


def make_target(review: Review, four_part: str | None, paper: Paper, options: FormatOptions,
                route: str = "fields") -> Target:
    """The target text for a review, given its four-part form (None when it has none) and how it was found."""
    use_parts = options.target == "four-part" and four_part is not None
    body = (four_part if use_parts and four_part else review.body()).strip()
    text = render_target(body, review.rating if options.with_rating else None,
                         paper.decision if options.with_decision else "")
    return Target(review, body, text, use_parts, route=route if use_parts else "raw")


def fits_by_bytes(text: str, limit: int) -> bool:
    """Sure to fit without tokenizing: even one token per byte stays under `limit`."""
    return len(text.encode("utf-8")) + UTF8_SLACK <= limit


def count_targets(targets: list[Target], tok: Tokenizer, limit: int | None = None) -> None:
    """Fill `tokens` in one batched call; with `limit`, skip texts that fit by bytes alone (tokens stays -1)."""
    todo = [t for t in targets if t.tokens < 0 and (limit is None or not fits_by_bytes(t.text, limit))]
    if todo:
        for target, n in zip(todo, tok.count_many([t.text for t in todo]), strict=True):
            target.tokens = n


@dataclass(frozen=True)
class RowFormat:
    """One output format: how rows are planned and written, registered and turned into a prompt."""

    plan: Callable[[list[Target], Per, Tokenizer, int], list[list[Target]]]
    row: Callable[[Paper, str, list[Target]], dict[str, Any]]
    conversation: Callable[[str], Conversation]
    columns: dict[str, str]
    tags: dict[str, str] | None = None
    formatting: str | None = None  # LLaMA-Factory's name for the layout, when it is not the format's own

    def dataset_entry(self, name: str, file_name: str) -> dict[str, Any]:
        """The dataset_info.json entry (LLaMA-Factory resets any column or tag left out, so all are named)."""
        entry = {"file_name": file_name, "formatting": self.formatting or name, "columns": dict(self.columns)}
        return {**entry, "tags": dict(self.tags)} if self.tags else entry


def format_of(entry: dict[str, Any] | None) -> str | None:
    """Which of our formats wrote a dataset_info.json entry (openai files are registered as LLaMA-Factory's
    sharegpt, told apart by their tags); None when none did."""
    for name, fmt in FORMATS.items():
        if entry and fmt.dataset_entry(name, entry.get("file_name", "")) == entry:
            return name
    return None


def plan_rows(targets: list[Target], options: FormatOptions, tok: Tokenizer, reserve: int) -> list[list[Target]]:
    """Reviews per row, each row within `reserve` tokens; targets that fit no row are left out."""
    return FORMATS[options.format].plan(targets, options.per, tok, reserve)


def build_row(paper: Paper, paper_input: str, row: list[Target], options: FormatOptions) -> dict[str, Any]:
    """One JSONL row in the chosen format."""
    return FORMATS[options.format].row(paper, paper_input, row)


# --------------------------------------------------------------------------- alpaca


def _alpaca_plan(targets: list[Target], per: Per, tok: Tokenizer, reserve: int) -> list[list[Target]]:
    count_targets(targets, tok, reserve)
    fitting = [t for t in targets if t.tokens < 0 or t.tokens <= reserve]
    if per == "review":
        return [[t] for t in fitting]
    best = sorted(fitting, key=lambda t: (not t.four_part, -len(t.text)))  # four-part first, then longest
    return [best[:1]] if best else []


def _alpaca_row(paper: Paper, paper_input: str, row: list[Target]) -> dict[str, Any]:
    return {"instruction": prompts.REVIEW_INSTRUCTION, "input": paper_input, "output": row[0].text, "system": ""}


def _alpaca_conversation(paper_input: str) -> Conversation:
    """One user turn: instruction + "\\n" + paper (LLaMA-Factory's alpaca join)."""
    return Conversation([{"role": "user", "content": prompts.REVIEW_INSTRUCTION + "\n" + paper_input}])


# --------------------------------------------------------------------------- sharegpt


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


def _sharegpt_plan(targets: list[Target], per: Per, tok: Tokenizer, reserve: int) -> list[list[Target]]:
    count_targets(targets, tok)
    opening, more = scaffold_tokens(tok)
    if per == "review":
        return [[t] for t in targets if opening + t.tokens <= reserve]
    row: list[Target] = []
    used = opening
    for target in targets:
        cost = target.tokens + (more if row else 0)
        if used + cost <= reserve:
            row.append(target)
            used += cost
    return [row] if row else []


def _sharegpt_row(paper: Paper, paper_input: str, row: list[Target]) -> dict[str, Any]:
    turns = [("human", prompts.FIRST_TURN), ("gpt", prompts.FIRST_REPLY),
             ("human", prompts.PAPER_TURN.format(paper=paper_input)),
             ("gpt", prompts.REVIEW_REPLY.format(review=row[0].text))]
    for k, target in enumerate(row[1:]):
        turns += [("human", _follow_up(paper.forum, k)), ("gpt", prompts.MORE_REPLY.format(review=target.text))]
    return {"conversations": [{"from": who, "value": text} for who, text in turns],
            "system": prompts.REVIEW_INSTRUCTION}


def _sharegpt_conversation(paper_input: str) -> Conversation:
    """The instruction as system prompt and the opening turns of a row, up to the paper."""
    return Conversation([{"role": "user", "content": prompts.FIRST_TURN},
                         {"role": "assistant", "content": prompts.FIRST_REPLY},
                         {"role": "user", "content": prompts.PAPER_TURN.format(paper=paper_input)}],
                        prompts.REVIEW_INSTRUCTION)


# --------------------------------------------------------------------------- openai


def _openai_row(paper: Paper, paper_input: str, row: list[Target]) -> dict[str, Any]:
    """OpenAI's chat fine-tuning line: the instruction as system message, the paper, the review."""
    return {"messages": [{"role": "system", "content": prompts.REVIEW_INSTRUCTION},
                         {"role": "user", "content": paper_input},
                         {"role": "assistant", "content": row[0].text}]}


def _openai_conversation(paper_input: str) -> Conversation:
    return Conversation([{"role": "user", "content": paper_input}], prompts.REVIEW_INSTRUCTION)


FORMATS: dict[str, RowFormat] = {
    "alpaca": RowFormat(_alpaca_plan, _alpaca_row, _alpaca_conversation,
                        columns={"prompt": "instruction", "query": "input", "response": "output", "system": "system"}),
    "sharegpt": RowFormat(_sharegpt_plan, _sharegpt_row, _sharegpt_conversation,
                          columns={"messages": "conversations", "system": "system"},
                          tags={"role_tag": "from", "content_tag": "value", "user_tag": "human",
                                "assistant_tag": "gpt", "observation_tag": "observation",
                                "function_tag": "function_call", "system_tag": "system"}),
    # One review a row, like alpaca; the same file uploads to OpenAI and trains in LLaMA-Factory (its sharegpt
    # reader with OpenAI's role/content tags). The build fits it to --openai-model (`openai_ft.py`).
    "openai": RowFormat(_alpaca_plan, _openai_row, _openai_conversation, columns={"messages": "messages"},
                        tags={"role_tag": "role", "content_tag": "content", "user_tag": "user",
                              "assistant_tag": "assistant", "observation_tag": "tool",
                              "function_tag": "function_call", "system_tag": "system"},
                        formatting="sharegpt"),
}
