"""Work in a child process that can be killed: the parse pool's workers and the review page's one-off parse.

A hostile or broken PDF can hang a native library or crash it; in a child that costs the child, never the
caller. Children start through forkserver (spawn where there is none), so they do not inherit the caller's
threads or memory; the environment they need (`PASSED_ENV`) is handed over explicitly, since a forkserver
child gets the server's environment, not the caller's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from preprocess.pdf.backends import parse_pdf
from preprocess.pdf.errors import PdfError
from preprocess.pdf.record import ParsedPaper

PASSED_ENV = ("GROBID_URL",)
PARSE_TIMEOUT_S = 300.0  # a 40-page paper parses in ~4 s with the default backend; GROBID is slower


def context() -> mp.context.BaseContext:
    return mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def _enter(target: Callable[..., None], conn: Connection, env: dict[str, str], args: tuple) -> None:
    os.environ.update(env)
    target(conn, *args)


class Child:
    """A daemon process running `target(conn, *args)`, `conn` being its end of a pipe to `self.conn`."""

    def __init__(self, target: Callable[..., None], *args: Any):
        ctx = context()
        self.conn, child_end = ctx.Pipe()
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        self.proc = ctx.Process(target=_enter, args=(target, child_end, env, args), daemon=True)
        self.proc.start()
        child_end.close()

    def crashed(self) -> str:
        """The reason to report for a child that died."""
        self.proc.join(timeout=5)
        return f"worker crashed (exit code {self.proc.exitcode})"

    def stop(self) -> None:
        """Kill the child (if alive), reap it, close the pipe."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _parse_once(conn: Connection, path: str, backend: str) -> None:
    try:
        conn.send(("ok", parse_pdf(path, backend)))
    except PdfError as exc:
        conn.send(("error", exc.reason))
    except Exception as exc:  # a parser bug is this file's error, not the caller's crash
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


def parse_in_child(path: str | Path, backend: str = "default", timeout: float = PARSE_TIMEOUT_S) -> ParsedPaper:
    """`parse_pdf` in a child process: a PDF that hangs or crashes the parser is a `PdfError`, nothing worse."""
    child = Child(_parse_once, str(path), backend)
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
