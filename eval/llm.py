"""A small client for any OpenAI-compatible `/chat/completions` endpoint, with an on-disk cache.

Replies are cached under `cache_dir` keyed by a SHA-256 of (model, messages, temperature,
max_tokens): a rerun asks nothing twice, and the endpoint's address is not part of the key. Calls
run in a thread pool; transient failures (connection errors, 429, 5xx) are retried a bounded number
of times with exponential backoff. The bearer key comes from `$EVAL_API_KEY` when set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from preprocess.jsonl import atomic_open

log = logging.getLogger(__name__)

API_KEY_ENV = "EVAL_API_KEY"
Messages = list[dict[str, str]]


class LLMError(RuntimeError):
    """The endpoint failed for good (after retries) or answered something that is not a chat reply."""


def completions_url(url: str) -> str:
    """`http://host:8000/v1` (or the full `/chat/completions` URL) -> the full completions URL."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


class ChatClient:
    """Chat completions with caching, bounded retries and a thread pool (`chat_many`)."""

    def __init__(self, url: str, model: str, cache_dir: str | os.PathLike, *, temperature: float = 0.0,
                 max_tokens: int = 1024, timeout_s: float = 300.0, retries: int = 3, backoff_s: float = 2.0,
                 workers: int = 4, api_key: str | None = None):
        self.url = completions_url(url)
        self.model = model
        self.cache_dir = Path(cache_dir)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.workers = workers
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.calls = 0  # requests actually sent (cache misses, retries included)
        self.cache_hits = 0
        self._count_lock = threading.Lock()

    def cache_key(self, messages: Messages) -> str:
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature,
                   "max_tokens": self.max_tokens}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def chat(self, messages: Messages) -> str:
        """The assistant's reply to `messages`, from the cache when asked before."""
        key = self.cache_key(messages)
        path = self._cache_path(key)
        if path.exists():
            try:
                reply = json.loads(path.read_text(encoding="utf-8"))["reply"]
                with self._count_lock:
                    self.cache_hits += 1
                return reply
            except (ValueError, KeyError):
                log.warning("ignoring unreadable cache entry %s", path)
        reply = self._post(messages)
        with atomic_open(path) as handle:
            json.dump({"model": self.model, "messages": messages, "reply": reply}, handle, ensure_ascii=False)
        return reply

    def chat_many(self, conversations: Sequence[Messages]) -> list[str]:
        """Replies in input order; the first call that fails for good raises `LLMError`."""
        if not conversations:
            return []
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            return list(pool.map(self.chat, conversations))

    def _post(self, messages: Messages) -> str:
        body = {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "stream": False}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            with self._count_lock:
                self.calls += 1
            try:
                response = requests.post(self.url, json=body, headers=headers, timeout=self.timeout_s)
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code != 200:
                raise LLMError(f"{self.url}: HTTP {response.status_code}: {response.text[:500]}")
            try:
                content = response.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise LLMError(f"{self.url}: not a chat completion: {response.text[:500]}") from exc
            return content or ""
        raise LLMError(f"{self.url}: gave up after {self.retries + 1} attempts; last error: {last}")
