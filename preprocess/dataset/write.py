"""What the build writes: `<name>_{train,test}.jsonl`, the test references sidecar, the train split's ratings
(`<name>_train.ratings.jsonl`: one line a paper, what the committee's decision rule is fitted on), their
registration.

Rows stream to temp files renamed into place when complete (`core.jsonl.atomic_open`); each paper's fitted
text is JSON-encoded once and spliced into every row of that paper.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from preprocess.core.jsonl import atomic_open
from preprocess.core.names import SPLITS, ratings_file, split_name
from preprocess.core.record import Paper
from preprocess.core.refs import HumanReview, PaperRatings, PaperRefs
from preprocess.dataset.formats import FormatOptions, Target, build_row
from preprocess.dataset.register import dataset_entry, register

_SLOT = "\ue000"  # stands for the paper in a row while it is encoded; the paper's JSON is spliced in after


def row_json(paper: Paper, encoded_input: str, row: list[Target], options: FormatOptions) -> str:
    """`json.dumps(build_row(...))` with the paper text encoded once per paper, not once per row."""
    text = json.dumps(build_row(paper, _SLOT, row, options), ensure_ascii=False)
    if text.count(_SLOT) == 1:
        return text.replace(_SLOT, encoded_input[1:-1])
    return json.dumps(build_row(paper, json.loads(encoded_input), row, options), ensure_ascii=False)


def paper_refs(paper: Paper, row: list[Target], all_targets: list[Target]) -> PaperRefs:
    """The sidecar line for a test row: the paper, the review the row's last answer is, all human reviews."""
    return PaperRefs(forum=paper.forum, venue=paper.venue, year=paper.year, title=paper.title,
                     decision=paper.decision, rating_scale=tuple(row[-1].review.rating_scale),
                     target_review_id=row[-1].review.id,
                     reviews=tuple(HumanReview(t.review.id, t.review.rating, t.review.confidence, t.body)
                                   for t in all_targets))


def write_splits(out: Path, name: str, options: FormatOptions, papers: list[Paper], inputs: Iterable[str],
                 plans: dict[str, list[list[Target]]], targets: dict[str, list[Target]],
                 side: Callable[[str], str | None]) -> Counter:
    """Stream rows into <name>_{train,test}.jsonl and the test refs; register both files. `inputs` gives
    each paper's fitted text as a JSON string, in the order of `papers`; `side(forum)` says train, test or
    None (left out)."""
    counts: Counter = Counter()
    with ExitStack() as stack:
        files = {s: stack.enter_context(atomic_open(out / f"{split_name(name, s)}.jsonl")) for s in SPLITS}
        refs = stack.enter_context(atomic_open(out / f"{split_name(name, 'test')}.refs.jsonl"))
        ratings = stack.enter_context(atomic_open(out / ratings_file(name)))
        for paper, encoded_input in zip(papers, inputs, strict=True):
            split = side(paper.forum)
            if split is None:
                continue
            for row in plans[paper.forum]:
                files[split].write(row_json(paper, encoded_input, row, options) + "\n")
                counts[f"{split} rows"] += 1
                counts[f"{split} reviews in rows"] += len(row)
                if split == "test":
                    line = paper_refs(paper, row, targets[paper.forum]).to_dict()
                    refs.write(json.dumps(line, ensure_ascii=False) + "\n")
            counts[f"{split} papers"] += 1
            if split == "train" and plans[paper.forum]:
                line = PaperRatings.of(paper_refs(paper, plans[paper.forum][0], targets[paper.forum])).to_dict()
                ratings.write(json.dumps(line, ensure_ascii=False) + "\n")
    register(out, {split_name(name, s): dataset_entry(f"{split_name(name, s)}.jsonl", options.format)
                   for s in SPLITS})
    return counts
