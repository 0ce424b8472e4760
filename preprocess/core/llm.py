"""The one client for OpenAI-compatible `/chat/completions` endpoints, with an on-disk cache.

Replies are cached under `cache_dir/<k[:2]>/<k>.json`, keyed by a SHA-256 of (model, messages, temperature,
max_tokens): a rerun asks nothing twice, and the endpoint's address is not part of the key. Calls run in a
thread pool; transient failures (connection errors, timeouts, 429, 5xx) are retried a bounded number of times
with exponential backoff; a reply that is not a chat completion fails at once and is never cached. The bearer
key is read from the environment variable the caller names (`key_env`), never from a command line.
Restructuring (`make data --llm-url`) and eval (`--judge`, LLM concerns and matching) both use it.
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

from preprocess.core.jsonl import atomic_open

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]


class LLMError(RuntimeError):
    """The endpoint failed for good (after retries) or answered something that is not a chat reply."""


def completions_url(url: str) -> str:
    """`http://host:8000/v1` (or the full `/chat/completions` URL) -> the full completions URL."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


class ChatClient:
    """Chat completions with caching, bounded retries and a thread pool (`chat_many`).

    `calls` counts requests sent (retries included), `cache_hits` replies read from the cache and `failures`
    conversations given up on by `chat_many(..., skip_failures=True)`.
    """

    def __init__(self, url: str, model: str, cache_dir: str | os.PathLike, *, key_env: str | None = None,
                 temperature: float = 0.0, max_tokens: int = 1024, timeout_s: float = 300.0, retries: int = 3,
                 backoff_s: float = 2.0, workers: int = 4, api_key: str | None = None):
        self.url = completions_url(url)
        self.model = model
        self.cache_dir = Path(cache_dir)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.workers = workers
        self.api_key = api_key if api_key is not None else (os.environ.get(key_env) if key_env else None)
        self.calls = self.cache_hits = self.failures = 0
        self._count_lock = threading.Lock()
        self._local = threading.local()

    def _count(self, name: str) -> None:
        with self._count_lock:
            setattr(self, name, getattr(self, name) + 1)

    def cache_key(self, messages: Messages) -> str:
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature,
                   "max_tokens": self.max_tokens}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def cache_path(self, messages: Messages) -> Path:
        key = self.cache_key(messages)
        return self.cache_dir / key[:2] / f"{key}.json"

    def chat(self, messages: Messages) -> str:
        """The assistant's reply to `messages`, from the cache when asked before."""
        path = self.cache_path(messages)
        if path.exists():
            try:
                reply = json.loads(path.read_text(encoding="utf-8"))["reply"]
                if not isinstance(reply, str):
                    raise ValueError("reply is not a string")
                self._count("cache_hits")
                return reply
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("unreadable cache entry %s (%s): asking again", path, exc)
        reply = self._post(messages)
        with atomic_open(path) as handle:
            json.dump({"model": self.model, "messages": messages, "reply": reply}, handle, ensure_ascii=False)
        return reply

    def _chat_or_none(self, messages: Messages) -> str | None:
        try:
            return self.chat(messages)
        except LLMError as exc:
            self._count("failures")
            log.warning("%s", exc)
            return None

    def chat_many(self, conversations: Sequence[Messages], *, skip_failures: bool = False) -> list:
        """Replies in input order. The first conversation that fails for good raises `LLMError`, or, with
        `skip_failures`, gets None (logged and counted in `failures`)."""
        if not conversations:
            return []
        ask = self._chat_or_none if skip_failures else self.chat
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            return list(pool.map(ask, conversations))

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):  # one keep-alive connection per worker thread
            self._local.session = requests.Session()
        return self._local.session

    def _post(self, messages: Messages) -> str:
        body = {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "stream": False}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            self._count("calls")
            try:
                response = self._session().post(self.url, json=body, headers=headers, timeout=self.timeout_s)
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
