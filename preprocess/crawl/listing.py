"""Paging through a venue's submissions with their replies, keeping the API's own JSON objects untouched."""

from __future__ import annotations

import logging
from typing import Any

import openreview
import requests
from tqdm import tqdm

from preprocess.core.venues import API_LAYOUT, submission_invitation
from preprocess.crawl.api import Throttle, describe
from preprocess.crawl.options import CrawlOptions
from preprocess.crawl.store import ErrorLog, NoteStore

log = logging.getLogger("preprocess.crawl")


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
    raw = RawPages(client)
    query = {"invitation": submission_invitation(opts.venue, api), "details": API_LAYOUT[api]["details"],
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
