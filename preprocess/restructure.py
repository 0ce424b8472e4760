"""Four-part targets (significance and novelty / acceptance / rejection / suggestions) from human reviews.

(a) Rule-based: structured fields (ICLR 2024+ summary/strengths/weaknesses/questions) and free text split on
headings like "Strengths:" (`HEADING_ROLES`). (b) LLM-based: any OpenAI-compatible endpoint, concurrent, each
answer cached on disk under the sha256 of model + prompt + review; an answer is used only when all four
`## ` part headings are there with text under each, else the caller falls back (rule-based or raw).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from preprocess import prompts
from preprocess.jsonl import write_json
from preprocess.record import Review

log = logging.getLogger(__name__)

ROLES = ("summary", "strengths", "weaknesses", "suggestions")  # in the order of prompts.FOUR_PARTS

# Heading words reviewers use, per part. A heading is a line that starts with one (after optional markdown
# `#`/`**` or a number) and ends there or with a colon.
HEADING_ROLES: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "summary of the paper", "paper summary", "summary of contributions", "contributions",
                "significance", "novelty", "significance and novelty", "overview"),
    "strengths": ("strengths", "strength", "pros", "strong points", "positives", "reasons to accept",
                  "reasons for acceptance"),
    "weaknesses": ("weaknesses", "weakness", "cons", "weak points", "negatives", "concerns", "limitations",
                   "reasons to reject", "reasons for rejection"),
    "suggestions": ("questions", "questions for the authors", "questions and suggestions", "suggestions",
                    "suggestions for improvement", "requested changes", "minor comments", "detailed comments",
                    "typos"),
}
_ROLE_OF = {name: role for role, names in HEADING_ROLES.items() for name in names}
_HEADING = re.compile(
    r"^[ \t]*(?:#+[ \t]*|\*\*|__)?[ \t]*(?:\d+[.)][ \t]*)?(" + "|".join(
        sorted((re.escape(n) for n in _ROLE_OF), key=len, reverse=True))
    + r")[ \t]*(?:\*\*|__)?[ \t]*(?::|：|$)[ \t]*(?:\*\*|__)?[ \t]*", re.IGNORECASE | re.MULTILINE)
_PART_HEADING = re.compile(r"^[ \t]*#{1,3}[ \t]*\**[ \t]*(.+?)[ \t]*[*:：]*[ \t]*$", re.MULTILINE)

# The instruction sent with every review (kept beside the part names it spells out).
RESTRUCTURE_PROMPT = (
    "Rewrite the peer review below into exactly four sections, in this order, each starting with its "
    "markdown heading on a line of its own:\n"
    + "\n".join(prompts.PART_HEADING.format(part=p) for p in prompts.FOUR_PARTS)
    + "\nKeep the reviewer's own points, numbers and judgement; add nothing new. Under a section the review "
    "says nothing about, write \"None.\". Answer with the four sections only."
)


def split_headings(text: str) -> tuple[dict[str, str], str]:
    """Text under recognised headings, by role (repeated headings joined), and the text before any heading."""
    matches = list(_HEADING.finditer(text))
    parts: dict[str, list[str]] = {}
    for m, nxt in zip(matches, [*matches[1:], None][: len(matches)], strict=True):
        chunk = text[m.end(): nxt.start() if nxt else len(text)].strip()
        if chunk:
            parts.setdefault(_ROLE_OF[m.group(1).lower()], []).append(chunk)
    lead = text[: matches[0].start()].strip() if matches else text.strip()
    return {role: "\n\n".join(chunks) for role, chunks in parts.items()}, lead


def render(parts: dict[str, str]) -> str:
    """`## Significance and novelty\\n…` for the four roles, in order."""
    return "\n\n".join(prompts.PART_HEADING.format(part=name) + "\n" + parts[role].strip()
                       for name, role in zip(prompts.FOUR_PARTS, ROLES, strict=True))


def rule_based(review: Review) -> str | None:
    """Four parts from structured fields plus headings found in free text; None unless all four have text."""
    parts = {"summary": [review.summary], "strengths": [review.strengths], "weaknesses": [review.weaknesses],
             "suggestions": [review.questions]}
    for free in (review.strengths_and_weaknesses, review.text):
        found, lead = split_headings(free)
        for role, text in found.items():
            parts[role].append(text)
        parts["summary"].append(lead)  # an overall verdict without a heading belongs with significance
    joined = {role: "\n\n".join(t for t in texts if t.strip()) for role, texts in parts.items()}
    return render(joined) if all(joined.values()) else None


def parse_four_parts(answer: str) -> str | None:
    """An LLM answer re-rendered canonically when all four part headings carry text, else None."""
    wanted = {name.lower(): role for name, role in zip(prompts.FOUR_PARTS, ROLES, strict=True)}
    matches = [m for m in _PART_HEADING.finditer(answer) if m.group(1).lower() in wanted]
    parts: dict[str, str] = {}
    for m, nxt in zip(matches, [*matches[1:], None][: len(matches)], strict=True):
        parts.setdefault(wanted[m.group(1).lower()], answer[m.end(): nxt.start() if nxt else len(answer)].strip())
    return render(parts) if len(parts) == 4 and all(parts.values()) else None


def cache_key(model: str, prompt: str, review: str) -> str:
    return hashlib.sha256("\0".join((model, prompt, review)).encode("utf-8")).hexdigest()


@dataclass
class LLMConfig:
    """Where and how to ask; the key is read from the environment variable `key_env`, never from the CLI."""

    url: str  # base URL ending in /v1 (…/chat/completions is appended)
    model: str
    cache_dir: Path
    key_env: str = "REVIEW_LLM_API_KEY"
    workers: int = 8
    timeout: float = 300.0
    max_tokens: int = 1536
    retries: int = 2
    prompt: str = RESTRUCTURE_PROMPT


@dataclass
class LLMRestructurer:
    """Restructure reviews through an OpenAI-compatible endpoint; `stats` counts requests, cache hits,
    valid and invalid answers and errors."""

    config: LLMConfig
    session_factory: Callable[[], requests.Session] = requests.Session
    stats: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = self.session_factory()
        return self._local.session

    def _cache_path(self, key: str) -> Path:
        return self.config.cache_dir / key[:2] / f"{key}.json"

    def ask(self, review: str) -> str:
        """The endpoint's answer for one review (from the cache when asked before); raises on failure."""
        cfg = self.config
        key = cache_key(cfg.model, cfg.prompt, review)
        path = self._cache_path(key)
        if path.exists():
            try:
                answer = json.loads(path.read_text(encoding="utf-8"))["answer"]
                if not isinstance(answer, str):
                    raise ValueError("answer is not a string")
                self._count("cache hits")
                return answer
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("unreadable cache entry %s (%s): asking again", path, exc)
        headers = {"Authorization": f"Bearer {os.environ[cfg.key_env]}"} if os.environ.get(cfg.key_env) else {}
        body = {"model": cfg.model, "temperature": 0, "max_tokens": cfg.max_tokens,
                "messages": [{"role": "system", "content": cfg.prompt}, {"role": "user", "content": review}]}
        for attempt in range(cfg.retries + 1):
            try:
                self._count("requests")
                resp = self._session().post(cfg.url.rstrip("/") + "/chat/completions", json=body, headers=headers,
                                            timeout=cfg.timeout)
                if resp.status_code in (429, 500, 502, 503, 504) and attempt < cfg.retries:
                    time.sleep(2 ** attempt)
                    continue
                resp.raise_for_status()
                answer = resp.json()["choices"][0]["message"]["content"] or ""
                break
            except requests.ConnectionError:
                if attempt >= cfg.retries:
                    raise
                time.sleep(2 ** attempt)
        write_json(path, {"model": cfg.model, "answer": answer})
        return answer

    def restructure(self, review: str) -> str | None:
        """The validated four-part text, or None (invalid answer or failed request; logged)."""
        try:
            answer = self.ask(review)
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
            self._count("errors")
            log.warning("LLM restructuring failed (%s): falling back", exc)
            return None
        parsed = parse_four_parts(answer)
        self._count("valid" if parsed else "invalid")
        if parsed is None:
            log.info("LLM answer lacks one of the four parts (%r...): falling back", answer[:60])
        return parsed

    def restructure_many(self, reviews: Sequence[str]) -> list[str | None]:
        """`restructure` over many reviews with `workers` concurrent requests, results in input order."""
        if not reviews:
            return []
        with ThreadPoolExecutor(max_workers=max(1, self.config.workers)) as pool:
            return list(pool.map(self.restructure, reviews))
