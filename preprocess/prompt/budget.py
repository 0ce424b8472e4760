"""Fit a paper into a token budget by section, with the target model's tokenizer.

Order of sacrifice: acknowledgements and appendix go first (references never enter the text), then the
longest sections are trimmed to a common cap (water-filling), keeping the introduction (first section)
and the conclusion whole as long as anything else can give. LLaMA-Factory's own tail cut is never
relied on: it would drop the conclusion and, at worst, the template's assistant header.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import replace

from preprocess.core import prompts
from preprocess.core.record import Paper, Section, body_sections
from preprocess.prompt.layout import laid_out, paper_text
from preprocess.prompt.tokenizer import Tokenizer, word_prefix

TEMPLATE_MARGIN = 32  # chat-template tokens around instruction, paper and review ([INST], BOS, EOS, ...)
MIN_PAPER_TOKENS = 64  # a budget below this would teach reviewing a title alone

_CONCLUSION = re.compile(r"conclusion|concluding|discussion|summary", re.IGNORECASE)


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


def _section_tokens(tok: Tokenizer, text: str, spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]],
                                                                                    list[int], list[int]]:
    """The tokens of the laid-out `text`, and each section's first token and token count within it."""
    offsets = tok.offsets(text)
    starts = [o[0] for o in offsets]
    first = [bisect_left(starts, a) for a, _ in spans]
    return offsets, first, [bisect_left(starts, b) - f for (_, b), f in zip(spans, first, strict=True)]


def _trim(sections: list[Section], idx: list[int], target: int, spans: list[tuple[int, int]],
          tokens: tuple[list[tuple[int, int]], list[int], list[int]]) -> list[Section]:
    """Water-fill the sections `idx` to `target` tokens, cutting each on the tokens of the whole layout."""
    offsets, first, lengths = tokens
    cap = _water_cap([lengths[i] for i in idx], max(target, 0))
    out = list(sections)
    for i in idx:
        if lengths[i] > cap:
            end = offsets[first[i] + cap - 1][1] - spans[i][0] if cap > 0 else 0
            out[i] = replace(sections[i], text=word_prefix(sections[i].text[:end]) if end > 0 else "")
    return out


def fit_sections(paper: Paper, tok: Tokenizer, budget: int,
                 count: Callable[[str], int] | None = None) -> tuple[list[Section], int]:
    """Sections of `paper` whose laid-out text fits `budget` tokens; returns them and the final count.

    Each round tokenizes the laid-out paper once and reads every section's count and cut point off it.
    """
    count = count or tok.count
    body = body_sections(paper.sections)
    text, spans = laid_out(paper, body)
    used = count(text)
    if used <= budget:
        return body, used
    protected = {0} | {i for i, s in enumerate(body) if i == len(body) - 1 and _CONCLUSION.search(s.heading)}
    for group in ([i for i in range(len(body)) if i not in protected], list(range(len(body)))):
        for _ in range(4):  # re-measure: joins and word-boundary cuts shift counts a little
            if not group or used <= budget:
                break
            tokens = _section_tokens(tok, text, spans)
            fixed = used - sum(tokens[2][i] for i in group)
            body = _trim(body, group, budget - fixed - 4 * len(group), spans, tokens)
            text, spans = laid_out(paper, body)
            used = count(text)
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
