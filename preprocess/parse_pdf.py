"""Parse paper PDFs into one record each, in worker processes with a timeout, crash-proof.

    python -m preprocess.parse_pdf --in data/raw/pdfs --out data/parsed [--backend default] [--workers 2]

writes `<out>/<stem>.json` = {"title", "abstract", "sections": [{"heading", "text", "kind"}],
"references": [str], "pages", "backend", "warnings"} and `<out>/errors.jsonl` (one {"file",
"reason"} per PDF that could not be parsed: empty, HTML, truncated, encrypted, no text, crash,
timeout). A section's kind is body, acknowledgements or appendix; the reference list is kept out
of `sections`. A rerun skips PDFs whose JSON exists and retries the failed ones. Backends:
`default` (pypdfium2, pypdf as fallback; offline, permissive licences), `pypdf`, `pymupdf`
(PyMuPDF layout mode, optional AGPL extra) and `grobid` (a GROBID server at $GROBID_URL).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from preprocess.jsonl import write_jsonl
from preprocess.pdf_pool import ParseFn, run_pool

log = logging.getLogger(__name__)

BACKENDS = ("default", "pypdf", "pymupdf", "grobid")
# Seconds per PDF before its worker is killed: ~100x the usual time of a 30-page paper per backend
# (default ~0.2 s, pypdf ~1 s, PyMuPDF layout mode and GROBID ~1 page/s).
DEFAULT_TIMEOUT_S = {"default": 60.0, "pypdf": 120.0, "pymupdf": 600.0, "grobid": 600.0}


class PdfError(ValueError):
    """A PDF that cannot be parsed; the message names the file and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.reason))


def check_pdf_bytes(path: Path) -> None:
    """Reject files that are not PDFs at all before any backend sees them (empty, HTML, truncated)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(1024)
            handle.seek(max(size - 2048, 0))
            tail = handle.read()
    except OSError as exc:
        raise PdfError(path, f"unreadable: {exc.strerror or exc}") from exc
    if size == 0:
        raise PdfError(path, "empty file")
    if b"%PDF-" not in head:
        lowered = head.lstrip().lower()
        kind = "HTML" if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head")) else "unknown bytes"
        raise PdfError(path, f"not a PDF ({kind}: starts {head[:20]!r})")
    if b"%%EOF" not in tail:
        raise PdfError(path, "truncated PDF (no %%EOF marker at the end)")


def _record(structure, pages: int, backend: str, warnings: list[str]) -> dict[str, Any]:
    return {
        "title": structure.title,
        "abstract": structure.abstract,
        "sections": structure.sections,
        "references": structure.references,
        "pages": pages,
        "backend": backend,
        "warnings": warnings + structure.warnings,
    }


def _parse_default(path: Path, engine: str) -> dict[str, Any]:
    from preprocess.pdf_clean import clean_lines
    from preprocess.pdf_sections import split_sections
    from preprocess.pdf_text import pdfium_lines, pypdf_lines

    warnings: list[str] = []
    first_failure = ""
    if engine == "pypdfium2":
        try:
            lines, pages = pdfium_lines(path)
        except Exception as exc:
            if "password" in str(exc).lower():
                raise PdfError(path, "encrypted PDF (password required)") from exc
            first_failure = f"pypdfium2: {exc}; "
            warnings.append(f"pypdfium2 failed ({exc}); fell back to pypdf")
            engine = "pypdf"
    if engine == "pypdf":
        try:
            lines, pages = pypdf_lines(path)
        except Exception as exc:
            if "encrypt" in str(exc).lower():
                raise PdfError(path, "encrypted PDF (password required)") from exc
            raise PdfError(path, f"unreadable PDF ({first_failure}pypdf: {exc})") from exc
    lines, more = clean_lines(lines, pages)
    if not lines:
        raise PdfError(path, f"no text layer in {pages} page(s) (scanned or blank)")
    return _record(split_sections(lines), pages, engine, warnings + more)


def backend_problem(backend: str) -> str | None:
    """Why `backend` cannot run here (missing optional extra, GROBID down), or None when it can."""
    if backend not in BACKENDS:
        return f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}"
    if backend == "pymupdf":
        from preprocess.pdf_pymupdf import available

        return available()
    if backend == "grobid":
        import requests

        from preprocess.pdf_grobid import grobid_url

        try:
            requests.get(grobid_url() + "/api/isalive", timeout=5).raise_for_status()
        except requests.RequestException as exc:
            return f"GROBID is not answering at {grobid_url()} (set GROBID_URL): {type(exc).__name__}"
    return None


def parse_pdf(path: str | Path, backend: str = "default") -> dict[str, Any]:
    """One PDF to a paper record (see module docstring); raises `PdfError` naming the file."""
    path = Path(path)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    check_pdf_bytes(path)
    if backend == "default":
        return _parse_default(path, "pypdfium2")
    if backend == "pypdf":
        return _parse_default(path, "pypdf")
    if backend == "pymupdf":
        from preprocess.pdf_pymupdf import parse_pymupdf

        return parse_pymupdf(path)
    from preprocess.pdf_grobid import parse_grobid

    return parse_grobid(path)


def list_pdfs(src: Path) -> list[Path]:
    """The PDF itself, or every *.pdf under a folder (recursively), sorted."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise FileNotFoundError(f"{src}: no such file or folder")
    return sorted(p for p in src.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def parse_batch(
    src: str | Path,
    out_dir: str | Path,
    backend: str = "default",
    workers: int = 2,
    timeout: float | None = None,
    parser: ParseFn = parse_pdf,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Parse every PDF under `src` into `out_dir`, skipping done ones; returns a summary dict.

    `timeout` is per PDF (default: `DEFAULT_TIMEOUT_S` of the backend); `parser` stands in for
    `parse_pdf` in tests and must be picklable (a module-level function).
    """
    from tqdm import tqdm

    src, out_dir = Path(src), Path(out_dir)
    problem = backend_problem(backend)
    if problem:  # a missing extra or server fails the run at once, not once per PDF
        raise ValueError(problem)
    out_dir.mkdir(parents=True, exist_ok=True)
    errors: dict[str, str] = {}
    seen: dict[str, Path] = {}
    todo: list[str] = []
    skipped = 0
    for pdf in list_pdfs(src):
        if pdf.stem in seen:
            errors[str(pdf)] = f"duplicate file name: {seen[pdf.stem]} has the same stem"
            continue
        seen[pdf.stem] = pdf
        if (out_dir / f"{pdf.stem}.json").exists():
            skipped += 1
        else:
            todo.append(str(pdf))
    start = time.monotonic()
    with tqdm(total=len(todo), desc=f"parse_pdf[{backend}]", unit="pdf", disable=not show_progress) as bar:
        limit = timeout or DEFAULT_TIMEOUT_S[backend]
        more, pages = run_pool(todo, out_dir, backend, workers, limit, parser, bar) if todo else ({}, 0)
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


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preprocess.parse_pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--in", dest="src", required=True, help="a PDF file or a folder of PDFs (recursive)")
    parser.add_argument("--out", required=True, help="output folder for <stem>.json and errors.jsonl")
    parser.add_argument("--backend", default="default", choices=BACKENDS)
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument(
        "--timeout", type=float, help="seconds per PDF before its worker is killed (default by backend)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = parse_batch(args.src, args.out, args.backend, args.workers, args.timeout)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
