"""What one crawl needs (`CrawlOptions`, the CLI flags map one to one) and the error that stops it early."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CrawlOptions:
    """Everything one crawl needs; the CLI flags map one to one."""

    venue: str
    out: Path
    api: str = "auto"  # choices: [auto, v1, v2]
    baseurl: str | None = None  # None: the public API of the chosen version
    pdf: bool = True
    sleep: float = 1.0  # seconds between the starts of two API calls (the reference design's pace)
    page_size: int = 1000  # the API's maximum page
    retries: int = 8  # per request, on 429/5xx/connection errors (openreview-py's own default)
    backoff: float = 1.0  # exponential backoff factor (s); Retry-After wins when the server sends it
    max_wait: float = 120.0  # cap on one backoff or Retry-After wait (s)
    timeout: float = 120.0  # per-request socket timeout (s); openreview-py sets none


class CrawlError(Exception):
    """A problem that stops the crawl before it starts (login, API choice, folder in use)."""
