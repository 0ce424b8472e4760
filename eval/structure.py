"""Does a review have the four parts of the target format, and what does each part say.

A part counts when its heading (`## Significance and novelty`, any heading level, or the name alone
in bold, case-insensitive, trailing colon allowed) is followed by non-empty text before the next
heading or the trailing `Rating:` / `Decision:` lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from preprocess.prompts import FOUR_PARTS

_HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s*(?P<hash>.+?)\s*#*|\*\*(?P<bold>[^*]+?)\*\*)\s*$")
_TRAILER = re.compile(r"^\s*\**\s*(rating|decision)\s*\**\s*[:：]", re.IGNORECASE)
_PART_KEYS = {part.lower(): part for part in FOUR_PARTS}


def _heading_part(line: str) -> str | None:
    """The part a heading line names, `""` for a heading of something else, None if not a heading."""
    match = _HEADING.match(line)
    if not match:
        return None
    name = (match.group("hash") or match.group("bold")).strip().strip("*").strip().rstrip(":：").strip()
    return _PART_KEYS.get(name.lower(), "")


def split_parts(text: str) -> dict[str, str]:
    """Part name -> body text, for each of the four parts whose heading appears (first occurrence wins)."""
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        part = _heading_part(line)
        if part is not None:
            current = None
            if part and part not in parts:
                current = parts[part] = []
            continue
        if _TRAILER.match(line):
            current = None
            continue
        if current is not None:
            current.append(line)
    return {part: "\n".join(lines).strip() for part, lines in parts.items()}


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
