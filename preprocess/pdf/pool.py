"""Worker pool for parsing PDFs: one child process per worker, a timeout per file, crash-proof.

Each worker receives paths over its pipe, parses, writes `<out>/<stem>.json` atomically and answers
("ok" | "error", path, pages | reason). A worker that runs past the timeout on one file is killed
and replaced; one that dies (segfault in a native library, os._exit) is replaced too. Either way
that file gets an error and the batch goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from preprocess.core.jsonl import write_json
from preprocess.pdf.child import Child
from preprocess.pdf.record import ParsedPaper

log = logging.getLogger(__name__)

ParseFn = Callable[[str, str], ParsedPaper]


def _worker(conn: Connection, parser: ParseFn, backend: str, out_dir: str) -> None:
    """Worker loop: receive a path, parse it, write its JSON, answer ("ok"|"error", path, detail)."""
    logging.getLogger().setLevel(logging.WARNING)
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            paper = parser(path, backend)
            write_json(Path(out_dir) / f"{Path(path).stem}.json", paper.to_dict())
            conn.send(("ok", path, paper.pages))
        except Exception as exc:  # PdfError carries a reason; any other bug is this file's, not the batch's
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            conn.send(("error", path, reason))


@dataclass
class _Slot:
    child: Child
    path: str | None = None
    started: float = 0.0


class _Pool:
    def __init__(self, out_dir: Path, backend: str, workers: int, timeout: float, parser: ParseFn):
        self.args = (parser, backend, str(out_dir))
        self.timeout = timeout
        self.slots = [_Slot(Child(_worker, *self.args)) for _ in range(workers)]
        self.errors: dict[str, str] = {}
        self.pages = 0

    def _outcome(self, slot: _Slot, ready: list) -> str | None:
        """An empty string when the slot's file is done, the reason when it failed, None while it runs."""
        if slot.child.conn in ready or slot.child.conn.poll():
            try:
                status, _, detail = slot.child.conn.recv()
            except (EOFError, OSError):
                return slot.child.crashed()
            if status == "ok":
                self.pages += int(detail or 0)
                return ""
            return str(detail)
        if not slot.child.proc.is_alive():
            return slot.child.crashed()
        if time.monotonic() - slot.started > self.timeout:
            return f"timeout after {self.timeout:g} s"
        return None

    def _settle(self, i: int, slot: _Slot, reason: str) -> None:
        """Record a finished file; a worker that crashed or timed out is replaced."""
        if reason:
            log.warning("skipping %s: %s", slot.path, reason)
            self.errors[str(slot.path)] = reason
        if reason.startswith(("worker crashed", "timeout")):
            slot.child.stop()
            self.slots[i] = _Slot(Child(_worker, *self.args))
        else:
            slot.path = None

    def run(self, paths: list[str], progress=None) -> None:
        todo = list(reversed(paths))
        while todo or any(s.path for s in self.slots):
            for slot in self.slots:
                if slot.path is None and todo:
                    slot.path, slot.started = todo.pop(), time.monotonic()
                    slot.child.conn.send(slot.path)
            busy = [s for s in self.slots if s.path]
            ready = wait([s.child.conn for s in busy] + [s.child.proc.sentinel for s in busy], timeout=0.5)
            for i, slot in enumerate(self.slots):
                reason = self._outcome(slot, ready) if slot.path is not None else None
                if reason is not None:
                    self._settle(i, slot, reason)
                    if progress is not None:
                        progress.update(1)

    def close(self) -> None:
        for slot in self.slots:
            try:
                slot.child.conn.send(None)
            except OSError:
                pass
        for slot in self.slots:
            slot.child.proc.join(timeout=2)
            slot.child.stop()


def run_pool(paths: list[str], out_dir: Path, backend: str, workers: int, timeout: float, parser: ParseFn,
             progress=None) -> tuple[dict[str, str], int]:
    """Parse `paths` in `workers` processes; returns ({path: error reason}, pages parsed)."""
    pool = _Pool(out_dir, backend, max(1, min(workers, len(paths))), timeout, parser)
    try:
        pool.run(paths, progress)
    finally:
        pool.close()
    return pool.errors, pool.pages
