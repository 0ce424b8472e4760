"""Work in a child process that can be killed: the parse pool's workers and the review page's one-off parse.

A hostile or broken PDF can hang a native library, crash it or blow up its memory (a 1 MB deflate bomb
inflates to gigabytes); in a child that costs the child, never the caller. Each child runs under an
address-space limit (`memory_mb`, RLIMIT_AS): past it an allocation fails, the parser raises MemoryError or
aborts, and the caller reports "exceeds the N MB memory limit". Children start through forkserver (spawn
where there is none), so they do not inherit the caller's threads or memory; the environment they need
(`PASSED_ENV`) is handed over explicitly, since a forkserver child gets the server's environment, not the
caller's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from preprocess.pdf.backends import MEMORY_MB, parse_pdf
from preprocess.pdf.backends import backend as backend_named
from preprocess.pdf.errors import PdfError
from preprocess.pdf.record import ParsedPaper

PASSED_ENV = ("GROBID_URL", "NOUGAT_MODEL", "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE")
# How a native library dies when an allocation fails under RLIMIT_AS (pdfium aborts; the kernel may kill).
_OUT_OF_MEMORY_SIGNALS = {signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS}


def context() -> mp.context.BaseContext:
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space at `memory_mb` MB (no cap for None or 0)."""
    if memory_mb:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def memory_reason(memory_mb: int | None, how: str) -> str:
    return f"exceeds the {memory_mb} MB memory limit ({how}; raise it with --max-memory-mb)"


def _enter(target: Callable[..., None], conn: Connection, env: dict[str, str], memory_mb: int | None,
           args: tuple) -> None:
    os.environ.update(env)
    limit_memory(memory_mb)
    target(conn, *args)


class Child:
    """A daemon process running `target(conn, *args)`, `conn` being its end of a pipe to `self.conn`."""

    def __init__(self, target: Callable[..., None], *args: Any, memory_mb: int | None = MEMORY_MB):
        ctx = context()
        self.memory_mb = memory_mb
        self.conn, child_end = ctx.Pipe()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        self.proc = ctx.Process(target=_enter, args=(target, child_end, env, memory_mb, args), daemon=True)
        self.proc.start()
        child_end.close()

    def crashed(self) -> str:
        """The reason to report for a child that died: out of memory when a native library died of it."""
        self.proc.join(timeout=5)
        code = self.proc.exitcode
        if self.memory_mb and code is not None and code < 0 and -code in _OUT_OF_MEMORY_SIGNALS:
            return memory_reason(self.memory_mb, f"the parser died of {signal.Signals(-code).name}")
        return f"worker crashed (exit code {code})"

    def stop(self) -> None:
        """Kill the child (if alive), reap it, close the pipe."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def failure_reason(exc: BaseException, memory_mb: int | None) -> str:
    """What to report for a parse that raised `exc` in a child."""
    if isinstance(exc, MemoryError):
        return memory_reason(memory_mb, "MemoryError")
    if memory_mb and "failed to map segment" in str(exc):  # a native library (torch) that cannot be loaded
        return memory_reason(memory_mb, f"{type(exc).__name__}: {exc}")
    return getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"


def _parse_once(conn: Connection, path: str, backend: str, memory_mb: int | None) -> None:
    try:
        paper = parse_pdf(path, backend)
    except Exception as exc:  # PdfError carries a reason; a parser bug is this file's error, not the caller's
        conn.send(("error", failure_reason(exc, memory_mb)))
        return
    conn.send(("ok", paper))


def parse_in_child(path: str | Path, backend: str = "default", timeout: float | None = None,
                   memory_mb: int | None = None) -> ParsedPaper:
    """`parse_pdf` in a child process under a time (s) and a memory (MB, 0 for none) limit, by default the
    backend's: a PDF that hangs, crashes or floods the parser is a `PdfError`, nothing worse."""
    chosen = backend_named(backend)
    timeout = timeout or chosen.timeout_s
    memory_mb = chosen.memory_mb if memory_mb is None else memory_mb
    child = Child(_parse_once, str(path), backend, memory_mb, memory_mb=memory_mb)
    try:
        if not child.conn.poll(timeout):
            raise PdfError(path, f"parser timed out after {timeout:g} s")
        try:
            status, payload = child.conn.recv()
        except EOFError:
            raise PdfError(path, child.crashed().replace("worker", "parser")) from None
    finally:
        child.stop()
    if status != "ok":
        raise PdfError(path, payload)
    return payload
