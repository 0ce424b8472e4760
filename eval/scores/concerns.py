"""Key concerns of a review, the unit the comment hit rate (eval/scores/hitrate.py) matches.

Rule-based by default: the items of `## Reasons for rejection`, or of a free-text review's weakness
sections; or extracted by an OpenAI-compatible chat model (Liang et al. 2023), with the rule as fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from preprocess.core import prompts
from preprocess.core.llm import ChatClient
from preprocess.core.target import is_trailer, part_items, split_parts

MAX_CONCERNS = 20  # per review, in order; keeps the matcher cost bounded
MIN_WORDS = 3  # shorter items are headings or fragments, not concerns
CONCERN_PART = "Reasons for rejection"

# A free-text review's section labels: `## Weaknesses`, `**Cons**`, `**Concerns:** text`, `Weaknesses: text`.
_LABEL_FORMS = (re.compile(r"^\s*#{1,6}\s*(?P<name>.+?)\s*(?P<rest>)$"),
                re.compile(r"^\s*\*\*(?P<name>[^*]+?)\*\*\s*[:：]?\s*(?P<rest>.*)$"),
                re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z ,&/()'-]*?)\s*[:：]\s*(?P<rest>.*)$"))
_WEAKNESS = re.compile(r"weakness|\bcons\b|concern|negative|reject|limitation|criticism|drawback", re.IGNORECASE)
MAX_LABEL_WORDS = 4  # longer "Name:" prefixes are prose, not labels
_CONFIDENCE = re.compile(r"^\s*\**\s*confidence\s*\**\s*[:：]", re.IGNORECASE)  # beside the target's tail


def extract_concerns(text: str) -> list[str]:
    """Key concerns of a review: the items of its `Reasons for rejection` part.

    A free-text review (none of the four part headings) gives its labelled weakness sections
    (`Weaknesses:`, `Cons:`, `Concerns:` ...) or, without any, the whole text (rating/decision lines
    dropped); a structured one without that part has no concerns. Bullets or numbered items make one
    concern each; text without bullets is split into sentences.
    """
    parts = split_parts(text)
    if parts:
        body = parts.get(CONCERN_PART, "")
    else:
        kept = [line for line in text.splitlines() if not (is_trailer(line) or _CONFIDENCE.match(line))]
        body = weakness_sections(kept) or "\n".join(kept)
    concerns = [item for item in part_items(body) if len(item.split()) >= MIN_WORDS]
    return concerns[:MAX_CONCERNS]


def _label(line: str) -> tuple[str, str] | None:
    """(label, text after it) when the line opens a section of a free-text review, else None."""
    for form in _LABEL_FORMS:
        match = form.match(line)
        if match:
            name = match.group("name").strip(" :：*")
            if name and name[0].isalpha() and len(name.split()) <= MAX_LABEL_WORDS:
                return name, match.group("rest")
    return None


def weakness_sections(lines: Sequence[str]) -> str:
    """Text under weakness-like labels of a free-text review, up to the next label; "" when none."""
    taken: list[str] = []
    inside = False
    for line in lines:
        label = _label(line)
        if label is not None:
            inside = bool(_WEAKNESS.search(label[0]))
            if inside and label[1].strip():
                taken.append(label[1])
            continue
        if inside:
            taken.append(line)
    return "\n".join(taken).strip()


def json_array(text: str) -> list | None:
    """The first JSON array in a reply (code fences and chatter around it allowed), or None."""
    start = text.find("[")
    while start != -1:
        end = text.rfind("]")
        while end > start:
            try:
                value = json.loads(text[start:end + 1])
                return value if isinstance(value, list) else None
            except ValueError:
                end = text.rfind("]", start, end)
        start = text.find("[", start + 1)
    return None


def llm_concerns(client: ChatClient, texts: Sequence[str]) -> tuple[list[list[str]], int]:
    """Concerns extracted by the LLM; a reply that is not a JSON list of strings falls back to
    `extract_concerns`. Returns (concern lists, number of fallbacks)."""
    replies = client.chat_many([[{"role": "user", "content": prompts.EXTRACT_CONCERNS.format(review=t)}]
                                for t in texts])
    out, fallbacks = [], 0
    for text, reply in zip(texts, replies, strict=True):
        items = json_array(reply)
        if items is None or not all(isinstance(x, str) for x in items):
            fallbacks += 1
            out.append(extract_concerns(text))
        else:
            out.append([x.strip() for x in items if len(x.split()) >= MIN_WORDS][:MAX_CONCERNS])
    return out, fallbacks
