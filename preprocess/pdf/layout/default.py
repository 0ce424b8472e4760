"""The default backend, offline and permissively licensed: pypdfium2 (pypdf as its fallback, or alone).

Four steps, one module each: `extract` styled lines, `clean` margin numbers and running headers, find
`headings`, split `sections`. ICLR/NeurIPS margin line numbers, headers and hyphenation are undone;
acknowledgements and appendix sections are tagged so later steps can drop them.
"""

from __future__ import annotations

from pathlib import Path

from preprocess.pdf.errors import PdfError
from preprocess.pdf.layout.clean import clean_lines
from preprocess.pdf.layout.extract import pdfium_lines, pypdf_lines
from preprocess.pdf.layout.sections import split_sections
from preprocess.pdf.record import ParsedPaper


def _lines(path: Path, engine: str) -> tuple[list, int, str, list[str]]:
    """Lines and page count from `engine` (pypdfium2 falls back to pypdf); the engine used, warnings."""
    warnings: list[str] = []
    first_failure = ""
    if engine == "pypdfium2":
        try:
            lines, pages = pdfium_lines(path)
            return lines, pages, engine, warnings
        except Exception as exc:
            if "password" in str(exc).lower():
                raise PdfError(path, "encrypted PDF (password required)") from exc
            first_failure = f"pypdfium2: {exc}; "
            warnings.append(f"pypdfium2 failed ({exc}); fell back to pypdf")
    try:
        lines, pages = pypdf_lines(path)
    except Exception as exc:
        if "encrypt" in str(exc).lower():
            raise PdfError(path, "encrypted PDF (password required)") from exc
        raise PdfError(path, f"unreadable PDF ({first_failure}pypdf: {exc})") from exc
    return lines, pages, "pypdf", warnings


def parse_default(path: Path, engine: str = "pypdfium2") -> ParsedPaper:
    """One PDF to a ParsedPaper with pypdfium2 (`engine="pypdf"`: pypdf alone); raises `PdfError`."""
    lines, pages, engine, warnings = _lines(path, engine)
    lines, more = clean_lines(lines, pages)
    if not lines:
        raise PdfError(path, f"no text layer in {pages} page(s) (scanned or blank)")
    paper = split_sections(lines)
    paper.pages, paper.backend, paper.warnings = pages, engine, warnings + more + paper.warnings
    return paper


def parse_pypdf(path: Path) -> ParsedPaper:
    """The default backend's steps on pypdf's layout-free text."""
    return parse_default(path, "pypdf")
