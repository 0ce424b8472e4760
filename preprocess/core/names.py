"""Dataset names: `make data NAME=<name>` registers `<name>_train` and `<name>_test`; every step derives the
file and dataset names from here (the build, `make predict`'s test twin, the recipe checker, review, eval)."""

from __future__ import annotations

import re

SPLITS = ("train", "test")
PREFERENCE = ("pairs", "kto")  # `make pairs` builds `<name>_pairs` (chosen/rejected) and `<name>_kto` from _train


_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def safe_name(value: str, what: str = "name") -> str:
    """`value` as it is when it is one safe path component (letters, digits, `_`, `-`, `.`; starts with a letter
    or digit; at most 100 characters), else ValueError naming `what`: dataset and recipe names become file and
    folder names, so `../x`, `a/b`, `.hidden` or an empty name must never reach a path."""
    if not isinstance(value, str) or not _SAFE.fullmatch(value) or ".." in value:
        raise ValueError(f"{what} {value!r}: use one name of letters, digits, '_', '-' or '.' (no '/', no '..', "
                         "not starting with '.' or '-', at most 100 characters)")
    return value


def split_name(name: str, split: str) -> str:
    """`("sample", "test")` -> `sample_test`: a dataset name as `make data` registers it."""
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: choose {' or '.join(SPLITS)}")
    return f"{name}_{split}"


def preference_name(name: str, kind: str) -> str:
    """`("sample", "pairs")` -> `sample_pairs`: a preference dataset as `make pairs` registers it."""
    if kind not in PREFERENCE:
        raise ValueError(f"preference kind {kind!r}: choose {' or '.join(PREFERENCE)}")
    return f"{name}_{kind}"


def preference_source(dataset: str) -> str | None:
    """`sample_pairs` / `sample_kto` -> `sample_train`, the split `make pairs` built it from; None for others."""
    return split_name(build_name(dataset), "train") if dataset.endswith(tuple(f"_{k}" for k in PREFERENCE)) else None


def build_name(dataset: str) -> str:
    """`sample_train` / `sample_test` / `sample_pairs` / `sample_kto` -> `sample`, the build it came from (other
    names as they are)."""
    for split in (*SPLITS, *PREFERENCE):
        if dataset.endswith(f"_{split}"):
            return dataset[: -len(split) - 1]
    return dataset


def held_out_name(dataset: str) -> str:
    """`sample_train` (or `sample_pairs`, `sample_kto`) -> `sample_test` (what `make predict` reads); other names
    as they are."""
    trained = dataset.endswith("_train") or preference_source(dataset) is not None
    return split_name(build_name(dataset), "test") if trained else dataset


def dataset_list(value: object) -> list[str]:
    """A recipe's comma-separated `dataset` value as a list of names."""
    return [n.strip() for n in str(value or "").split(",") if n.strip()]


def ratings_file(dataset: str) -> str:
    """`sample_train` (or `sample`) -> `sample_train.ratings.jsonl`: the train split's human ratings and
    decisions, one line a paper, written by the build and read by the committee's decision rule."""
    return f"{split_name(build_name(dataset), 'train')}.ratings.jsonl"
