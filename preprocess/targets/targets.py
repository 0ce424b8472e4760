"""Training targets per paper: every review in four parts, by the first route that gives all four.

    fields   the review's own fields and headings (`restructure.field_parts`): nothing left over
    offline  text no single part claims (no heading, a combined heading such as `Weaknesses / Questions`,
             past a summary's paragraph: `headings`) is placed sentence by sentence by the classifier (`parts`),
             among the parts its heading allows; a part the review says nothing about reads "None." (as the
             LLM route's prompt asks) and is counted as empty in the meta
    llm      an OpenAI-compatible endpoint (`--llm-url`), for the reviews the fields did not settle
    raw      the review as written (`--target raw`, or `--parts none` and the fields fell short)
The route of every target is counted in the build's meta.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preprocess.core.llm import ChatClient
from preprocess.core.record import Paper, Review
from preprocess.core.target import EMPTY_PART, ROLES, read_parts, render_parts
from preprocess.prompt.formats import FormatOptions, Target, make_target
from preprocess.targets import restructure
from preprocess.targets.parts import PartsClassifier, join_units, units

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
    classifier places the text no single part claims, each sentence among the parts its heading allows
    (without a classifier such a review stays raw: nothing falls silently into the first part)."""
    splits = {id(r): restructure.field_parts(r) for r in reviews}
    pending = {id(r) for r in reviews if splits[id(r)].free} if classifier else set()
    for key in pending:
        _place(splits[key], classifier)
    out: dict[int, tuple[str | None, str]] = {}
    for review in reviews:
        split, classified = splits[id(review)], id(review) in pending
        joined = [split.joined(role) for role in ROLES]
        if split.free and not classified:
            out[id(review)] = (None, "raw")
            continue
        if classifier is not None:  # the offline route says "None." where the review is silent
            stats["empty parts filled"] += sum(not j for j in joined)
            joined = [j or EMPTY_PART for j in joined]
        text = render_parts(joined) if all(joined) else None
        out[id(review)] = (text, ("offline" if classified else "fields") if text else "raw")
    return out


def _place(split: restructure.FieldParts, classifier: PartsClassifier) -> None:
    """The free chunks' sentences, read as one sequence, each put in the part the classifier gives it."""
    pieces = [(chunk, units(chunk.text)) for chunk in split.free]
    sentences = [s for _, found in pieces for _, s in found]
    allowed = [tuple(ROLES.index(r) for r in chunk.roles) for chunk, found in pieces for _ in found]
    guess = iter(classifier.predict([sentences], [allowed])[0] if sentences else [])
    for _, found in pieces:
        labels = [next(guess) for _ in found]
        for role_index, role in enumerate(ROLES):
            placed = [u for u, g in zip(found, labels, strict=True) if g == role_index]
            if placed:
                split.parts[role].append(join_units(placed))


def make_targets(papers: list[Paper], options: FormatOptions, llm: LLMOptions, cache: Path,
                 classifier: PartsClassifier | None, stats: Counter) -> dict[str, list[Target]]:
    """Targets per forum; `stats` counts each target's route (fields, offline, llm, raw). A target with fewer
    than `options.min_parts` non-empty parts is dropped (and counted)."""
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
            target = make_target(review, parts, paper, options, route)
            if nonempty_parts(target) < options.min_parts:
                stats[f"targets dropped: fewer than {options.min_parts} non-empty parts"] += 1
                continue
            stats[f"targets {route}"] += 1
            targets[paper.forum].append(target)
    return targets


def nonempty_parts(target: Target) -> int:
    """How many of the four parts say something: not missing, not empty, not `EMPTY_PART` (a raw target: 0)."""
    if not target.four_part:
        return 0
    return sum(bool(text) and text != EMPTY_PART for text in read_parts(target.body))


def targets_meta(kept: list[Target]) -> dict[str, Any]:
    """The meta's target counts. `four_part` counts targets whose four parts all say something; a target with a
    part reading "None." (the review said nothing of that kind) is counted under `with_empty_part`, per route."""
    counts: dict[str, Counter] = {}
    for target in kept:
        n = nonempty_parts(target)
        kind = "four_nonempty" if n == len(ROLES) else "with_empty_part" if target.four_part else "raw"
        counts.setdefault(target.route, Counter())[kind] += 1
    total = sum(counts.values(), Counter())
    return {"four_part": total["four_nonempty"], "with_empty_part": total["with_empty_part"], "raw": total["raw"],
            "by_route": {route: sum(c.values()) for route, c in sorted(counts.items())},
            "by_route_parts": {route: dict(sorted(c.items())) for route, c in sorted(counts.items())}}
