"""The forms behind a venue's replies: the review, meta-review and decision invitations, as the API returns
them, saved once per venue to `<venue>/invitations.json` ({"review": {...}, "meta_review": ..., "decision": ...}).

Their field definitions carry the option lists (a rating's "1: ..." to "10: ..."), so the build reads each
venue's scales from the venue itself (`preprocess/notes/scales.py`). The invitation ids come from the crawled
replies (`reply_invitations`), so a per-paper invitation (`.../Paper12/-/Official_Review`) stands for its form.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import openreview
import requests

from preprocess.core import venues
from preprocess.core.jsonl import no_surrogates, write_json

log = logging.getLogger("preprocess.crawl")

GROUPS = {"review": venues.REVIEW_KINDS, "meta_review": venues.META_REVIEW_KINDS, "decision": venues.DECISION_KINDS}
FILE = "invitations.json"


def reply_invitations(note: dict[str, Any]) -> dict[str, str]:
    """The first invitation id of each group (review, meta_review, decision) among a note's replies."""
    details = note.get("details") if isinstance(note.get("details"), dict) else {}
    found: dict[str, str] = {}
    for reply in details.get("directReplies") or details.get("replies") or []:
        if not isinstance(reply, dict):
            continue
        kind = venues.reply_kind(reply)
        ids = reply.get("invitations") or [reply.get("invitation") or ""]
        for group, kinds in GROUPS.items():
            match = next((i for i in ids if i and i.rsplit("/", 1)[-1].lower() == kind), None)
            if kind in kinds and match:
                found.setdefault(group, match)
    return found


class RawInvitation:
    """Keeps the raw body of the client's last /invitations answer (openreview-py turns it into an object)."""

    def __init__(self, client: Any):
        self.body: dict[str, Any] | None = None
        client.session.hooks["response"].append(self._hook)

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.ok and response.request.path_url.split("?")[0].endswith("/invitations"):
            try:
                self.body = (response.json().get("invitations") or [None])[0]
            except (ValueError, AttributeError):
                self.body = None


def save_invitations(client: Any, wanted: dict[str, str], root: Path, before_call, on_error, describe) -> int:
    """Fetch the invitations not saved yet and merge them into `<root>/invitations.json`; returns how many
    the file holds. A failure is reported through `on_error(invitation id, reason)`, never fatal."""
    path = root / FILE
    saved: dict[str, Any] = {}
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            log.warning("%s is unreadable: fetching its invitations again", path)
    raw = RawInvitation(client)
    for group, invitation_id in sorted(wanted.items()):
        if group in saved:
            continue
        before_call()
        try:
            invitation = client.get_invitation(invitation_id)
        except (openreview.OpenReviewException, requests.RequestException, KeyError, IndexError, ValueError) as exc:
            on_error(invitation_id, describe(exc))
            continue
        saved[group] = no_surrogates(raw.body if raw.body and raw.body.get("id") == invitation_id
                                     else invitation.to_json())
    if saved:
        write_json(path, saved)
    return len(saved)
