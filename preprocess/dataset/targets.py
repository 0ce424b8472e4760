"""Training targets per paper: four parts by the rules, by an LLM where asked, else the review as written."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from preprocess.core.llm import ChatClient
from preprocess.core.record import Paper, Review
from preprocess.dataset import restructure
from preprocess.dataset.formats import FormatOptions, Target, make_target

log = logging.getLogger("preprocess.dataset")


@dataclass(frozen=True)
class LLMOptions:
    """LLM restructuring through an OpenAI-compatible endpoint (`make data --llm-url ... --llm-model ...`)."""

    url: str | None = None
    model: str | None = None
    key_env: str = "REVIEW_LLM_API_KEY"  # the environment variable holding the key
    workers: int = 8
    max_tokens: int = 1536
    all: bool = False  # also rewrite reviews the rules already split
    cache: Path | None = None  # default <out>/cache/restructure


def llm_parts(reviews: list[Review], llm: LLMOptions, cache: Path, stats: Counter) -> dict[int, str | None]:
    """id(review) -> the LLM's validated four parts (None where it gave none); counts go into `stats`."""
    if not llm.model:
        raise ValueError("--llm-url needs --llm-model")
    client = ChatClient(llm.url or "", llm.model, llm.cache or cache, key_env=llm.key_env, workers=llm.workers,
                        max_tokens=llm.max_tokens)
    restructurer = restructure.LLMRestructurer(client)
    answers = restructurer.restructure_many([r.body() for r in reviews])
    stats.update({f"llm {k}": v for k, v in restructurer.stats.items()})
    counts = restructurer.stats
    if counts["invalid"] or counts["errors"]:
        log.warning("LLM restructuring: %d answer(s) lacked one of the four parts and %d request(s) failed; "
                    "those reviews fell back to rule-based parts or raw text", counts["invalid"], counts["errors"])
    return dict(zip((id(r) for r in reviews), answers, strict=True))


def make_targets(papers: list[Paper], options: FormatOptions, llm: LLMOptions, cache: Path,
                 stats: Counter) -> dict[str, list[Target]]:
    """Targets per forum; `stats` counts each target's source (rules, llm, raw)."""
    four = options.target == "four-part"
    rules = {id(r): restructure.rule_based(r) if four else None for p in papers for r in p.reviews}
    by_llm: dict[int, str | None] = {}
    if llm.url and four:
        todo = [r for p in papers for r in p.reviews if llm.all or rules[id(r)] is None]
        by_llm = llm_parts(todo, llm, cache, stats)
    targets = {}
    for paper in papers:
        targets[paper.forum] = []
        for review in paper.reviews:
            parts = by_llm.get(id(review)) or rules[id(review)]
            source = "llm" if by_llm.get(id(review)) else "rules" if parts else "raw"
            stats[f"targets {source}"] += 1
            targets[paper.forum].append(make_target(review, parts, paper, options))
    return targets
