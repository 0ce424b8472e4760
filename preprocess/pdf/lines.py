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


def _hyphenated(joined: str, nxt: str) -> bool:
    """`joined` ends in a lower-case word broken by a hyphen that `nxt` continues ("repre-" + "sentation"), and
    not in a compound's hyphen ("state-of-the-"). Looks at the end only: linear in the text, however long."""
    if len(joined) < 2 or joined[-1] != "-" or not ("a" <= joined[-2] <= "z") or not nxt[:1].islower():
        return False
    i = len(joined) - 2
    while i >= 0 and (joined[i].isalnum() or joined[i] == "_"):  # back over the word (regex \w)
        i -= 1
    return not (i >= 0 and joined[i] == "-")


def _cjk_join(tail: str, nxt: str) -> bool:
    """A CJK line (ending in a CJK character, or in punctuation right after one) wrapped onto a CJK line."""
    if not tail or not nxt or not _CJK.match(nxt[0]):
        return False
    return bool(_CJK.match(tail[-1]) or (tail[-1] in ",.;:!?)" and len(tail) > 1 and _CJK.match(tail[-2])))


def join_lines(texts: list[str]) -> str:
    """Join wrapped lines into one string, undoing end-of-line hyphenation of lower-case words; CJK lines
    join without a space (the script has none between words)."""
    parts: list[str] = []
    tail = ""  # the joined text's last line piece: all the hyphenation rule looks at
    for text in texts:
        if not parts or parts == [""]:  # nothing joined yet
            parts = [text]
        elif _hyphenated(tail, text):
            parts[-1] = parts[-1][:-1] + text
        elif _cjk_join(tail, text):
            parts[-1] += text
        else:
            parts.append(text)
        tail = parts[-1]
    return " ".join(parts)
