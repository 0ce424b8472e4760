"""Worker pool for parsing PDFs: one process per worker, a timeout per file, crash-proof.

Each worker receives paths over a pipe, parses, writes `<out>/<stem>.json` atomically and answers
("ok" | "error", path, pages | reason). A worker that runs past the timeout on one file is killed
and replaced; one that dies (segfault in a native library, os._exit) is replaced too. Either way
that file gets an error and the batch goes on.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from preprocess.jsonl import write_json

log = logging.getLogger(__name__)

ParseFn = Callable[[str, str], dict[str, Any]]

PASSED_ENV = ("GROBID_URL",)  # forkserver children inherit the server's environment, not ours


def _worker(conn: Connection, parser: ParseFn, backend: str, out_dir: str, env: dict[str, str]) -> None:
    """Worker loop: receive a path, parse it, write its JSON, answer ("ok"|"error", path, detail)."""
    logging.getLogger().setLevel(logging.WARNING)
    os.environ.update(env)
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            record = parser(path, backend)
            write_json(Path(out_dir) / f"{Path(path).stem}.json", record)
            conn.send(("ok", path, record.get("pages", 0)))
        except Exception as exc:  # PdfError carries a reason; any other bug is this file's, not the batch's
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            conn.send(("error", path, reason))


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    path: str | None = None
    started: float = 0.0


def _context() -> mp.context.BaseContext:
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def run_pool(
    paths: list[str],
    out_dir: Path,
    backend: str,
    workers: int,
    timeout: float,
    parser: ParseFn,
    progress=None,
) -> tuple[dict[str, str], int]:
    """Parse `paths` in `workers` processes; returns ({path: error reason}, pages parsed).

    A worker that exceeds `timeout` seconds on one file is killed and replaced; one that dies
    (segfault, os._exit) is replaced; either way that file gets an error and the batch goes on.
    """
    ctx = _context()
    todo = list(reversed(paths))
    errors: dict[str, str] = {}
    pages = 0

    def start() -> _Slot:
        parent, child = ctx.Pipe()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        proc = ctx.Process(target=_worker, args=(child, parser, backend, str(out_dir), env), daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def stop(slot: _Slot) -> None:
        slot.proc.kill()
        slot.proc.join()
        slot.conn.close()

    slots = [start() for _ in range(max(1, min(workers, len(paths))))]
    try:
        while todo or any(s.path for s in slots):
            for slot in slots:
                if slot.path is None and todo:
                    slot.path, slot.started = todo.pop(), time.monotonic()
                    slot.conn.send(slot.path)
            busy = [s for s in slots if s.path]
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=0.5)
            for i, slot in enumerate(slots):
                if slot.path is None:
                    continue
                reason = None
                if slot.conn in ready or slot.conn.poll():
                    try:
                        status, _, detail = slot.conn.recv()
                    except (EOFError, OSError):
                        status, detail = "crash", None
                    if status == "ok":
                        pages += int(detail or 0)
                    elif status == "error":
                        reason = str(detail)
                    else:
                        slot.proc.join(timeout=5)
                        reason = f"worker crashed (exit code {slot.proc.exitcode})"
                elif not slot.proc.is_alive():
                    slot.proc.join()
                    reason = f"worker crashed (exit code {slot.proc.exitcode})"
                elif time.monotonic() - slot.started > timeout:
                    reason = f"timeout after {timeout:g} s"
                else:
                    continue
                if reason is not None:
                    log.warning("skipping %s: %s", slot.path, reason)
                    errors[slot.path] = reason
                if reason is not None and not reason.startswith(("worker crashed", "timeout")):
                    slot.path = None
                elif reason is not None:
                    stop(slot)
                    slots[i] = start()
                else:
                    slot.path = None
                if progress is not None:
                    progress.update(1)
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except OSError:
                pass
        for slot in slots:
            slot.proc.join(timeout=2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join()
    return errors, pages
