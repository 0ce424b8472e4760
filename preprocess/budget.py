"""Fit a paper into a token budget by section, with the target model's tokenizer.

Order of sacrifice: acknowledgements and appendix go first (references never enter the text), then the
longest sections are trimmed to a common cap (water-filling), keeping the introduction (first section)
and the conclusion whole as long as anything else can give. LLaMA-Factory's own tail cut is never
relied on: it would drop the conclusion and, at worst, the template's assistant header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from preprocess import prompts
from preprocess.layout import paper_text
from preprocess.record import Paper, Section

TEMPLATE_MARGIN = 32  # chat-template tokens around instruction, paper and review ([INST], BOS, EOS, ...)
MIN_PAPER_TOKENS = 64  # a budget below this would teach reviewing a title alone

_CONCLUSION = re.compile(r"conclusion|concluding|discussion|summary", re.IGNORECASE)


class Tokenizer:
    """Thin wrapper: token count and a token-exact prefix cut, for any HF fast tokenizer."""

    def __init__(self, hf_tokenizer) -> None:
        self.hf = hf_tokenizer

    def count(self, text: str) -> int:
        return len(self.hf(text, add_special_tokens=False)["input_ids"])

    def cut(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` of at most `max_tokens` tokens, ended at a word boundary."""
        if max_tokens <= 0:
            return ""
        offsets = self.hf(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        if len(offsets) <= max_tokens:
            return text
        prefix = text[: offsets[max_tokens - 1][1]]
        space = prefix.rfind(" ")
        return (prefix[:space] if space > len(prefix) // 2 else prefix).rstrip()


def load_tokenizer(name_or_path: str) -> Tokenizer:
    """The model's own (fast) tokenizer, loaded offline-first."""
    from transformers import AutoTokenizer

    return Tokenizer(AutoTokenizer.from_pretrained(name_or_path, use_fast=True, trust_remote_code=True))


def _water_cap(lengths: list[int], target: int) -> int:
    """Largest cap L with sum(min(length, L)) <= target."""
    lo, hi = 0, max(lengths, default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= target:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _trim(sections: list[Section], idx: list[int], target: int, tok: Tokenizer) -> list[Section]:
    lengths = [tok.count(sections[i].text) for i in idx]
    cap = _water_cap(lengths, max(target, 0))
    out = list(sections)
    for i, n in zip(idx, lengths, strict=True):
        if n > cap:
            out[i] = replace(sections[i], text=tok.cut(sections[i].text, cap))
    return out


def fit_sections(paper: Paper, tok: Tokenizer, budget: int,
                 count: Callable[[str], int] | None = None) -> tuple[list[Section], int]:
    """Sections of `paper` whose laid-out text fits `budget` tokens; returns them and the final count."""
    count = count or tok.count
    body = [s for s in paper.sections if s.kind == "body"] or list(paper.sections)
    used = count(paper_text(paper, body))
    if used <= budget:
        return body, used
    protected = {0} | {i for i, s in enumerate(body) if i == len(body) - 1 and _CONCLUSION.search(s.heading)}
    for group in ([i for i in range(len(body)) if i not in protected], list(range(len(body)))):
        for _ in range(4):  # re-measure: joins and word-boundary cuts shift counts a little
            if not group or used <= budget:
                break
            fixed = used - sum(tok.count(body[i].text) for i in group)
            body = _trim(body, group, budget - fixed - 4 * len(group), tok)
            used = count(paper_text(paper, body))
    body = [s for s in body if s.text.strip()]
    return body, count(paper_text(paper, body))


def default_review_tokens(cutoff: int) -> int:
    """Tokens kept free for the review when none is given: a third of the context."""
    return cutoff // 3


def paper_budget(tok: Tokenizer, cutoff: int, review_tokens: int) -> int:
    """Tokens the laid-out paper may use: the context less instruction, template and the review reserve.

    The reserve is fixed (not the target review's length) so a paper gets the same prompt in training
    and at review time.
    """
    return cutoff - tok.count(prompts.REVIEW_INSTRUCTION) - TEMPLATE_MARGIN - review_tokens


def fit_paper(paper: Paper, tok: Tokenizer, cutoff: int, review_tokens: int) -> tuple[str, int]:
    """The model input for `paper` (laid out, fitted to its budget) and its token count."""
    sections, used = fit_sections(paper, tok, paper_budget(tok, cutoff, review_tokens))
    return paper_text(paper, sections), used
