"""Is it a whole PDF? The one check the crawler (on downloaded bytes) and the parser (on a file) both apply.

A PDF starts with `%PDF-` within its first KB and ends with `%%EOF`; a download that is an error page (HTML,
JSON), empty or cut short is caught here before it is saved or parsed.
"""

from __future__ import annotations

import os
from pathlib import Path

HEAD_BYTES = 1024  # readers accept `%PDF-` anywhere in the first KB
TAIL_BYTES = 2048  # `%%EOF` is the last marker; some writers append a little after it
_HTML = (b"<!doctype", b"<html", b"<?xml", b"<head")


def pdf_problem(head: bytes, tail: bytes, size: int) -> str | None:
    """Why a file of `size` bytes starting with `head` and ending with `tail` is not a whole PDF, or None."""
    if size == 0 or not head.strip():
        return "empty file"
    if b"%PDF-" not in head[:HEAD_BYTES]:
        lowered = head[:HEAD_BYTES].lstrip().lower()
        if lowered.startswith(_HTML) or b"<html" in lowered:
            kind = "HTML"
        elif lowered.startswith((b"{", b"[")):
            kind = "JSON"
        else:
            kind = "unknown bytes"
        return f"not a PDF ({kind}: starts {head[:20]!r})"
    if b"%%EOF" not in tail[-TAIL_BYTES:]:
        return f"truncated PDF ({size} bytes, no %%EOF marker at the end)"
    return None


def bytes_problem(data: bytes) -> str | None:
    """`pdf_problem` for bytes in memory (a download)."""
    return pdf_problem(data[:HEAD_BYTES], data[-TAIL_BYTES:], len(data))


def file_problem(path: str | os.PathLike) -> str | None:
    """`pdf_problem` for a file on disk, reading only its two ends."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            handle.seek(max(size - TAIL_BYTES, 0))
            tail = handle.read()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    return pdf_problem(head, tail, size)
