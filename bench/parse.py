"""Benchmark the PDF backends: pages/s on the real fixture PDFs, and parse quality beside it.

    python bench/parse.py                                  # default and pypdf (pymupdf, grobid, nougat if present)
    NOUGAT_MODEL=<folder or hub id> python bench/parse.py --backends nougat --nougat-min-pages 20
    python bench/parse.py --backends default --min-pages 400 --workers 2 --json /tmp/parse.json
    python bench/parse.py --backends default --min-pages 20 --long-lines 40000   # the long-reference-list case

Speed: the fixture PDFs (../shared/fixtures) are repeated until at least --min-pages pages, then
parsed by `parse_batch` (worker processes, as `make` runs it) with --workers and with 1 worker
(wall clock), and once in this process (pages per CPU-second, steady under other load).
Quality, per PDF: title equal to the truth (the GROBID TEI's title where one lies beside the PDF, else
`titles.json` beside it, else `TRUTH` below; case ignored), abstract words, body sections, the share of
the PDF's raw pypdfium2 words that land in body sections (a wrong appendix or back-matter call shows as
a small share), leftover margin line numbers, and for PDFs with a GROBID TEI the recall of its headings.
Rendered sample PDFs under data/sample/ (some with ICLR margin numbers) join the quality table when present. The grobid
backend is timed only when $GROBID_URL answers, the nougat backend only when its weights are present
($NOUGAT_MODEL, or facebook/nougat-base in the Hugging Face cache), on fewer pages (--nougat-min-pages).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preprocess.pdf.backends import BACKENDS, backend_problem, parse_pdf  # noqa: E402
from preprocess.pdf.optional.grobid import tei_to_record  # noqa: E402
from preprocess.pdf.quality import (  # noqa: E402
    body_headings,
    heading_recall,
    kind_words,
    margin_number_runs,
    pdf_words,
    record_text,
)
from preprocess.pdf.workers.batch import parse_batch  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures"
# Titles read by hand for fixture PDFs with neither a GROBID TEI nor a titles.json beside them.
TRUTH = {
    "futoma2017improved.pdf": (
        "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for Early Sepsis Detection"
    ),
}


def fixture_pdfs() -> list[Path]:
    if not FIXTURES.exists():
        sys.exit(f"{FIXTURES} is missing: the benchmark runs on the shared real fixtures")
    return sorted(FIXTURES.rglob("*.pdf"))


def true_title(pdf: Path) -> str | None:
    """The fixture's known title (see the module docstring), None where there is none."""
    tei = pdf.parent / (pdf.stem + ".tei.xml")
    if tei.exists():
        return tei_to_record(tei.read_text(encoding="utf-8")).title
    titles = pdf.parent / "titles.json"
    if titles.exists():
        return json.loads(titles.read_text(encoding="utf-8")).get(pdf.name)
    return TRUTH.get(pdf.name)


def quality(pdf: Path, backend: str) -> dict:
    """One PDF's quality row; recall against GROBID's headings where its TEI lies beside it."""
    try:
        record = parse_pdf(pdf, backend)
    except Exception as exc:  # a row, not a crash: the table shows what failed
        return {"file": pdf.name, "error": str(exc)}
    truth, words = true_title(pdf), kind_words(record)
    row = {
        "file": pdf.name,
        "pages": record.pages,
        "title": bool(record.title),
        "title_true": None if truth is None else record.title.casefold() == truth.casefold(),
        "abstract_words": len(record.abstract.split()),
        "body_word_share": round(words["body"] / max(pdf_words(pdf), 1), 3),
        "back_words": words["appendix"] + words["acknowledgements"],
        "body_sections": len(body_headings(record)),
        "references": len(record.references),
        "margin_number_runs": margin_number_runs(record_text(record)),
    }
    tei = pdf.parent / (pdf.stem + ".tei.xml")
    if tei.exists():
        grobid = tei_to_record(tei.read_text(encoding="utf-8"))
        recall, missed = heading_recall(body_headings(grobid), [s.heading for s in record.sections])
        row.update(heading_recall=round(recall, 3), missed=missed)
        row["same_title_as_grobid"] = record.title == grobid.title
    return row


def cpu_rate(pdfs: list[Path], backend: str) -> float:
    """pages per CPU-second of this process parsing `pdfs` one after another: a figure that other
    load on the machine does not move (wall-clock pages/s does). Out-of-process work (GROBID) and
    the layout model's extra threads are not counted, so read it beside the wall-clock figures."""
    start, pages = time.process_time(), 0
    for pdf in pdfs:
        pages += parse_pdf(pdf, backend).pages
    return round(pages / max(time.process_time() - start, 1e-9), 1)


def speed(pdfs: list[Path], backend: str, min_pages: int, workers: int) -> dict:
    """pages/s of `parse_batch` over copies of `pdfs` adding up to at least `min_pages` pages."""
    pages = {pdf: parse_pdf(pdf, "default").pages for pdf in pdfs}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        total, k = 0, 0
        while total < min_pages:
            for pdf in pdfs:
                (src / f"r{k:03d}-{pdf.name}").symlink_to(pdf)
                total += pages[pdf]
            k += 1
        result = {"pages": total, "pages_per_cpu_s": cpu_rate(sorted(src.iterdir()), backend)}
        for n in sorted({workers, 1}, reverse=True):
            start = time.perf_counter()
            timeout = max(600.0, BACKENDS[backend].timeout_s)
            summary = parse_batch(src, Path(tmp) / f"out{n}", backend, n, timeout, show_progress=False)
            seconds = time.perf_counter() - start
            result[f"pages_per_s_{n}w"] = round(summary["pages"] / seconds, 1)
            result[f"errors_{n}w"] = summary["errors"]
    return result


def long_pdf(path: Path, lines: int) -> Path:
    """A paper of about `lines` lines: half in one unbroken paragraph, half in a reference list (hanging indents,
    two lines an entry): the shapes that made two parser steps quadratic (a 40,000-line file once took 405 s)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, "A Paper With a Very Long Reference List", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, "Abstract. " + "We study reference lists that run to thousands of lines. " * 6,
                   new_x="LMARGIN", new_y="NEXT")
    for heading in ("1 Introduction", "2 Method", "References"):
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        if heading == "2 Method":  # one paragraph of lines // 2 lines: no blank line, no indent
            pdf.multi_cell(0, 4.2, " ".join(f"Step {n} of the method is described in this sentence in detail."
                                            for n in range(lines // 2)), new_x="LMARGIN", new_y="NEXT")
        elif heading != "References":
            pdf.multi_cell(0, 5, "Our method is described in this section at some length. " * 12,
                           new_x="LMARGIN", new_y="NEXT")
    for n in range(lines // 4):
        pdf.set_x(pdf.l_margin)
        pdf.cell(0, 4.2, f"A. Author{n}, B. Writer and C. Person. A study of problem number {n} in depth.",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + 6)  # the hanging indent of an entry's second line
        pdf.cell(0, 4.2, f"In Proceedings of the Venue, pages {n}-{n + 9}, 2020.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def long_case(lines: int) -> dict:
    """Seconds to parse a PDF with a `lines`-line reference list (default backend, in this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = long_pdf(Path(tmp) / "long.pdf", lines)
        start = time.perf_counter()
        paper = parse_pdf(pdf)
        return {"lines": lines, "pages": paper.pages, "references": len(paper.references),
                "seconds": round(time.perf_counter() - start, 2), "bytes": pdf.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="default,pypdf,pymupdf,grobid,nougat")
    parser.add_argument("--min-pages", type=int, default=200)
    parser.add_argument("--nougat-min-pages", type=int, default=20,
                        help="pages timed for nougat (a GPU reads ~1.5 s a page, a CPU takes minutes)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--long-lines", type=int, default=40000,
                        help="also time one PDF with a reference list this long (0: skip)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    pdfs = fixture_pdfs()
    samples = sorted((REPO / "data" / "sample").glob("*/pdfs/*.pdf"))
    results = {"cpus": os.cpu_count(), "fixtures": [p.name for p in pdfs], "backends": {}}
    for backend in args.backends.split(","):
        problem = backend_problem(backend)
        if problem:
            print(f"\n## {backend}: skipped ({problem})")
            results["backends"][backend] = {"skipped": problem}
            continue
        rows = [quality(pdf, backend) for pdf in pdfs + samples]
        timing = speed(pdfs, backend, args.nougat_min_pages if backend == "nougat" else args.min_pages, args.workers)
        results["backends"][backend] = {"speed": timing, "quality": rows}
        print(f"\n## {backend}: {timing}")
        print("| file | pages | title = truth | abstract words | body sections | body words / PDF words "
              "| appendix + ack. words | refs | margin runs | recall |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            if "error" in r:
                print(f"| {r['file']} | error: {r['error']} |")
                continue
            recall = f"{r['heading_recall']:.0%}" if "heading_recall" in r else "-"
            title = {True: "yes", False: "NO", None: "found" if r["title"] else "NONE"}[r["title_true"]]
            print(
                f"| {r['file']} | {r['pages']} | {title} | {r['abstract_words']} | {r['body_sections']} "
                f"| {r['body_word_share']:.0%} | {r['back_words']} | {r['references']} "
                f"| {r['margin_number_runs']} | {recall} |"
            )
    if args.long_lines:
        results["long"] = long_case(args.long_lines)
        print(f"\n## a {args.long_lines:,}-line reference list: {results['long']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
