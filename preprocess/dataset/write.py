"""What the build writes: `<name>_{train,test}.jsonl`, the test references sidecar, the train split's ratings
(`<name>_train.ratings.jsonl`: one line a paper, what the committee's decision rule is fitted on), their
registration.

Rows stream to temp files renamed into place when complete (`core.jsonl.atomic_open`); each paper's fitted
text is JSON-encoded once and spliced into every row of that paper. A build with no rows, or under
`SHRINK_FLOOR` of the rows the previous build of the name recorded in its meta, is refused before anything is
renamed in (the previous outputs stay), unless the caller allows it (`--allow-shrink`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from preprocess.core.jsonl import atomic_open, temp_files
from preprocess.core.names import SPLITS, ratings_file, split_name
from preprocess.core.record import Paper
from preprocess.core.refs import HumanReview, PaperRatings, PaperRefs
from preprocess.prompt.formats import FormatOptions, Target, build_row
from preprocess.prompt.register import dataset_entry, register

log = logging.getLogger("preprocess.dataset")
SHRINK_FLOOR = 0.5  # a rebuild with fewer rows than this share of the previous build's needs --allow-shrink
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


def paper_lines(paper: Paper, encoded_input: str, split: str, plans: dict[str, list[list[Target]]],
                targets: dict[str, list[Target]], options: FormatOptions) -> dict[str, list[str]]:
    """Every line one paper adds, by file: its rows (`train` or `test`), its test refs, its train ratings."""
    rows = plans[paper.forum]
    lines: dict[str, list[str]] = {split: [row_json(paper, encoded_input, row, options) + "\n" for row in rows]}
    if split == "test":
        lines["refs"] = [json.dumps(paper_refs(paper, row, targets[paper.forum]).to_dict(), ensure_ascii=False)
                         + "\n" for row in rows]
    if split == "train" and rows:
        line = PaperRatings.of(paper_refs(paper, rows[0], targets[paper.forum])).to_dict()
        lines["ratings"] = [json.dumps(line, ensure_ascii=False) + "\n"]
    return lines


def unwritable(lines: dict[str, list[str]]) -> str | None:
    """Why these lines cannot be written as UTF-8 (a lone surrogate that no reader repaired), or None."""
    for line in (x for group in lines.values() for x in group):
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"cannot be written as UTF-8 ({exc.reason}: {line[exc.start:exc.end]!a}); left out"
    return None


def write_splits(out: Path, name: str, options: FormatOptions, papers: list[Paper], inputs: Iterable[str],
                 plans: dict[str, list[list[Target]]], targets: dict[str, list[Target]],
                 side: Callable[[str], str | None], allow_shrink: bool = False,
                 skipped: list[dict] | None = None) -> Counter:
    """Stream rows into <name>_{train,test}.jsonl and the test refs; register both files. `inputs` gives
    each paper's fitted text as a JSON string, in the order of `papers`; `side(forum)` says train, test or
    None (left out). A paper whose lines cannot be written is left out, named in `skipped` (`file:line`).
    ShrinkRefused (nothing replaced) when the rows fall under `SHRINK_FLOOR` of the previous build's and not
    `allow_shrink`."""
    counts: Counter = Counter()
    with ExitStack() as stack:
        files = {s: stack.enter_context(atomic_open(out / f"{split_name(name, s)}.jsonl")) for s in SPLITS}
        files["refs"] = stack.enter_context(atomic_open(out / f"{split_name(name, 'test')}.refs.jsonl"))
        files["ratings"] = stack.enter_context(atomic_open(out / ratings_file(name)))
        for paper, encoded_input in zip(papers, inputs, strict=True):
            split = side(paper.forum)
            if split is None:
                continue
            lines = paper_lines(paper, encoded_input, split, plans, targets, options)
            if problem := unwritable(lines):
                item = f"{paper.source or paper.forum}: paper {paper.forum}"
                log.warning("%s: %s", item, problem)
                (skipped if skipped is not None else []).append({"item": item, "reason": problem})
                continue
            for key, group in lines.items():
                files[key].writelines(group)
            counts[f"{split} rows"] += len(plans[paper.forum])
            counts[f"{split} reviews in rows"] += sum(len(row) for row in plans[paper.forum])
            counts[f"{split} papers"] += 1
        if not allow_shrink:  # raising here discards every temp file: the previous outputs stay as they were
            check_shrink(out, name, counts)
    register(out, {split_name(name, s): dataset_entry(f"{split_name(name, s)}.jsonl", options.format)
                   for s in SPLITS})
    return counts


def clean_temp_files(out: Path, name: str) -> None:
    """Temp files an earlier build of `name` left when it was killed mid-write (they are never renamed in);
    dataset_info.json's are `register`'s, under its lock, as another name's build may be writing it now."""
    outputs = [*(f"{split_name(name, s)}.jsonl" for s in SPLITS), f"{split_name(name, 'test')}.refs.jsonl",
               f"{name}.meta.json", f"{name}.funnel.png", f"{name}.parts.npz", f"{name}.parts.json",
               ratings_file(name)]
    for stale in (t for output in outputs for t in temp_files(out / output)):
        log.warning("removing %s, left by a build that was stopped mid-write", stale)
        stale.unlink(missing_ok=True)


class ShrinkRefused(ValueError):
    """A rebuild that would replace a dataset with no rows or far fewer (see `SHRINK_FLOOR`)."""


def previous_rows(out: Path, name: str) -> tuple[dict[str, int], Path] | None:
    """Rows per split of the build of `name` now in `out` and where that was read: its meta's counts, else (a
    meta lost or unreadable) its files' lines; None when there is no previous build."""
    meta = out / f"{name}.meta.json"
    try:
        counts = json.loads(meta.read_text(encoding="utf-8"))["counts"]
        return {s: int(counts.get(f"{s} rows", 0)) for s in SPLITS}, meta
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    files = {s: out / f"{split_name(name, s)}.jsonl" for s in SPLITS}
    if not any(f.exists() for f in files.values()):
        return None
    return {s: _lines(path) for s, path in files.items()}, files["train"]


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def check_shrink(out: Path, name: str, counts: Counter) -> None:
    """ShrinkRefused (one line: rows before and after) when this build's rows are none, or under SHRINK_FLOOR
    of the previous build's, and that one had rows."""
    previous = previous_rows(out, name)
    if previous is None:
        return
    before, where = previous
    after = {s: counts.get(f"{s} rows", 0) for s in SPLITS}
    if sum(before.values()) and sum(after.values()) < SHRINK_FLOOR * sum(before.values()):
        raise ShrinkRefused(
            f"{out / name}: this build has {sum(after.values())} rows (train {after['train']}, test {after['test']}) "
            f"where the previous one has {sum(before.values())} (train {before['train']}, test {before['test']}; "
            f"{where}); the previous outputs are kept. Check the inputs, or replace them anyway with --allow-shrink "
            f"(make data NAME={name} BUILD_ARGS=--allow-shrink)")
