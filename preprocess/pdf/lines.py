"""A line of PDF text with its geometry and style, and how wrapped lines join: shared by every backend."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A margin line number merged into a line's text (NeurIPS `lineno`), at its start or end.
LEADING_NUMBER = re.compile(r"^(\d{1,4})\s+(?=\S)")
TRAILING_NUMBER = re.compile(r"(?<=\S)\s+(\d{1,4})$")


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


def join_lines(texts: list[str]) -> str:
    """Join wrapped lines into one string, undoing end-of-line hyphenation of lower-case words."""
    out = ""
    for text in texts:
        if not out:
            out = text
        elif re.search(r"[a-z]-$", out) and text[:1].islower() and not re.search(r"-\w+-$", out):
            out = out[:-1] + text
        else:
            out += " " + text
    return out
