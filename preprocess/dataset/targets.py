"""Training targets per paper: every review in four parts, by the first route that gives all four.

    fields   the review's own fields and headings (`restructure.field_parts`): nothing left over
    offline  free text no heading claims is placed sentence by sentence by the classifier (`parts`); a part
             the review says nothing about reads "None." (as the LLM route's prompt asks)
    llm      an OpenAI-compatible endpoint (`--llm-url`), for the reviews the fields did not settle
    raw      the review as written (`--target raw`, or `--parts none` and the fields fell short)
The route of every target is counted in the build's meta.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from preprocess.core.llm import ChatClient
from preprocess.core.record import Paper, Review
from preprocess.core.target import EMPTY_PART, ROLES, render_parts
from preprocess.dataset import restructure
from preprocess.dataset.formats import FormatOptions, Target, make_target
from preprocess.dataset.parts import PartsClassifier, join_units, units

log = logging.getLogger("preprocess.dataset")


@dataclass(frozen=True)
class LLMOptions:
    """LLM restructuring through an OpenAI-compatible endpoint (`make data --llm-url ... --llm-model ...`)."""

    url: str | None = None
    model: str | None = None
    key_env: str = "REVIEW_LLM_API_KEY"  # the environment variable holding the key
    workers: int = 8
    max_tokens: int = 1536
    all: bool = False  # also rewrite reviews the fields already split
    cache: Path | None = None  # default <out>/cache/restructure
    retries: int = 3  # per request, on connection errors, 429 and 5xx (exponential backoff from 2 s)


def llm_parts(reviews: list[Review], llm: LLMOptions, cache: Path, stats: Counter) -> dict[int, str | None]:
    """id(review) -> the LLM's validated four parts (None where it gave none); counts go into `stats`."""
    if not llm.model:
        raise ValueError("--llm-url needs --llm-model")
    client = ChatClient(llm.url or "", llm.model, llm.cache or cache, key_env=llm.key_env, workers=llm.workers,
                        max_tokens=llm.max_tokens, retries=llm.retries)
    restructurer = restructure.LLMRestructurer(client)
    answers = restructurer.restructure_many([r.body() for r in reviews])
    stats.update({f"llm {k}": v for k, v in restructurer.stats.items()})
    counts = restructurer.stats
    if reviews and counts["errors"] == len(reviews):
        raise RuntimeError(f"every LLM request failed ({counts['errors']} of {len(reviews)}) at {llm.url}: is the "
                           "server up and the model name right? The log above has the first errors")
    if counts["invalid"] or counts["errors"]:
        log.warning("LLM restructuring: %d answer(s) lacked one of the four parts and %d request(s) failed; "
                    "those reviews fell back to the offline route", counts["invalid"], counts["errors"])
    return dict(zip((id(r) for r in reviews), answers, strict=True))


def offline_parts(reviews: list[Review], classifier: PartsClassifier | None, stats: Counter
                  ) -> dict[int, tuple[str | None, str]]:
    """id(review) -> (four-part text or None, route): fields alone where they say everything, else the
    classifier places the free text (without one, the fields' parts or None)."""
    splits = {id(r): restructure.field_parts(r) for r in reviews}
    pending = [r for r in reviews if splits[id(r)].free] if classifier else []
    pieces = {id(r): units("\n".join(splits[id(r)].free)) for r in pending}
    guesses = classifier.predict([[s for _, s in pieces[id(r)]] for r in pending]) if pending else []
    for review, guess in zip(pending, guesses, strict=True):
        for role_index, role in enumerate(ROLES):
            placed = [u for u, g in zip(pieces[id(review)], guess, strict=True) if g == role_index]
            if placed:
                splits[id(review)].parts[role].append(join_units(placed))
    out: dict[int, tuple[str | None, str]] = {}
    for review in reviews:
        split, classified = splits[id(review)], id(review) in pieces
        if not classified:
            split.parts["summary"] += split.free  # no classifier: free text reads as significance
        joined = [split.joined(role) for role in ROLES]
        if classifier is not None:  # the offline route says "None." where the review is silent
            stats["empty parts filled"] += sum(not j for j in joined)
            joined = [j or EMPTY_PART for j in joined]
        text = render_parts(joined) if all(joined) else None
        out[id(review)] = (text, ("offline" if classified else "fields") if text else "raw")
    return out


def make_targets(papers: list[Paper], options: FormatOptions, llm: LLMOptions, cache: Path,
                 classifier: PartsClassifier | None, stats: Counter) -> dict[str, list[Target]]:
    """Targets per forum; `stats` counts each target's route (fields, offline, llm, raw)."""
    reviews = [r for p in papers for r in p.reviews]
    four = options.target == "four-part"
    offline = offline_parts(reviews, classifier, stats) if four else {id(r): (None, "raw") for r in reviews}
    by_llm: dict[int, str | None] = {}
    if llm.url and four:
        todo = [r for r in reviews if llm.all or offline[id(r)][1] != "fields"]
        by_llm = llm_parts(todo, llm, cache, stats)
    targets = {}
    for paper in papers:
        targets[paper.forum] = []
        for review in paper.reviews:
            parts, route = (by_llm[id(review)], "llm") if by_llm.get(id(review)) else offline[id(review)]
            stats[f"targets {route}"] += 1
            targets[paper.forum].append(make_target(review, parts, paper, options, route))
    return targets
