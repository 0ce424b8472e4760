"""The backends, as a registry: name -> parse function, availability check, per-PDF time and memory limits.

    default  pypdfium2 with pypdf as fallback: offline, permissive licences (see `layout.default`)
    pypdf    the same steps on pypdf's layout-free text
    pymupdf  PyMuPDF layout mode, an optional AGPL extra (see `optional.pymupdf`)
    grobid   a GROBID server at $GROBID_URL (see `optional.grobid`)
    nougat   Meta's Nougat OCR model through transformers, weights from $NOUGAT_MODEL (see `optional.nougat`)

`parse_pdf` is the one entry point: it sniffs the file (`sniff`), then runs the backend.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from preprocess.pdf.errors import PdfError
from preprocess.pdf.layout import default
from preprocess.pdf.optional import grobid, nougat, pymupdf
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.sniff import file_problem

# Address space of a parse child (MB). Measured peaks with the default backend: 35 MB for a 15-page paper,
# 54 MB for a 503-page one, 1.9 GB for a 1 MB deflate bomb (which this stops).
MEMORY_MB = 1024


@dataclass(frozen=True)
class Backend:
    """One way to parse a PDF."""

    parse: Callable[[Path], ParsedPaper]  # raises PdfError naming the file
    problem: Callable[[], str | None]  # why it cannot run here (missing extra, server down), or None
    timeout_s: float  # seconds per PDF before its worker is killed
    memory_mb: int = MEMORY_MB  # address space of a worker (see `workers.child`)


def _always() -> str | None:
    return None


# Timeouts are ~100x the usual time of a 30-page paper (default ~0.2 s, pypdf ~1 s, PyMuPDF layout mode and
# GROBID ~1 page/s).
BACKENDS: dict[str, Backend] = {
    "default": Backend(default.parse_default, _always, 60.0),
    "pypdf": Backend(default.parse_pypdf, _always, 120.0),
    "pymupdf": Backend(pymupdf.parse_pymupdf, pymupdf.available, 600.0, 3072),  # layout mode: not measured here
    "grobid": Backend(grobid.parse_grobid, grobid.server_problem, 600.0),
    "nougat": Backend(nougat.parse_nougat, nougat.problem, nougat.TIMEOUT_S, nougat.MEMORY_MB),
}


def backend(name: str) -> Backend:
    """The registered backend `name`; a ValueError listing the choices otherwise."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    return BACKENDS[name]


def backend_problem(name: str) -> str | None:
    """Why backend `name` cannot run here (unknown, missing optional extra, GROBID down), or None."""
    if name not in BACKENDS:
        return f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}"
    return BACKENDS[name].problem()


def parse_pdf(path: str | os.PathLike, backend_name: str = "default") -> ParsedPaper:
    """One PDF to a ParsedPaper; raises `PdfError` naming the file (not a PDF, encrypted, no text, ...)."""
    chosen = backend(backend_name)
    path = Path(path)
    problem = file_problem(path)
    if problem:
        raise PdfError(path, problem)
    return chosen.parse(path)
