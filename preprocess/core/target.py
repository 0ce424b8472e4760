"""The review target format: how a training target is written, and how a written review is read back.

A target is the review's body (the four `## ` parts, or the review as the reviewer wrote it), optionally followed
by `Rating: N` and `Decision: Accept|Reject` lines. Writing is strict (what `make data` puts in a row); reading is
lenient (any heading level or the part name in bold, any case, a trailing colon), so a model's near miss still
parses. Only the four part headings (and the tail lines) are boundaries: a reviewer's own `#1 ...`,
`**Weaknesses**` or `#####Post-Rebuttal#####` line is text of its part. A body line that would read as a
boundary is written with a leading backslash (Markdown's escape) and read back without it, so
`read_parts(render_parts(parts)) == parts`. The build, restructuring, eval and review all go through this module.

    render_target(render_parts(["S.", "A.", "R.", "G."]), rating=6, decision="accepted")
    -> "## Significance and novelty\\nS.\\n\\n## Reasons for acceptance\\nA.\\n\\n...\\n\\nRating: 6\\nDecision: Accept"
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from preprocess.core.prompts import FOUR_PARTS, PART_HEADING, REVIEW_REPLY

DECISION_WORD = {"accepted": "Accept", "rejected": "Reject"}
ROLES = ("summary", "strengths", "weaknesses", "suggestions")  # the four parts' short names, in FOUR_PARTS order
EMPTY_PART = "None."  # what a part says when the review says nothing about it (the LLM prompt asks the same)

_HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s*(?P<hash>.+?)\s*#*|\*\*(?P<bold>[^*]+?)\*\*)\s*$")
_TRAILER = re.compile(r"^\s*\**\s*(rating|decision)\s*\**\s*[:：]", re.IGNORECASE)
_PART_KEYS = {part.lower(): part for part in FOUR_PARTS}
_RATING = re.compile(r"^[ \t]*[*_#]*[ \t]*(?:overall[ \t]+)?(?:rating|score)[ \t]*[*_]*[ \t]*[:：]"
                     r"[ \t]*[*_]*[ \t]*(-?\d+(?:\.\d+)?)", re.IGNORECASE | re.MULTILINE)
_DECISION = re.compile(r"^[ \t]*[*_#]*[ \t]*decision[ \t]*[*_]*[ \t]*[:：][ \t]*[*_]*[ \t]*(accept|reject)",
                       re.IGNORECASE | re.MULTILINE)
_TAIL = re.compile(r"^(Rating|Decision): *(.+?) *$")  # a tail line as `render_target` writes it
DEFAULT_SCALE = tuple(range(1, 11))  # a venue whose rating scale is unknown is read on 1-10
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)]|\(?[a-z]\))\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


# --------------------------------------------------------------------------- writing


def render_parts(texts: Sequence[str]) -> str:
    """The four parts, in order, each under its `## ` heading; a body line that would read as a boundary is
    escaped (`_escape`). A part with no text is written as it is (the build writes `EMPTY_PART` there)."""
    return "\n\n".join(PART_HEADING.format(part=name) + "\n" + _escape(text.strip())
                       for name, text in zip(FOUR_PARTS, texts, strict=True))


def _boundary(line: str) -> bool:
    """A line the reader takes for the end of a part: one of the four part headings or a tail line."""
    return bool(heading_part(line)) or is_trailer(line)


def _escape(body: str) -> str:
    """A backslash before each line that, its leading backslashes taken off, reads as a boundary."""
    return "\n".join("\\" + line if _boundary(line.lstrip("\\")) else line for line in body.split("\n"))


def _unescape(line: str) -> str:
    """`_escape` undone for one line."""
    return line[1:] if line.startswith("\\") and _boundary(line.lstrip("\\")) else line


def render_target(body: str, rating: int | None = None, decision: str = "") -> str:
    """`body`, then `Rating: N` (when given) and `Decision: Accept|Reject` (for a known decision) lines."""
    tail = []
    if rating is not None:
        tail.append(f"Rating: {rating}")
    if decision in DECISION_WORD:
        tail.append(f"Decision: {DECISION_WORD[decision]}")
    return body + ("\n\n" + "\n".join(tail) if tail else "")


# --------------------------------------------------------------------------- reading


def heading_part(line: str) -> str | None:
    """The part a heading line names, `""` for a heading of something else, None if not a heading."""
    match = _HEADING.match(line)
    if not match:
        return None
    name = (match.group("hash") or match.group("bold")).strip().strip("*").strip().rstrip(":：").strip()
    return _PART_KEYS.get(name.lower(), "")


def is_trailer(line: str) -> bool:
    """A `Rating:` or `Decision:` line (any case, bold allowed): the end of the last part."""
    return bool(_TRAILER.match(line))


def split_parts(text: str) -> dict[str, str]:
    """Part name -> body text, for each of the four parts whose heading appears (first occurrence wins).

    A part's body runs to the next of the four part headings or to a `Rating:` / `Decision:` line; any other
    heading, bold line or `#`-line is text of the part.
    """
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        part = heading_part(line)
        if part:
            current = None if part in parts else parts.setdefault(part, [])
            continue
        if is_trailer(line):
            current = None
            continue
        if current is not None:
            current.append(_unescape(line))
    return {part: "\n".join(lines).strip() for part, lines in parts.items()}


def read_parts(text: str) -> list[str]:
    """The four parts' texts in order ("" for a part whose heading is missing): `render_parts` inverted."""
    found = split_parts(text)
    return [found.get(part, "") for part in FOUR_PARTS]


def part_items(body: str) -> list[str]:
    """The points of a part's body: one per bullet or numbered item (continuation lines joined), else one per
    sentence. Eval's key concerns and the committee's meta-review both count points this way."""
    lines = [line for line in body.splitlines() if line.strip()]
    items: list[str] = []
    if any(_BULLET.match(line) for line in lines):
        for line in lines:
            if _BULLET.match(line) or not items:
                items.append(_BULLET.sub("", line).strip())
            else:
                items[-1] += " " + line.strip()
        return items
    return [s.strip() for s in _SENTENCE.split(" ".join(line.strip() for line in lines)) if s.strip()]


def canonical_parts(text: str) -> str | None:
    """`text` re-rendered with `render_parts` when all four parts carry text, else None."""
    found = split_parts(text)
    if not all(found.get(part) for part in FOUR_PARTS):
        return None
    return render_parts([found[part] for part in FOUR_PARTS])


def parse_rating(text: str) -> float | None:
    """The number on the last `Rating: N` line (also `**Rating:** N`, `Score: N`), or None."""
    matches = _RATING.findall(text)
    return float(matches[-1]) if matches else None


def scale_range(scale: Sequence[int]) -> tuple[int, int]:
    """The lowest and highest rating of a venue's scale (1-10 when it is unknown)."""
    scale = scale or DEFAULT_SCALE
    return min(scale), max(scale)


def on_scale(rating: float, scale: Sequence[int]) -> bool:
    """Within the venue's rating range (min..max of its scale): a rating outside it counts as unparsed."""
    lo, hi = scale_range(scale)
    return lo <= rating <= hi


def parse_decision(text: str) -> str | None:
    """`accepted` / `rejected` from the last `Decision: Accept|Reject...` line, or None."""
    matches = _DECISION.findall(text)
    if not matches:
        return None
    return "accepted" if matches[-1].lower() == "accept" else "rejected"


def review_markdown(text: str) -> str:
    """A generated review as markdown: a sharegpt reply prefix taken off, the tail lines in bold."""
    text = text.strip()
    prefix = REVIEW_REPLY.split("{review}")[0].strip()
    text = text[len(prefix):].lstrip() if prefix and text.startswith(prefix) else text
    lines = text.split("\n")
    cut = len(lines)
    while cut and _TAIL.match(lines[cut - 1]):
        cut -= 1
    tail = [_TAIL.sub(r"**\1:** \2", line) for line in lines[cut:]]
    return "\n\n".join(["\n".join(lines[:cut]).rstrip(), *tail]).strip() + "\n"
