"""A committee for one paper (`make review N=3`, the page's "Reviewers" slider): the same prompt sampled N times
with recorded seeds, then the verdict and meta-review of `lifecycle/committee/`. The decision rule is fitted on
the recipe's training split (`data/<name>_train.ratings.jsonl`) and the reviews are read on its rating scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eval.committee.rule import rating_warning, rule_from, training_ratings, training_scale
from lifecycle.committee.panel import DEFAULT_TEMPERATURE, Committee, convene
from lifecycle.review.reviewer import Reviewer
from preprocess.prompt.formats import Conversation

DEFAULT_SEED = 42  # as `make predict` (the recipe's seed); review k uses seed + k
MAX_N = 10


@dataclass(frozen=True)
class CommitteeRun:
    committee: Committee
    temperature: float
    notes: tuple[str, ...]  # the decision rule's provenance, each review's length, what was capped


def convene_for(reviewer: Reviewer, conv: Conversation, n: int, temperature: float | None = None,
                max_new_tokens: int | None = None, seed: int = DEFAULT_SEED,
                progress: Callable[[int, int], None] | None = None) -> CommitteeRun:
    """Sample N reviews of one prompt (seed, seed+1, ...), then decide and write the meta-review."""
    from transformers import set_seed

    if not 2 <= n <= MAX_N:
        raise ValueError(f"N={n}: a committee has 2 to {MAX_N} reviewers")
    temperature = temperature if temperature and temperature > 0 else DEFAULT_TEMPERATURE
    setup = reviewer.setup
    path, papers = training_ratings(setup.dataset_dir, setup.train_dataset)  # read once: the rule and the scale
    rule, rule_note = rule_from(path, papers)
    scale = training_scale(papers)
    texts, seeds, notes = [], [seed + k for k in range(n)], [rule_note]
    if warning := rating_warning(setup.dataset_dir, setup.train_dataset):
        notes.append(f"warning: {warning}")
    for k, s in enumerate(seeds):
        if progress:
            progress(k, n)
        set_seed(s)
        response = reviewer.generate(conv, temperature, max_new_tokens)
        texts.append(response.response_text)
        end = "ended" if response.finish_reason == "stop" else "hit the length cap"
        notes.append(f"review {k + 1} (seed {s}): {response.response_length} tokens ({end})")
    scale_note = f"ratings read on the training scale {list(scale)}" if scale else "rating scale unknown: 1-10"
    return CommitteeRun(convene(texts, seeds, scale, rule), temperature, (*notes, scale_note))
