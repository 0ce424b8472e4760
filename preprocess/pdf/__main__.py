"""Parse paper PDFs into one JSON record each, in worker processes with a timeout, crash-proof.

    python -m preprocess.pdf --in data/crawl --out data/parsed [--backend default] [--workers 2] [--timeout S]
        [--max-memory-mb MB] [--nougat-model PATH_OR_HUB_ID]

writes `<out>/<stem>.json` (title, abstract, kind-tagged sections, references, pages, backend, warnings) and
`<out>/errors.jsonl`. Backends: `default` (pypdfium2, pypdf as fallback; offline, permissive licences),
`pypdf`, `pymupdf` (PyMuPDF layout mode, optional AGPL extra), `grobid` (a GROBID server at $GROBID_URL) and
`nougat` (Meta's Nougat OCR model; weights from --nougat-model or $NOUGAT_MODEL, default facebook/nougat-base).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable

from preprocess.pdf.backends import BACKENDS
from preprocess.pdf.workers.batch import parse_batch


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preprocess.pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--in", dest="src", required=True, help="a PDF file or a folder of PDFs (recursive)")
    parser.add_argument("--out", required=True, help="output folder for <stem>.json and errors.jsonl")
    parser.add_argument("--backend", default="default", choices=list(BACKENDS))
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument(
        "--timeout", type=float, help="seconds per PDF before its worker is killed (default by backend)"
    )
    parser.add_argument(
        "--max-memory-mb", type=int, help="address space per worker in MB, 0 for none (default by backend)"
    )
    parser.add_argument("--nougat-model", help="nougat backend weights: a local folder or a hub id "
                        "(default $NOUGAT_MODEL, else facebook/nougat-base)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.nougat_model:
        os.environ["NOUGAT_MODEL"] = args.nougat_model  # read by the backend, handed to each worker (`workers.child`)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = parse_batch(
            args.src, args.out, args.backend, args.workers, args.timeout, memory_mb=args.max_memory_mb
        )
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
