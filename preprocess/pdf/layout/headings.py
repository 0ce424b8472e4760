"""Default backend, step 3 (headings): which lines are section headings.

A heading is a short line that is numbered ("3", "3.2", "A.1", "IV.", "一、", "第二章") or set in a heading
style (bold, larger or another font than the body, at a column's left edge) or is a well-known unnumbered
name ("References", "参考文献", from `vocab`). Bold run-in paragraph heads are split off their line first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from preprocess.pdf.lines import Line, join_lines
from preprocess.pdf.vocab import ACKNOWLEDGEMENTS, APPENDIX, CAPTION, CJK, CJK_NUMBERED, KNOWN, NUMBERED, REFERENCES

MAX_HEADING_CHARS = 90
MAX_CJK_HEADING_CHARS = 40  # a CJK character carries about a word
LETTERS = re.compile(rf"[A-Za-z]{{3}}|{CJK}{{2}}")
MATHY = re.compile(r"[=<>∼≈±×{}\[\]|^_\\$]|\(\d|\d\)|\(\w\)|\b\w\(")
NOT_RUN_IN = re.compile(
    r"^(theorem|lemma|proof|definition|corollary|proposition|remark|example|assumption|claim|step|case|note|"
    r"input|output|require|ensure|return|q\d|a\d)\b",
    re.I,
)


@dataclass
class Heading:
    """A detected heading: where it starts in the line list and what it says."""

    index: int
    text: str
    number: str = ""
    span: int = 1  # lines it covers (wrapped headings)


def style(line: Line) -> tuple[str, float]:
    return (line.font, round(line.size))


def body_style(lines: list[Line]) -> tuple[str, float]:
    """The (font, size) carrying most characters: the running text."""
    weight: Counter = Counter()
    for line in lines:
        weight[style(line)] += len(line.text)
    return weight.most_common(1)[0][0] if weight else ("", 0.0)


def _heading_text(text: str) -> tuple[str, str]:
    match = NUMBERED.match(text) or CJK_NUMBERED.match(text)
    if match:
        return match.group("num"), match.group("rest").strip()
    return "", text.strip()


def _emphasized(line: Line, body: tuple[str, float]) -> bool:
    return line.has_layout and (
        line.bold or line.size > body[1] + 0.6 or (line.font != body[0] and line.size >= body[1] - 0.6)
    )


def column_starts(lines: list[Line], body: tuple[str, float]) -> set[int]:
    """x positions (2 pt bins) where many body lines start: the text columns' left edges."""
    starts = Counter(round(line.x0 / 2) for line in lines if line.has_layout and style(line) == body)
    floor = max(3, 0.03 * sum(starts.values()))
    return {x for x, n in starts.items() if n >= floor}


def _aligned(line: Line, starts: set[int] | None) -> bool:
    if not starts or not line.has_layout:
        return True
    centered = abs((line.x0 + line.x1) / 2 - line.page_width / 2) < 20
    return centered or any(abs(line.x0 / 2 - x) <= 2 for x in starts)


def is_heading(line: Line, body: tuple[str, float], starts: set[int] | None = None) -> bool:
    """Whether one line reads as a section heading (`starts`: column left edges, see `column_starts`)."""
    text = line.text
    if len(text) > MAX_HEADING_CHARS or len(text) < 2 or CAPTION.match(text) or not LETTERS.search(text):
        return False
    number, rest = _heading_text(text)
    bare = rest.rstrip(".:").strip()
    cjk = bool(re.match(CJK, rest))
    small_caps = bool(number) and rest.isupper()
    if (
        line.has_layout
        and line.size < body[1] - 1.5
        and not (small_caps or REFERENCES.match(bare) or ACKNOWLEDGEMENTS.match(bare))
    ):
        return False  # footnotes, captions in small type; back matter and small-caps headings may be small
    if REFERENCES.match(bare) or ACKNOWLEDGEMENTS.match(bare) or KNOWN.match(bare) or APPENDIX.match(bare):
        return (
            not line.has_layout or _emphasized(line, body) or bool(number) or bare.isupper() or len(bare) == len(rest)
        )
    words = rest.split()
    if len(words) > 14 or rest.endswith((",", ";", "，", "；")) or re.search(r"\w\.\s+\w|。", rest):
        return False
    if cjk and len(rest) > MAX_CJK_HEADING_CHARS:
        return False
    if sum(w.strip("().,%").replace(".", "").isdigit() for w in words) > len(words) / 3:
        return False  # table rows
    if number:
        if rest.endswith(".") and len(words) > 6:
            return False
        return not line.has_layout or _emphasized(line, body) or rest.isupper()
    return (
        _emphasized(line, body)
        and (rest[:1].isupper() or cjk)
        and not rest.endswith(".")
        and sum(c.isalpha() for c in rest) >= (2 if cjk else 4)
        and not MATHY.search(rest)
        and _aligned(line, starts)
    )


def find_headings(lines: list[Line], body: tuple[str, float], start: int) -> list[Heading]:
    """Headings from `start` on, wrapped ones merged, numbered ones kept in non-decreasing order."""
    heads: list[Heading] = []
    starts = column_starts(lines, body)
    i = start
    while i < len(lines):
        line = lines[i]
        if not is_heading(line, body, starts):
            i += 1
            continue
        number, text = _heading_text(line.text)
        span = 1
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        while (
            nxt is not None
            and line.has_layout
            and style(nxt) == style(line)
            and nxt.bold == line.bold
            and _emphasized(nxt, body)
            and nxt.page == line.page
            and 0 < nxt.top - line.top < 2.0 * max(line.size, 1)
            and not NUMBERED.match(nxt.text)
            and len(text) + len(nxt.text) < 2 * MAX_HEADING_CHARS
        ):
            text = join_lines([text, nxt.text])
            span += 1
            nxt = lines[i + span] if i + span < len(lines) else None
        heads.append(Heading(i, text.rstrip(".: "), number, span))
        i += span
    return _monotonic(heads)


def _top_number(number: str) -> int | None:
    head = number.split(".")[0]
    return int(head) if head.isdigit() else None


def _monotonic(heads: list[Heading]) -> list[Heading]:
    """Drop numbered 'headings' whose top-level number runs backwards (list items, table rows)."""
    out: list[Heading] = []
    last = 0
    for head in heads:
        top = _top_number(head.number)
        if top is not None:
            if top < last or top > last + 3:
                continue
            last = top
        out.append(head)
    return out


def split_run_in(lines: list[Line]) -> list[Line]:
    """Split bold run-in paragraph heads without a full stop ("Training Data We train ...") off their line."""
    out: list[Line] = []
    for n, line in enumerate(lines):
        lead, rest = line.text[: line.bold_lead].strip(), line.text[line.bold_lead :].strip()
        prev = lines[n - 1] if n else None
        if (
            line.bold_lead
            and rest
            and 4 <= len(lead) <= 60
            and len(lead.split()) <= 8
            and lead[:1].isupper()
            and not lead.endswith((".", ":", ",", ";"))
            and not CAPTION.match(lead)
            and not NOT_RUN_IN.match(lead)
            and (prev is None or prev.page != line.page or prev.bold or prev.text.endswith((".", ":", "?", "!")))
        ):
            out.append(replace(line, text=lead, bold=True, bold_lead=0, x1=line.x0 + 1))
            out.append(replace(line, text=rest, bold_lead=0))
        else:
            out.append(line)
    return out
