"""Does a review have the four parts of the target format, in order (shares over a batch).

A part counts when its heading is followed by non-empty text; reading the parts is the target format's job
(`preprocess/core/target.py`: any heading level or the name in bold, any case, a trailing colon).
"""

from __future__ import annotations

from collections.abc import Sequence

from preprocess.core.prompts import FOUR_PARTS
from preprocess.core.target import split_parts


def parts_present(text: str) -> dict[str, bool]:
    """For each of the four parts, in order: heading present with non-empty body."""
    found = split_parts(text)
    return {part: bool(found.get(part)) for part in FOUR_PARTS}


def parts_in_order(text: str) -> bool:
    """All four parts present, their headings first appearing in the canonical order."""
    found = split_parts(text)
    return all(found.get(part) for part in FOUR_PARTS) and list(found) == list(FOUR_PARTS)


def structure_metrics(texts: Sequence[str]) -> dict[str, object]:
    """Share of texts with all four parts, in order, and per part (shares in [0, 1])."""
    if not texts:
        raise ValueError("no texts")
    present = [parts_present(text) for text in texts]
    n = len(texts)
    return {
        "n": n,
        "all_four": sum(all(p.values()) for p in present) / n,
        "in_order": sum(parts_in_order(text) for text in texts) / n,
        "per_part": {part: sum(p[part] for p in present) / n for part in FOUR_PARTS},
    }
