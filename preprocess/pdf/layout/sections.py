"""Default backend, step 4 (sections): title, abstract, kind-tagged sections and reference entries.

Works on cleaned `Line`s and the headings `headings` finds. Sections carry a
`kind` (body, acknowledgements, appendix) so later steps can drop all but the body; the reference
list is split into entries by [n] markers, hanging indents, extra line spacing or sentence ends.
"""

from __future__ import annotations

import re

from preprocess.core.record import Section
from preprocess.pdf.layout.contents import drop_contents
from preprocess.pdf.layout.headings import Heading, body_style, find_headings, split_run_in, style
from preprocess.pdf.lines import Line, join_lines
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.vocab import ABSTRACT, CJK, NOT_TITLE, STOP_ABSTRACT, heading_kind, tidy_heading

CJK_RE = re.compile(CJK)


def title_size(line: Line) -> float:
    """A line's size for the title rule: its largest common letter size (small-capital titles mix two)."""
    return max(line.size, line.title_size)


def find_title(lines: list[Line], body: tuple[str, float]) -> tuple[str, int]:
    """Largest-font line block in the upper part of page 1 (first plausible line without layout)."""
    first = [i for i, line in enumerate(lines) if line.page == 0]
    if not first:
        return "", -1
    if lines[first[0]].has_layout:

        def plausible(i: int) -> bool:
            line = lines[i]
            letters = sum(c.isalpha() for c in line.text)
            return (
                line.top < 0.6 * (line.page_height or 792)
                and letters >= 3
                and not re.match(r"^(arxiv:|r e s|open access|research( article)?$)", line.text, re.I)
                and not ABSTRACT.match(line.text)
                and line.x1 - line.x0 > 30
            )

        cands = [i for i in first if plausible(i)]
        if not cands:
            return "", -1
        top_size = max(title_size(lines[i]) for i in cands)
        if top_size < body[1] * 1.1:
            cands = cands[:1]
        start = next(i for i in cands if title_size(lines[i]) >= top_size - 0.6)
        size = title_size(lines[start])
        block = [start]
        j = start + 1
        while j < len(lines) and lines[j].page == 0 and abs(title_size(lines[j]) - size) <= 0.6:
            if lines[j].top - lines[block[-1]].top > 2.2 * size:
                break
            block.append(j)
            j += 1
        return join_lines([lines[i].text for i in block]), block[-1]
    for n, i in enumerate(first[:15]):
        text = lines[i].text
        if len(text.split()) >= 3 and not NOT_TITLE.search(text) and sum(c.isalpha() for c in text) > 0.6 * len(text):
            nxt = lines[first[n + 1]].text if n + 1 < len(first) else ""
            if nxt and _continues_title(text, nxt):
                return join_lines([text, nxt]), first[n + 1]
            return text, i
    return "", -1


def _continues_title(text: str, nxt: str) -> bool:
    """Whether a plain-text line after a title line still belongs to the title (not authors)."""
    return (
        not text.endswith((".", ":"))
        and len(nxt.split()) <= 12
        and not re.search(r"[\d@,*†‡]|\band\b", nxt)
        and not NOT_TITLE.search(nxt)
        and not ABSTRACT.match(nxt)
        and not re.match(r"^(anonymous|paper under)", nxt, re.I)
    )


def paragraphs(lines: list[Line]) -> str:
    """Lines to text: paragraphs split on vertical gaps and short sentence-final lines."""
    paras: list[list[str]] = []
    prev: Line | None = None
    for line in lines:
        new = prev is None
        if prev is not None and line.has_layout and prev.has_layout:
            gap = line.top - prev.top
            width = max(prev.x1 - prev.x0, 1)
            new = (line.page == prev.page and gap > 1.9 * max(prev.size, 1)) or (
                prev.text.endswith((".", ":", "?", "!", "。", "：", "？", "！"))
                and (line.x0 - prev.x0 > 6 or width < 0.7 * (line.x1 - line.x0))
            )
        if new or not paras:
            paras.append([line.text])
        else:
            paras[-1].append(line.text)
        prev = line
    return "\n\n".join(join_lines(p) for p in paras)


REF_NUMBERED = re.compile(r"^(\[\d{1,3}\]|\d{1,3}\.)\s")


def split_references(lines: list[Line]) -> list[str]:
    """Reference-list lines to entries: by [n] / n. markers, else hanging indent, else sentence ends."""
    if not lines:
        return []
    if sum(bool(REF_NUMBERED.match(line.text)) for line in lines) >= 0.2 * len(lines):
        starts = [bool(REF_NUMBERED.match(line.text)) for line in lines]
    elif lines[0].has_layout:
        starts = _indent_starts(lines)
        if not any(starts[1:]):
            starts = _gap_starts(lines)
        if all(starts) or not any(starts[1:]):  # layout says nothing: fall back to text cues
            starts = _text_starts(lines)
    else:
        starts = _text_starts(lines)
    entries: list[list[str]] = []
    for line, start in zip(lines, starts, strict=True):
        if start or not entries:
            entries.append([line.text])
        else:
            entries[-1].append(line.text)
    return [join_lines(e) for e in entries if len(" ".join(e)) > 15]


def _indent_starts(lines: list[Line]) -> list[bool]:
    """Hanging indent: an entry starts at its column's left edge, continuation lines sit further right."""
    def column(line: Line) -> tuple[int, bool]:
        return line.page, line.x0 < line.page_width / 2

    left: dict[tuple[int, bool], float] = {}  # each page column's left edge, found in one pass
    for line in lines:
        left[column(line)] = min(left.get(column(line), line.x0), line.x0)
    starts = [line.x0 - left[column(line)] < 3 for line in lines]
    return [False] * len(lines) if all(starts) else starts


def _gap_starts(lines: list[Line]) -> list[bool]:
    """Extra space between entries: a line further below its predecessor than the usual line pitch."""
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if b.page == a.page and b.top > a.top]
    if len(pitches) < 2:
        return [False] * len(lines)
    usual = sorted(pitches)[len(pitches) // 3]
    starts = [True]
    for a, b in zip(lines, lines[1:], strict=False):
        starts.append(b.page == a.page and b.top - a.top > usual + max(1.5, 0.12 * usual))
    return starts


def _text_starts(lines: list[Line]) -> list[bool]:
    starts = [True]
    for prev, line in zip(lines, lines[1:], strict=False):
        starts.append(
            bool(re.search(r"(\d{4}[a-z]?|\.)\)?\.?$", prev.text))
            and bool(re.match(r"^(?:[A-Z]\.\s?)*[A-Z][\w'’`-]+[.,]? (?:[A-Z]\.|[A-Z][a-z]+|and\b)", line.text))
        )
    return starts


def _block_end(lines: list[Line], start: int) -> int:
    """Last index of the block of lines starting at `start` (same style, no vertical gap)."""
    end = start
    while end + 1 < len(lines):
        a, b = lines[end], lines[end + 1]
        if not (
            a.has_layout and b.page == a.page and style(a) == style(b) and 0 < b.top - a.top < 1.6 * max(a.size, 1)
        ):
            break
        end += 1
    return end


def find_abstract(lines: list[Line], heads: list[Heading], after: int) -> tuple[str, int]:
    """Abstract text and the index of its last line (or of a keywords block right after it)."""
    for i in range(max(after, 0), min(len(lines), after + 80)):
        match = ABSTRACT.match(lines[i].text)
        if match:
            first_text = lines[i].text[match.end() :]
            end = next((h.index for h in heads if h.index > i), len(lines))
            block = [first_text] if first_text else []
            last = end - 1
            for j in range(i + 1, end):
                if STOP_ABSTRACT.match(lines[j].text):
                    last = _block_end(lines, j)
                    break
                block.append(lines[j].text)
            return join_lines(block), last
    end = next((h.index for h in heads if h.index > after), len(lines))
    block = lines[after + 1 : end]
    return (paragraphs(block) if len(" ".join(x.text for x in block).split()) >= 30 else ""), end - 1


def split_sections(lines: list[Line]) -> ParsedPaper:
    """Title, abstract, kind-tagged sections and reference entries from cleaned lines."""
    out = ParsedPaper()
    if not lines:
        out.warnings.append("no text")
        return out
    body = body_style(lines)
    lines = split_run_in(drop_contents(lines))
    out.title, title_end = find_title(lines, body)
    heads = [h for h in find_headings(lines, body, title_end + 1) if not ABSTRACT.fullmatch(h.text)]
    out.abstract, abstract_end = find_abstract(lines, heads, title_end + 1)
    heads = [h for h in heads if h.index > abstract_end]
    if not out.title:
        out.warnings.append("no title found")
    if not out.abstract:
        out.warnings.append("no abstract found")
    kind = "body"
    for n, head in enumerate(heads):
        end = heads[n + 1].index if n + 1 < len(heads) else len(lines)
        kind = heading_kind(head.text, head.number, kind)
        chunk = lines[head.index + head.span : end]
        if kind == "references":
            out.references.extend(split_references(chunk))
            continue
        out.sections.append(Section(tidy_heading(head.text), paragraphs(chunk), kind))
    if not heads:
        out.warnings.append("no section headings found" + (CJK_UNSUPPORTED if _mostly_cjk(lines) else ""))
    return out


CJK_UNSUPPORTED = ("; CJK text: headings are found when numbered (\"1 引言\", \"一、\", \"第二章\") or named "
                   "(\"引言\", \"参考文献\", \"はじめに\", \"서론\") and set apart from the body; this paper is "
                   "unsupported without them")


def _mostly_cjk(lines: list[Line]) -> bool:
    text = "".join(line.text for line in lines[:400])
    return len(CJK_RE.findall(text)) > 0.3 * max(1, len(text.replace(" ", "")))
