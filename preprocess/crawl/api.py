"""The OpenReview client as the crawl uses it: our retry policy, timeouts, pacing, and which API a venue is on."""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

import openreview
import openreview.api
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from preprocess.core.venues import api_version
from preprocess.crawl.options import CrawlError, CrawlOptions

log = logging.getLogger("preprocess.crawl")

DEFAULT_BASEURL = {"v1": "https://api.openreview.net", "v2": "https://api2.openreview.net"}
RETRY_STATUSES = (429, 500, 502, 503, 504)


class Throttle:
    """At least `interval` seconds between the starts of two API calls."""

    def __init__(self, interval: float):
        self.interval, self.last = interval, -math.inf

    def wait(self) -> None:
        delay = self.last + self.interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.last = time.monotonic()


class LoggedRetry(Retry):
    """urllib3 Retry that logs each retry (openreview-py's own prints them to stdout)."""

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):  # type: ignore[override]
        cause = f"HTTP {response.status}" if response is not None else type(error).__name__
        log.warning("retrying %s %s after %s", method, (url or "").split("?")[0], cause)
        return super().increment(method, url, response, error, *args, **kwargs)


class TimeoutAdapter(HTTPAdapter):
    """HTTPAdapter with a default timeout, since openreview-py passes none."""

    def __init__(self, timeout: float, **kwargs: Any):
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, timeout=None, **kwargs):  # type: ignore[override]
        return super().send(request, timeout=timeout or self.timeout, **kwargs)


def describe(exc: BaseException) -> str:
    """A short reason for errors.jsonl: the API's error name and message, else the exception."""
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, dict):
        arg = f"{arg.get('name', 'Error')}: {arg.get('message', '')}"
    text = f"{type(exc).__name__}: {arg}"
    for key in ("OPENREVIEW_PASSWORD", "OPENREVIEW_USERNAME"):  # in case a server echoes them
        if len(os.environ.get(key, "")) >= 3:
            text = text.replace(os.environ[key], "***")
    return " ".join(text.split())[:500]


def make_client(api: str, opts: CrawlOptions) -> Any:
    """An openreview-py client for `api`, logged in when credentials are set, with our retry policy."""
    username, password = os.environ.get("OPENREVIEW_USERNAME"), os.environ.get("OPENREVIEW_PASSWORD")
    if bool(username) != bool(password):
        raise CrawlError("set both OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or neither")
    cls = openreview.Client if api == "v1" else openreview.api.OpenReviewClient
    try:
        client = cls(baseurl=opts.baseurl or DEFAULT_BASEURL[api], username=username, password=password)
    except (openreview.OpenReviewException, requests.RequestException) as exc:
        raise CrawlError(f"OpenReview login failed: {describe(exc)}") from None
    retry = LoggedRetry(total=opts.retries, backoff_factor=opts.backoff, backoff_max=opts.max_wait,
                        retry_after_max=math.ceil(opts.max_wait), status_forcelist=RETRY_STATUSES,
                        raise_on_status=False, respect_retry_after_header=True)
    adapter = TimeoutAdapter(opts.timeout, max_retries=retry)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client


def choose_api(opts: CrawlOptions, stored: str | None) -> str:
    """--api, else what this folder was crawled with, else the venue table, else ask API v2."""
    if opts.api != "auto":
        return opts.api
    if stored or api_version(opts.venue):
        return stored or api_version(opts.venue)  # type: ignore[return-value]
    try:  # a venue that lives on API v2 has a group there with a `domain`
        group = make_client("v2", opts).get_group(opts.venue)
        return "v2" if getattr(group, "domain", None) else "v1"
    except openreview.OpenReviewException as exc:
        log.info("venue group not on API v2 (%s): using API v1", describe(exc))
        return "v1"
    except requests.RequestException as exc:
        raise CrawlError(f"cannot reach API v2 to detect the venue's API: {describe(exc)}") from None
