"""A line of PDF text with its geometry and style, and how wrapped lines join: shared by every backend."""

from __future__ import annotations

import re
from dataclasses import dataclass

from preprocess.core.record import CJK_CHARS

# A margin line number merged into a line's text (NeurIPS `lineno`), at its start or end.
LEADING_NUMBER = re.compile(r"^(\d{1,4})\s+(?=\S)")
TRAILING_NUMBER = re.compile(r"(?<=\S)\s+(\d{1,4})$")
_CJK = re.compile(f"[{CJK_CHARS}。，、；：？！（）「」『』《》【】]")


@dataclass
class Line:
    """One text line in reading order; geometry in PDF points with `top` measured from the page top."""

    text: str
    page: int
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    size: float = 0.0  # glyph box height: a font-size proxy that survives scaled text matrices
    title_size: float = 0.0  # page 1's upper lines: the size most word initials reach (small-capital titles)
    font: str = ""
    bold: bool = False
    bold_lead: int = 0  # characters of a bold run-in lead ("Training Data Our model ...")
    body_x0: float = 0.0  # where the text after a leading number starts (x0 when there is none)
    body_x1: float = 0.0  # where the text before a trailing number ends (x1 when there is none)
    page_width: float = 0.0
    page_height: float = 0.0

    @property
    def has_layout(self) -> bool:
        return self.page_width > 0


def _end(chunks: list[str], n: int) -> str:
    """The last `n` characters of the text the chunks join to (fewer if it is shorter)."""
    out = ""
    for chunk in reversed(chunks):
        out = chunk[-(n - len(out)) :] + out
        if len(out) >= n:
            break
    return out


def _hyphenated(chunks: list[str], nxt: str) -> bool:
    """The joined chunks end in a lower-case word broken by a hyphen that `nxt` continues ("repre-" +
    "sentation"), and not in a compound's hyphen ("state-of-the-"). Reads back over the last word only."""
    end = _end(chunks, 2)
    if len(end) < 2 or end[-1] != "-" or not ("a" <= end[-2] <= "z") or not nxt[:1].islower():
        return False
    chars = (c for chunk in reversed(chunks) for c in reversed(chunk))
    next(chars)  # the hyphen
    for char in chars:  # back over the word (regex \w)
        if not (char.isalnum() or char == "_"):
            return char != "-"
    return True


def _cjk_join(tail: str, nxt: str) -> bool:
    """A CJK line (ending in a CJK character, or in punctuation right after one) wrapped onto a CJK line."""
    if not tail or not nxt or not _CJK.match(nxt[0]):
        return False
    return bool(_CJK.match(tail[-1]) or (tail[-1] in ",.;:!?)" and len(tail) > 1 and _CJK.match(tail[-2])))


def join_lines(texts: list[str]) -> str:
    """Join wrapped lines into one string, undoing end-of-line hyphenation of lower-case words; CJK lines
    join without a space (the script has none between words). Linear in the text: each piece joined without
    a space is kept as a chunk of its part and the chunks are joined once at the end."""
    parts: list[list[str]] = []  # each part: chunks that join without a space
    for text in texts:
        if not parts or parts == [[""]]:  # nothing joined yet
            parts = [[text]]
        elif _hyphenated(parts[-1], text):
            parts[-1][-1] = parts[-1][-1][:-1]
            parts[-1].append(text)
        elif _cjk_join(_end(parts[-1], 2), text):
            parts[-1].append(text)
        else:
            parts.append([text])
    return " ".join("".join(chunks) for chunks in parts)
