"""Worker pool for parsing PDFs: one child process per worker, a timeout per file, crash-proof.

Each worker receives jobs (a PDF and its JSON's path) over its pipe, parses, writes the JSON atomically and
answers ("start", pdf, None) when it begins a file, then ("ok" | "error", pdf, pages | reason); the
timeout counts from "start", so a worker's start-up under load is not the file's time. A worker that runs
past the timeout on one file is killed and replaced; one that dies (segfault in a native library, os._exit)
or runs out of its address space (`memory_mb`, see `child`) is replaced too. Either way
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
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.workers.child import Child, failure_reason

log = logging.getLogger(__name__)

ParseFn = Callable[[str, str], ParsedPaper]


@dataclass(frozen=True)
class ParseJob:
    """One PDF to parse and where its JSON goes."""

    pdf: str
    out: str


def _worker(conn: Connection, parser: ParseFn, backend: str, memory_mb: int | None) -> None:
    """Worker loop: receive a job, say "start", parse it, write its JSON, answer ("ok"|"error", pdf, pages | reason)."""
    logging.getLogger().setLevel(logging.WARNING)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(("start", job.pdf, None))  # the file's clock starts now, not while the worker was importing
        try:
            paper = parser(job.pdf, backend)
            write_json(Path(job.out), paper.to_dict())
            conn.send(("ok", job.pdf, paper.pages))
        except Exception as exc:  # PdfError carries a reason; any other bug is this file's, not the batch's
            conn.send(("error", job.pdf, failure_reason(exc, memory_mb)))


@dataclass
class _Slot:
    child: Child
    job: ParseJob | None = None
    started: float = 0.0


class _Pool:
    def __init__(self, backend: str, workers: int, timeout: float, parser: ParseFn, memory_mb: int | None):
        self.args = (parser, backend, memory_mb)
        self.timeout = timeout
        self.slots = [self._spawn() for _ in range(workers)]
        self.errors: dict[str, str] = {}
        self.pages = 0

    def _spawn(self) -> _Slot:
        return _Slot(Child(_worker, *self.args, memory_mb=self.args[-1]))

    def _outcome(self, slot: _Slot, ready: list) -> str | None:
        """An empty string when the slot's file is done, the reason when it failed, None while it runs."""
        while slot.child.conn in ready or slot.child.conn.poll():
            try:
                status, _, detail = slot.child.conn.recv()
            except (EOFError, OSError):
                return slot.child.crashed()
            if status == "start":  # a fresh worker may take seconds to import under load: not the file's time
                slot.started, ready = time.monotonic(), []
                continue
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
        assert slot.job is not None
        if reason:
            log.warning("skipping %s: %s", slot.job.pdf, reason)
            self.errors[slot.job.pdf] = reason
        if reason.startswith(("worker crashed", "timeout", "exceeds")):  # dead, stuck or short of memory
            slot.child.stop()
            self.slots[i] = self._spawn()
        else:
            slot.job = None

    def run(self, jobs: list[ParseJob], progress=None) -> None:
        todo = list(reversed(jobs))
        while todo or any(s.job for s in self.slots):
            for slot in self.slots:
                if slot.job is None and todo:
                    slot.job, slot.started = todo.pop(), time.monotonic()
                    slot.child.conn.send(slot.job)
            busy = [s for s in self.slots if s.job]
            ready = wait([s.child.conn for s in busy] + [s.child.proc.sentinel for s in busy], timeout=0.5)
            for i, slot in enumerate(self.slots):
                reason = self._outcome(slot, ready) if slot.job is not None else None
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


def run_pool(jobs: list[ParseJob], backend: str, workers: int, timeout: float, parser: ParseFn,
             progress=None, memory_mb: int | None = None) -> tuple[dict[str, str], int]:
    """Parse `jobs` in `workers` processes; returns ({pdf: error reason}, pages parsed)."""
    pool = _Pool(backend, max(1, min(workers, len(jobs))), timeout, parser, memory_mb)
    try:
        pool.run(jobs, progress)
    finally:
        pool.close()
    return pool.errors, pool.pages
