"""Review text into sentences: hard-wrapped lines joined back into their paragraphs, then sentence boundaries.

Reviews typed into an 80-column box (every ACL 2017 / CoNLL 2016 review in PeerRead, some ICLR 2017 ones) carry
a newline inside nearly every sentence. `join_wrapped` puts a line that ends mid-sentence back together with the
next; lists, headings and paragraph breaks stay as they are. `sentences` cuts a line into sentences with pysbd
(abbreviations, decimals, "e.g.", "et al." are not ends), not a regex. Importers of hard-wrapped sources
(`preprocess/sources/`) call `join_wrapped`; the four-part classifier (`parts.units`) calls both.

    join_wrapped("Comparison to an extensive set of\\nalternative systems.\\n- A bullet")
    -> "Comparison to an extensive set of alternative systems.\\n- A bullet"
"""

from __future__ import annotations

import functools
import re

# A line that starts a new item or section: a bullet, a numbered point, a markdown heading, a table row.
_ITEM = re.compile(r"^\s*(?:[-*•+>|]|#|\d{1,2}[.)]\s|\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})\)\s|[A-Z][\w /&-]{0,40}:\s*$)")
_ENDS = re.compile(r"[.!?:;][\"')\]]*$")  # a line that ends a sentence (or opens a list with a colon)
_FENCE = re.compile(r"^\s*```")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__).*(?:\*\*|__):?\s*$")
MIN_WRAPPED = 30  # a line this long that ends mid-sentence was wrapped; a shorter one may be a title


def _continues(line: str, nxt: str) -> bool:
    """Does `nxt` carry on the sentence that `line` leaves open?"""
    if not line.strip() or not nxt.strip() or _ITEM.match(nxt) or _BOLD_LINE.match(line):
        return False
    if line.lstrip().startswith("#") or _ENDS.search(line.rstrip()):
        return False
    first = nxt.lstrip()[0]
    return first.islower() or not first.isalpha() or len(line.strip()) >= MIN_WRAPPED


def join_wrapped(text: str) -> str:
    """`text` with each line that ends mid-sentence joined to the next by one space (code fences untouched)."""
    out: list[str] = []
    fenced = False
    for line in text.replace("\r\n", "\n").split("\n"):
        fence = bool(_FENCE.match(line))
        if out and not fenced and not fence and _continues(out[-1], line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        fenced ^= fence
    return "\n".join(out)


@functools.cache
def _segmenter():  # pysbd builds its rule tables once
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences(line: str) -> list[str]:
    """One line of text as its sentences (stripped, empty ones dropped)."""
    line = line.strip()
    if not line:
        return []
    if not re.search(r"[.!?]\s", line):  # one sentence at most: no need to ask pysbd
        return [line]
    return [s.strip() for s in _segmenter().segment(line) if s.strip()]
