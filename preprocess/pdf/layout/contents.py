"""Tables of contents: recognised and taken out before headings are looked for.

A contents list ("Contents", "1. Introduction 2", "2 Method ........ 4", "Appendix A. Proofs 11",
"References 14") reads line by line like a run of headings, and its "Appendix" and "References" entries
would turn everything after them into back matter. A run of entry lines (a title, then a page number, with or
without dotted leaders, page numbers never decreasing) under a "Contents" heading, or with leaders, or long
enough on its own, is a contents list; its lines (and the heading) are not the paper's text.
"""

from __future__ import annotations

import re

from preprocess.pdf.lines import Line

CONTENTS = re.compile(r"^(?:table of contents|contents|目\s*[录錄次]|목\s*차)$", re.I)
# An entry: a title (starting with a number or a capital), optional leaders, a page number (< 1000: not a year).
ENTRY = re.compile(
    r"^(?P<title>.*?[^\d\s.·…])(?P<leader>\s*(?:[.·…]\s*){2,})?\s+(?P<page>\d{1,3})$"
)
NUMERIC = re.compile(r"^[\d.,%±()]+$")
MIN_ENTRIES = 3  # under a "Contents" heading or with leaders
MIN_BARE_ENTRIES = 6  # with neither: a long run, so that a few table rows or list items do not count
MAX_ENTRY_CHARS = 150


def _entry(text: str, continued: bool = False) -> tuple[int, bool] | None:
    """(page number, has dotted leaders) of a contents entry line (`continued`: the second line of a
    wrapped entry, which may start in lower case), else None. Table rows (more numbers than the page
    number) and sentences are not entries."""
    match = ENTRY.match(text)
    if not match or len(text) > MAX_ENTRY_CHARS:
        return None
    if not (continued or text[0].isdigit() or text[0].isupper() or not text[0].isascii()):
        return None
    words = match.group("title").split()
    if sum(bool(NUMERIC.match(w)) for w in words[1:]) or not re.search(r"[^\W\d_]{2}", match.group("title")):
        return None
    if re.search(r"\w[.!?]\s+[a-z]", match.group("title")):  # prose, not a title
        return None
    return int(match.group("page")), bool(match.group("leader"))


def _run(lines: list[Line], start: int) -> tuple[list[int], int, bool]:
    """Indices of the entry run starting at `start` (a wrapped entry's first half may sit between two
    entries), how many entries it holds, and whether any has leaders."""
    picked, entries, leaders, last_page, i = [], 0, False, 0, start
    while i < len(lines):
        entry = _entry(lines[i].text)
        if entry is None and i + 1 < len(lines) and picked and len(lines[i].text) <= MAX_ENTRY_CHARS:
            entry = _entry(lines[i + 1].text, continued=True)
            if entry is None or entry[0] < last_page:
                break
            picked.append(i)  # the first half of a wrapped entry
            i += 1
        if entry is None or entry[0] < last_page:
            break
        picked.append(i)
        entries, leaders, last_page, i = entries + 1, leaders or entry[1], entry[0], i + 1
    return picked, entries, leaders


def contents_lines(lines: list[Line]) -> set[int]:
    """Indices of the lines that make up contents lists (their "Contents" heading included)."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        heading = bool(CONTENTS.match(lines[i].text.strip().rstrip(":")))
        start = i + 1 if heading else i
        picked, entries, leaders = _run(lines, start)
        if entries >= (MIN_ENTRIES if heading or leaders else MIN_BARE_ENTRIES):
            out.update(picked)
            if heading:
                out.add(i)
            i = picked[-1] + 1
        else:
            i += 1
    return out


def drop_contents(lines: list[Line]) -> list[Line]:
    """`lines` without their contents lists."""
    drop = contents_lines(lines)
    return [line for i, line in enumerate(lines) if i not in drop] if drop else lines
