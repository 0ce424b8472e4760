"""Crawl one OpenReview venue with openreview-py: submissions with their replies, then their PDFs.

    python -m preprocess.crawl --venue ICLR.cc/2024/Conference --out data/crawl \
        [--api auto|v1|v2] [--baseurl URL] [--no-pdf] [--sleep 1.0]

writes under `<out>/<venue slug>/`:
- `notes.jsonl`: one submission per line, the note object exactly as the API sent it (with
  `details.directReplies` on v1, `details.replies` on v2; `Note.from_json(line)` rebuilds it), but for a
  lone UTF-16 surrogate (UTF-8 cannot hold it), stored as U+FFFD; a note that cannot be stored is named in
  `errors.jsonl` and the crawl goes on.
  Append-only: a line, once complete, is never changed, reordered or removed. The one exception is
  a fragment without a newline left by a killed run: it is copied to `notes.torn`, then cut off.
- `pdfs/<forum id>.pdf`: whole, validated PDFs only (temp file + rename).
- `errors.jsonl`: one line per item that failed in the latest run, with the reason.
- `invitations.json`: the review, meta-review and decision forms (their fields and option lists).
- `crawl.json`: the API used and whether the listing finished.
Rerun to resume. Exit status 0 when the listing finished (failed PDFs are logged, not fatal), 1 when
it did not (rerun), 2 when the crawl could not start. Credentials, if any, come from
OPENREVIEW_USERNAME / OPENREVIEW_PASSWORD and are never printed or logged.
"""

from __future__ import annotations

import fcntl
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json
from preprocess.core.venues import venue_slug
from preprocess.crawl.api import Throttle, choose_api, describe, make_client
from preprocess.crawl.invitations import save_invitations
from preprocess.crawl.listing import list_submissions
from preprocess.crawl.options import CrawlError, CrawlOptions
from preprocess.crawl.pdfs import PdfFetcher
from preprocess.crawl.store import ErrorLog, NoteStore

log = logging.getLogger("preprocess.crawl")


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
    forms = save_invitations(client, store.invitations, root, throttle.wait,
                             lambda inv, why: errors.add("invitation", inv, why), describe)
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
                 invitations=forms, pdfs=pdfs, errors=errors.count,
                 finished=datetime.now(UTC).isoformat(timespec="seconds"))
    write_json(state_path, state)
    log.info("%s: %d submissions (%d new), %d PDFs, %d errors -> %s", opts.venue, state["notes"],
             state["new_notes"], pdfs, errors.count, root)
    return state
