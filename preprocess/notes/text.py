"""Text hygiene for notes and parsed papers: mojibake repaired, cited URLs kept readable, boilerplate lines out.

    repair("Itâ€™s fine&nbsp;")                           -> "It’s fine" + NBSP   (ftfy)
    cite_urls("see https://arxiv.org/abs/1706.03762?x=1") -> "see arxiv.org/abs/1706.03762"
    cite_urls("[the code](https://github.com/a/b)")       -> "the code (github.com/a/b)"

A URL keeps its host and path (what a reviewer cited), not its scheme, query or fragment. `content_changed`
tells a real fix from one that only moved whitespace, so the funnel counts only the real ones.
`fold` folds case, punctuation and spacing: the key duplicate reviews, titles across inputs and split groups
are compared by.
"""

from __future__ import annotations

import re

import ftfy

# Whole lines that carry no content: conference headers on every PDF page, empty form answers.
PAPER_BOILERPLATE = re.compile(
    r"[ \t]*(?:(?:under review|published) as a (?:conference|workshop) paper at .*"
    r"|anonymous authors?|paper under double-blind review|preprint\.? (?:under review|work in progress)\.?"
    r"|submitted to .*do not distribute\.?)[ \t]*", re.IGNORECASE)
REVIEW_BOILERPLATE = re.compile(
    r"[ \t]*(?:n/?a|none|-+|\.+|\^+|please see (?:the |my )?(?:above|below|main review|review|weaknesses|strengths)"
    r"(?: section)?)[ \t]*\.?[ \t]*", re.IGNORECASE)
BOILERPLATE_MAX_LEN = 200  # longer lines are content, whatever they start with
MAX_PATH_CHARS = 60  # a cited URL's path beyond this is cut (long tracking paths, encoded queries)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]{}\"']*[^\s<>()\[\]{}\"'.,;:!?]", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(\s*((?:https?://|www\.)[^\s)]+)\s*\)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TRAILING_SPACE = re.compile(r"[^\S\n]\n|[^\S\n]\Z")
_SPACE = re.compile(r"\s+")
_SUSPECT = re.compile(r"[\u00c2-\u00c3\u00e2\u00ef\u00f0]|&[#a-zA-Z0-9]{2,8};")  # marks of mojibake, entities


def repair(text: str) -> str:
    """Mojibake ("â€™", "Ã©") and HTML entities ("&nbsp;") repaired by ftfy; quotes and widths left as typed."""
    if not text or not _SUSPECT.search(text):  # ftfy is slow; most text has nothing for it to do
        return text
    return ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False,
                         normalization=None)


def short_url(url: str) -> str:
    """`https://www.arxiv.org/abs/1706.03762?x=1#s` -> `arxiv.org/abs/1706.03762` (host and path)."""
    bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.IGNORECASE)
    host, _, path = bare.partition("/")
    path = re.split(r"[?#]", path, maxsplit=1)[0].rstrip("/")
    if len(path) > MAX_PATH_CHARS:
        path = path[:MAX_PATH_CHARS].rsplit("/", 1)[0] + "/…"
    return f"{host}/{path}" if path else host


def cite_urls(text: str) -> str:
    """Links kept as what they cite: a markdown link as its text and host/path, a bare URL as host/path."""
    if "://" not in text and "www." not in text.lower():  # the regexes only where they can match
        return text
    text = _MD_LINK.sub(lambda m: f"{m.group(1).strip()} ({short_url(m.group(2))})", text)
    return _URL.sub(lambda m: short_url(m.group(0)), text)


def drop_lines(text: str, pattern: re.Pattern) -> str:
    """`text` without the lines that `pattern` matches whole."""
    lines = text.split("\n")
    kept = [line for line in lines if len(line) > BOILERPLATE_MAX_LEN or not pattern.fullmatch(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


def tidy(text: str) -> str:
    """Control characters out, trailing spaces and runs of blank lines collapsed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if _TRAILING_SPACE.search(text):
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def clean_review_text(text: str) -> str:
    return tidy(drop_lines(cite_urls(repair(text)), REVIEW_BOILERPLATE)) if text else text


def clean_paper_text(text: str) -> str:
    return tidy(drop_lines(cite_urls(repair(text)), PAPER_BOILERPLATE)) if text else text


def content_changed(old: str, new: str) -> bool:
    """Whether a fix changed more than whitespace."""
    return old != new and _SPACE.sub(" ", old).strip() != _SPACE.sub(" ", new).strip()


_NORM = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Case, punctuation and whitespace folded (what the duplicate checks compare)."""
    return _NORM.sub(" ", text.lower()).strip()
