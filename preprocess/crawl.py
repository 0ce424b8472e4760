"""Crawl one OpenReview venue with openreview-py: submissions with their replies, then their PDFs.

    python -m preprocess.crawl --venue ICLR.cc/2024/Conference --out data/crawl \
        [--api auto|v1|v2] [--baseurl URL] [--no-pdf] [--sleep 1.0]

writes under `<out>/<venue slug>/`:
- `notes.jsonl`: one submission per line, the note object exactly as the API sent it (with
  `details.directReplies` on v1, `details.replies` on v2; `Note.from_json(line)` rebuilds it).
  Append-only: a line, once complete, is never changed, reordered or removed. The one exception is
  a fragment without a newline left by a killed run: it is copied to `notes.torn`, then cut off.
- `pdfs/<forum id>.pdf`: whole, validated PDFs only (temp file + rename).
- `errors.jsonl`: one line per item that failed in the latest run, with the reason.
- `crawl.json`: the API used and whether the listing finished.
Rerun to resume. Exit status 0 when the listing finished (failed PDFs are logged, not fatal), 1 when
it did not (rerun), 2 when the crawl could not start. Credentials, if any, come from
OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD and are never printed or logged.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import openreview
import openreview.api
import requests
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm
from urllib3.util.retry import Retry

from preprocess.crawl_pdf import PdfFetcher, PdfJob
from preprocess.jsonl import BadLine, iter_jsonl, write_json
from preprocess.venues import API_LAYOUT, KNOWN_VENUES, api_version, content_value, venue_slug

log = logging.getLogger("preprocess.crawl")  # not __main__ under `python -m`

DEFAULT_BASEURL = {"v1": "https://api.openreview.net", "v2": "https://api2.openreview.net"}
RETRY_STATUSES = (429, 500, 502, 503, 504)


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


class ErrorLog:
    """errors.jsonl of this run: one line per failed item, written as it happens."""

    def __init__(self, handle: IO[str]):
        self.handle, self.count = handle, 0

    def add(self, item: str, item_id: str, reason: str) -> None:
        row = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "item": item, "id": item_id,
               "reason": reason}
        self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.handle.flush()
        self.count += 1
        log.warning("%s %s failed: %s", item, item_id, reason)


class NoteStore:
    """notes.jsonl, append-only: each submission written once as one complete, fsynced line."""

    def __init__(self, path: Path, errors: ErrorLog):
        self.path, self.ids, self.jobs, self.last_id = path, set[str](), list[PdfJob](), None
        self.no_pdf: list[str] = []
        path.touch()
        self._drop_torn_tail()
        bad: list[BadLine] = []
        for note in iter_jsonl(path, errors=bad):
            if isinstance(note.get("id"), str):
                self._remember(note)
            else:
                errors.add("notes.jsonl", "", "line without an id kept as is")
        for line in bad:
            errors.add("notes.jsonl", line.where, "unreadable line kept as is; its note may be fetched again")
        self.handle: IO[bytes] | None = None

    def __enter__(self) -> NoteStore:
        self.handle = open(self.path, "ab")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle:
            self.handle.close()

    def _drop_torn_tail(self) -> None:
        """Cut a last fragment without a newline (a killed write), after copying it to notes.torn."""
        with open(self.path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            end = size
            while end > 0:
                start = max(0, end - (1 << 16))
                handle.seek(start)
                newline = handle.read(end - start).rfind(b"\n")
                if newline >= 0:
                    end = start + newline + 1
                    break
                end = start
            if end == size:
                return
            handle.seek(end)
            with open(self.path.with_name("notes.torn"), "ab") as torn:
                torn.write(handle.read() + b"\n")
            handle.truncate(end)
            os.fsync(handle.fileno())
            log.warning("cut a torn last line (%d bytes, copied to notes.torn) left by a killed run",
                        size - end)

    def _remember(self, note: dict[str, Any]) -> None:
        self.ids.add(note["id"])
        self.last_id = note["id"]
        if content_value(note.get("content") or {}, "pdf"):
            self.jobs.append(PdfJob(note["id"], note.get("number")))
        else:
            self.no_pdf.append(note["id"])

    def append(self, note: dict[str, Any]) -> bool:
        """Append `note` unless it is already stored; True when written."""
        if note["id"] in self.ids or self.handle is None:
            return False
        self.handle.write((json.dumps(note, ensure_ascii=False) + "\n").encode("utf-8"))
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self._remember(note)
        return True


class RawPages:
    """Keeps the raw `notes` list of the client's last /notes response: the API's objects, untouched."""

    def __init__(self, client: Any):
        self.notes: list[dict[str, Any]] | None = None
        client.session.hooks["response"].append(self._hook)

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.notes = None
        if response.ok and response.request.path_url.split("?")[0].endswith("/notes"):
            try:
                body = response.json()
                self.notes = body["notes"]
            except (ValueError, KeyError, TypeError):
                return
            # openreview-py calls response.json() up to three times per page: parse a page once
            response.json = lambda **_: body  # type: ignore[method-assign]


def list_submissions(client: Any, api: str, opts: CrawlOptions, store: NoteStore, errors: ErrorLog,
                     throttle: Throttle) -> bool:
    """Page through the venue's submissions with their replies, appending new ones; True when done."""
    layout, raw = API_LAYOUT[api], RawPages(client)
    query = {"invitation": layout["submission"].format(venue=opts.venue), "details": layout["details"],
             "sort": "id", "limit": opts.page_size}
    after, first = store.last_id, True
    with tqdm(desc="notes", unit="note", initial=len(store.ids), delay=0.5) as bar:
        while True:
            throttle.wait()
            try:
                got = client.get_notes(**query, after=after, with_count=first)
                notes, total = got if first else (got, None)
            except (openreview.OpenReviewException, requests.RequestException, KeyError, ValueError) as exc:
                errors.add("page", f"after={after}", describe(exc))
                return False
            if first:
                bar.total, first = total, False
                bar.refresh()
            if not notes:
                return True
            page = raw.notes
            if page is None or [n.get("id") for n in page] != [n.id for n in notes]:
                log.warning("raw page unavailable: storing Note.to_json() with details instead")
                page = [{**n.to_json(), "details": n.details} for n in notes]
            for note in page:
                bar.update(store.append(note))
            if notes[-1].id == after:
                errors.add("page", f"after={after}", "server ignored the after= cursor")
                return False
            after = notes[-1].id


def crawl(opts: CrawlOptions) -> dict[str, Any]:
    """Crawl (or resume) one venue; returns the summary also written to crawl.json."""
    root = opts.out / venue_slug(opts.venue)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        try:  # held until this process ends, kill -9 included
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CrawlError(f"another crawl is writing {root}") from None
        # Opened (and so emptied) only under the lock: a refused second run must not truncate the live log.
        with open(root / "errors.jsonl", "w", encoding="utf-8") as err:
            return _crawl_locked(opts, root, ErrorLog(err))


def _crawl_locked(opts: CrawlOptions, root: Path, errors: ErrorLog) -> dict[str, Any]:
    state_path = root / "crawl.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    api = choose_api(opts, state.get("api"))
    if state.get("api") not in (None, api):
        raise CrawlError(f"{root} was crawled with API {state['api']}; not mixing in API {api} notes")
    state.update(venue=opts.venue, api=api, listing_complete=False)
    write_json(state_path, state)
    client, throttle = make_client(api, opts), Throttle(opts.sleep)
    with NoteStore(root / "notes.jsonl", errors) as store:
        known = len(store.ids)
        log.info("%s: API %s, %d submissions already stored", opts.venue, api, known)
        complete = list_submissions(client, api, opts, store, errors, throttle)
    pdfs = 0
    if opts.pdf:
        fetcher = PdfFetcher(client, api, root / "pdfs", throttle.wait,
                             lambda forum, why: errors.add("pdf", forum, why), describe)
        fetcher.pdf_dir.mkdir(exist_ok=True)
        fetcher.clean_temp_files()
        for forum in store.no_pdf:
            errors.add("pdf", forum, "submission has no pdf field")
        todo = [job for job in store.jobs if not (fetcher.pdf_dir / job.filename).exists()]
        fetcher.fetch(todo)
        pdfs = sum(1 for job in store.jobs if (fetcher.pdf_dir / job.filename).exists())
    state.update(listing_complete=complete, notes=len(store.ids), new_notes=len(store.ids) - known,
                 pdfs=pdfs, errors=errors.count, finished=datetime.now(UTC).isoformat(timespec="seconds"))
    write_json(state_path, state)
    log.info("%s: %d submissions (%d new), %d PDFs, %d errors -> %s", opts.venue, state["notes"],
             state["new_notes"], pdfs, errors.count, root)
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preprocess.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--venue", help="venue id, e.g. ICLR.cc/2024/Conference")
    parser.add_argument("--out", type=Path, help="output folder; the venue goes in <out>/<venue slug>/")
    parser.add_argument("--api", choices=("auto", "v1", "v2"), default="auto",
                        help="default auto: the venue table (--list-venues), else ask API v2")
    parser.add_argument("--baseurl", help="API base URL (default: the public API of the chosen version)")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="notes only")
    parser.add_argument("--sleep", type=float, default=1.0, help="seconds between API calls (default 1.0)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--retries", type=int, default=8, help="retries per request on 429/5xx")
    parser.add_argument("--backoff", type=float, default=1.0, help="exponential backoff factor (s)")
    parser.add_argument("--max-wait", type=float, default=120.0, help="cap on one wait (s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout (s)")
    parser.add_argument("--list-venues", action="store_true", help="print the known venues and exit")
    args = parser.parse_args(argv)
    if args.list_venues:
        for venue, version in sorted(KNOWN_VENUES.items()):
            print(f"{venue}\t{version}")
        return 0
    if not args.venue or not args.out:
        parser.error("--venue and --out are required")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    opts = CrawlOptions(**{k: v for k, v in vars(args).items() if k != "list_venues"})
    try:
        with logging_redirect_tqdm():
            state = crawl(opts)
    except CrawlError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted; rerun the same command to resume")
        return 130
    return 0 if state["listing_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
