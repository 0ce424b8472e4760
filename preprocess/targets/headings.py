"""Reviewers' own headings, as data: which part the text under a heading belongs to, or that it must be split.

`HEADINGS` is the grammar: each row names the headings reviewers write (inside free text and inside fields;
`/`, `&`, `+` and `,` read as "and", so `Weaknesses / Questions` is the row `weaknesses and questions`), the
parts its text may go to, and how far the heading reaches. A row with one part places its text there; a row
with several ("split further": `Strengths and Weaknesses`, `Pros / Cons`, `Weaknesses & Questions`,
`Post-rebuttal update`) is split at `+` / `-` markers when it has both, else handed to the classifier, which
chooses among that row's parts only. Text under no heading goes to the classifier over all four parts; nothing
falls silently into the first part. A `Summary:` reaches to the end of its paragraph or to the first list
item: the numbered criticisms that often follow it are not summary.

Sources of the spellings: OpenReview ICLR 2017-2024, NeurIPS 2021-2023 and TMLR review notes; PeerRead's ACL
2017 (`- Strengths:`, `- Weaknesses:`, `- General Discussion:`) and ICLR 2017 reviews.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from preprocess.core.target import ROLES


@dataclass(frozen=True)
class Heading:
    names: tuple[str, ...]  # lower case, separators written " and "
    roles: tuple[str, ...]  # one: the part; several: split further among them
    scope: str = "section"  # section: to the next heading; paragraph: to a blank line or the first list item


S, A, R, G = ROLES  # summary, strengths, weaknesses, suggestions
HEADINGS: tuple[Heading, ...] = (
    Heading(("summary", "summary of the paper", "paper summary", "summary of contributions", "contributions",
             "summary and contributions", "significance", "novelty", "significance and novelty", "overview",
             "summary of the submission", "what is this paper about", "synopsis"), (S,), "paragraph"),
    Heading(("strengths", "strength", "pros", "strong points", "positives", "positive aspects", "reasons to accept",
             "reasons for acceptance", "summary of strengths", "advantages", "merits"), (A,)),
    Heading(("weaknesses", "weakness", "cons", "weak points", "negatives", "negative aspects", "concerns",
             "major concerns", "main concerns", "major comments", "major issues", "limitations", "reasons to reject",
             "reasons for rejection", "summary of weaknesses", "disadvantages", "criticism", "criticisms"), (R,)),
    Heading(("questions", "question", "questions for the authors", "questions to the authors",
             "questions and suggestions", "suggestions", "suggestions for improvement", "requested changes",
             "minor comments", "minor issues", "minor points", "minor", "detailed comments", "typos",
             "typos and minor comments", "minor comments and typos", "comments and suggestions and typos",
             "comments and suggestions", "additional comments", "other comments", "additional feedback",
             "clarifications"), (G,)),
    Heading(("strengths and weaknesses", "strength and weaknesses", "pros and cons", "strong and weak points",
             "strengths and limitations", "positives and negatives"), (A, R)),
    Heading(("weaknesses and questions", "weakness and questions", "cons and questions", "concerns and questions",
             "weaknesses and suggestions", "limitations and questions", "questions and concerns",
             "comments and questions", "detailed comments and questions"), (R, G)),
    Heading(("update", "post rebuttal update", "post-rebuttal update", "post rebuttal", "post-rebuttal",
             "after rebuttal", "update after rebuttal", "after the rebuttal", "post-rebuttal feedback",
             "post-rebuttal comments", "post discussion update", "edit", "updates", "general discussion",
             "general comments", "overall", "overall assessment", "reason for score", "review", "main review",
             "recommendation"), ROLES),
)
ROW_OF = {name: row for row in HEADINGS for name in row.names}

# A heading line: optional `#`s, a `- ` bullet, bold or italic marks, a number; the name; an optional colon and
# text on the same line (`Strengths: clear writing`). The name is looked up in `ROW_OF` after normalising.
_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|[-*][ \t]+)?(?:\*\*|__|\*|_)?[ \t]*(?:\d{1,2}[.)][ \t]*)?"
                   r"(?P<name>[A-Za-z][A-Za-z /&+,'()-]{0,60})[ \t]*(?:\*\*|__|\*|_)?[ \t]*(?P<colon>[:：])?"
                   r"[ \t]*(?:\*\*|__|\*|_)?[ \t]*(?P<rest>.*)$")
_SEPARATORS = re.compile(r"\s*(?:/|&|\+|,|\band\b)\s*")
# A heading word run into a line after a sentence ("... clear. Weaknesses: ..."), in combined fields.
_INLINE = re.compile(r"(?<=[A-Za-z)][.!?])[ \t]+(?=(?:strengths?|weakness(?:es)?|pros|cons|questions?|suggestions?|"
                     r"limitations)[ \t]*:)", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)]|\(?[a-z0-9]\))\s+")
_PLUS, _MINUS = re.compile(r"^\s*\+\s*"), re.compile(r"^\s*[-−–]\s+")


def normal_name(name: str) -> str:
    """`Weaknesses / Questions` -> `weaknesses and questions`: how `ROW_OF` is keyed."""
    return _SEPARATORS.sub(" and ", name.strip().lower()).strip(" ()")


def heading_row(line: str) -> tuple[Heading, str] | None:
    """(row, text after the heading on the same line) when `line` is a reviewer's heading, else None."""
    match = _LINE.match(line)
    if not match or not (match.group("colon") or not match.group("rest")):
        return None
    row = ROW_OF.get(normal_name(match.group("name")))
    return (row, match.group("rest").strip()) if row else None


@dataclass
class Chunk:
    """Text under one heading (or under none) and the parts it may go to."""

    text: str
    roles: tuple[str, ...]


def chunks(text: str, lead: tuple[str, ...] = ROLES) -> list[Chunk]:
    """`text` cut at its headings, in order; the text before any heading may go to the `lead` parts, and what
    a `paragraph`-scoped heading does not reach to any part."""
    out: list[Chunk] = [Chunk("", lead)]
    open_paragraph = False
    for line in _INLINE.sub("\n", text).split("\n"):
        found = heading_row(line)
        if found:
            row, rest = found
            out.append(Chunk(rest, row.roles))
            open_paragraph = row.scope == "paragraph"
            continue
        if open_paragraph and out[-1].text.strip() and (not line.strip() or _LIST_ITEM.match(line)):
            out.append(Chunk("", ROLES))  # the summary's paragraph ends here; what follows is unplaced
            open_paragraph = False
        out[-1].text += ("\n" if out[-1].text else "") + line
    return [Chunk(c.text.strip(), c.roles) for c in out if c.text.strip()]


def split_markers(chunk: Chunk) -> list[Chunk]:
    """A strengths-and-weaknesses chunk written as `+` / `-` items: each item to its part (continuation lines
    follow their item); any other chunk, or one without both markers, as it is."""
    lines = chunk.text.split("\n")
    if not {"strengths", "weaknesses"} <= set(chunk.roles) or not (any(map(_PLUS.match, lines))
                                                                and any(map(_MINUS.match, lines))):
        return [chunk]
    out: list[Chunk] = []
    for line in lines:
        role = "strengths" if _PLUS.match(line) else "weaknesses" if _MINUS.match(line) else None
        if role or not out:
            out.append(Chunk(line, (role,) if role else chunk.roles))
        else:
            out[-1].text += "\n" + line
    return [Chunk(c.text.strip(), c.roles) for c in out if c.text.strip()]
