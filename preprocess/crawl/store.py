"""What a crawl writes as it goes: notes.jsonl (append-only, one fsynced line per submission) and errors.jsonl.

A note is stored as the API sent it, except that a lone UTF-16 surrogate (`\\ud83d` alone: half an emoji, as
real API answers carry; UTF-8 cannot hold it) becomes U+FFFD; a note that still cannot be stored is named in
errors.jsonl and the crawl goes on.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from preprocess.core.jsonl import BadLine, iter_jsonl, no_surrogates
from preprocess.core.venues import content_value
from preprocess.crawl.invitations import reply_invitations
from preprocess.crawl.pdfs import PdfJob

log = logging.getLogger("preprocess.crawl")


class ErrorLog:
    """errors.jsonl of this run: one line per failed item, written as it happens."""

    def __init__(self, handle: IO[str]):
        self.handle, self.count = handle, 0

    def add(self, item: str, item_id: str, reason: str) -> None:
        row = no_surrogates({"time": datetime.now(UTC).isoformat(timespec="seconds"), "item": item, "id": item_id,
                             "reason": reason})
        self.handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.handle.flush()
        self.count += 1
        log.warning("%s %s failed: %s", item, item_id, reason)


class NoteStore:
    """notes.jsonl, append-only: each submission written once as one complete, fsynced line."""

    def __init__(self, path: Path, errors: ErrorLog):
        self.path, self.ids, self.jobs, self.last_id = path, set[str](), list[PdfJob](), None
        self.errors = errors
        self.no_pdf: list[str] = []
        self.invitations: dict[str, str] = {}  # group -> the first reply invitation id seen
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
        for group, invitation in reply_invitations(note).items():
            self.invitations.setdefault(group, invitation)
        if content_value(note.get("content") or {}, "pdf"):
            self.jobs.append(PdfJob(note["id"], note.get("number")))
        else:
            self.no_pdf.append(note["id"])

    def append(self, note: dict[str, Any]) -> bool:
        """Append `note` unless it is already stored; True when written."""
        if note["id"] in self.ids or self.handle is None:
            return False
        try:
            line = note_line(note)
        except (TypeError, ValueError) as exc:  # not JSON: nothing the API sends, but never the end of a crawl
            self.errors.add("note", str(note["id"]), f"cannot be stored: {exc}")
            return False
        self.handle.write(line)
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self._remember(note)
        return True


def note_line(note: dict[str, Any]) -> bytes:
    """`note` as one UTF-8 JSON line; lone surrogates (which UTF-8 cannot hold) become U+FFFD."""
    text = json.dumps(note, ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        log.warning("note %s: lone UTF-16 surrogate(s) stored as U+FFFD", note.get("id"))
        return no_surrogates(text).encode("utf-8")
