"""Train/test split by paper, never by review: seeded, with near-duplicate papers kept on one side.

Papers whose normalized titles match (a resubmission, a dual listing) form one group, and a group goes to one
side whole. `test_venues` holds out whole venues instead (a temporal split: train on ≤2024, test on 2025);
then a train paper whose group reaches into a held-out venue is dropped, so no test paper leaks into train.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from preprocess.notes.text import fold


def group_key(title: str) -> str:
    """Case, punctuation and spacing folded: "Sparse  Attention!" and "sparse attention" share a group."""
    return fold(title)


@dataclass(frozen=True)
class SplitItem:
    forum: str
    title: str
    venue: str


@dataclass
class Split:
    test: set[str]
    dropped: set[str]  # train papers left out because a near duplicate is in a held-out venue

    def side(self, forum: str) -> str | None:
        if forum in self.dropped:
            return None
        return "test" if forum in self.test else "train"


def split_papers(items: Iterable[SplitItem], test_size: float, seed: int,
                 test_venues: Iterable[str] = ()) -> Split:
    """Which forums go to test (and which are dropped), deterministic for a given seed and input set."""
    items = sorted(set(items), key=lambda i: i.forum)
    groups: dict[str, list[SplitItem]] = defaultdict(list)
    for item in items:
        groups[group_key(item.title) or item.forum].append(item)
    held = set(test_venues)
    if held:
        test = {i.forum for i in items if i.venue in held}
        leaking = {i.forum for members in groups.values() if any(m.forum in test for m in members)
                   for i in members if i.forum not in test}
        return Split(test, leaking)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    n_test = max(1, round(len(keys) * test_size)) if keys and test_size > 0 else 0
    return Split({i.forum for key in keys[:n_test] for i in groups[key]}, set())


def straddling(items: Iterable[SplitItem], split: Split) -> list[str]:
    """Papers (one folded title, any number of forums) with copies on both sides: `title (forum: side, ...)`.
    The build refuses a split that has any (`split_papers` groups by title, so only a change there makes one)."""
    groups: dict[str, list[SplitItem]] = defaultdict(list)
    for item in sorted(set(items), key=lambda i: i.forum):
        groups[group_key(item.title) or item.forum].append(item)
    return [f"{members[0].title} ({', '.join(f'{m.forum}: {split.side(m.forum)}' for m in members)})"
            for members in groups.values() if {"train", "test"} <= {split.side(m.forum) for m in members}]
