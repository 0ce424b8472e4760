"""`make parse`: every PDF under a folder (or one PDF) to `<out>/<stem>.json`, in the worker pool.

A rerun skips PDFs whose JSON exists and retries the failed ones. `<out>/errors.jsonl` holds one
{"file", "reason"} per PDF that could not be parsed (empty, HTML, truncated, encrypted, no text, crash,
timeout, over the memory limit). The JSON is a `ParsedPaper` (see `record`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_jsonl
from preprocess.pdf.backends import BACKENDS, backend_problem, parse_pdf
from preprocess.pdf.workers.pool import ParseFn, ParseJob, run_pool

log = logging.getLogger(__name__)


def list_pdfs(src: Path) -> list[Path]:
    """The PDF itself, or every *.pdf under a folder (recursively), sorted."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise FileNotFoundError(f"{src}: no such file or folder")
    return sorted(p for p in src.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def plan(src: Path, out_dir: Path) -> tuple[list[str], dict[str, str], int]:
    """PDFs still to parse, errors known before parsing (two PDFs with one stem), and how many are done."""
    errors: dict[str, str] = {}
    seen: dict[str, Path] = {}
    todo: list[str] = []
    done = 0
    for pdf in list_pdfs(src):
        if pdf.stem in seen:
            errors[str(pdf)] = f"duplicate file name: {seen[pdf.stem]} has the same stem"
            continue
        seen[pdf.stem] = pdf
        if (out_dir / f"{pdf.stem}.json").exists():
            done += 1
        else:
            todo.append(str(pdf))
    return todo, errors, done


def parse_files(jobs: list[ParseJob], backend: str = "default", workers: int = 2, timeout: float | None = None,
                memory_mb: int | None = None, parser: ParseFn = parse_pdf,
                show_progress: bool = True) -> tuple[dict[str, str], int]:
    """Parse each job's PDF into its JSON in the worker pool; returns ({pdf: error reason}, pages parsed).

    `timeout` (s) and `memory_mb` (address space, 0 for none) are per worker (default: the backend's);
    `parser` stands in for `parse_pdf` in tests and must be picklable (a module-level function).
    """
    from tqdm import tqdm

    problem = backend_problem(backend)
    if problem:  # a missing extra or server fails the run at once, not once per PDF
        raise ValueError(problem)
    if not jobs:
        return {}, 0
    chosen = BACKENDS[backend]
    memory = chosen.memory_mb if memory_mb is None else memory_mb
    with tqdm(total=len(jobs), desc=f"parse_pdf[{backend}]", unit="pdf", disable=not show_progress) as bar:
        return run_pool(jobs, backend, workers, timeout or chosen.timeout_s, parser, bar, memory)


def parse_batch(
    src: str | Path,
    out_dir: str | Path,
    backend: str = "default",
    workers: int = 2,
    timeout: float | None = None,
    parser: ParseFn = parse_pdf,
    show_progress: bool = True,
    memory_mb: int | None = None,
) -> dict[str, Any]:
    """Parse every PDF under `src` into `out_dir`, skipping done ones; returns a summary dict (limits and
    `parser` as in `parse_files`)."""
    src, out_dir = Path(src), Path(out_dir)
    problem = backend_problem(backend)
    if problem:
        raise ValueError(problem)
    out_dir.mkdir(parents=True, exist_ok=True)
    todo, errors, skipped = plan(src, out_dir)
    start = time.monotonic()
    jobs = [ParseJob(pdf, str(out_dir / f"{Path(pdf).stem}.json")) for pdf in todo]
    more, pages = parse_files(jobs, backend, workers, timeout, memory_mb, parser, show_progress)
    errors.update(more)
    write_jsonl(out_dir / "errors.jsonl", ({"file": f, "reason": r} for f, r in sorted(errors.items())))
    summary = {
        "parsed": len(todo) - len(more),
        "skipped_done": skipped,
        "errors": len(errors),
        "pages": pages,
        "seconds": round(time.monotonic() - start, 2),
    }
    log.info("parse_pdf: %s", summary)
    return summary
