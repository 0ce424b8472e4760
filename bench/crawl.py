"""Benchmark the crawler against the local OpenReview stand-in: notes/s, PDFs/s and peak RSS.

    python bench/crawl.py                      # 2,000 submissions x 4 replies, API v2
    python bench/crawl.py --api v1 --papers 500

The stub runs in a child process, so the peak RSS printed is the crawler's (plus this script).
Pass 1 lists the notes (--no-pdf); pass 2 resumes the same folder and fetches the PDFs.
"""

from __future__ import annotations

import argparse
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preprocess.core.venues import venue_slug  # noqa: E402
from preprocess.crawl.options import CrawlOptions  # noqa: E402
from preprocess.crawl.run import crawl  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--replies", type=int, default=4, help="replies per submission")
    parser.add_argument("--api", choices=("v1", "v2"), default="v2")
    parser.add_argument("--out", type=Path, help="crawl folder (default: a temp dir, removed)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    venue = f"Bench.cc/{2020 if args.api == 'v1' else 2024}/Conference"
    stub = subprocess.Popen([sys.executable, str(REPO / "tests" / "openreview_stub.py"), "--venue", venue,
                             "--api", args.api, "--papers", str(args.papers), "--replies", str(args.replies)],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = stub.stdout.readline().strip()  # printed once the fixtures are built and it listens
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out or Path(tmp)
            opts = CrawlOptions(venue=venue, out=out, api=args.api, baseurl=url, pdf=False, sleep=0.0)
            base = peak_rss_mib()
            start = time.perf_counter()
            listed = crawl(opts)
            list_s = time.perf_counter() - start
            opts.pdf = True
            start = time.perf_counter()
            fetched = crawl(opts)
            pdf_s = time.perf_counter() - start
            size = (out / venue_slug(venue) / "notes.jsonl").stat().st_size / 2**20
    finally:
        stub.terminate()
        stub.wait()
    notes, replies = listed["notes"], listed["notes"] * args.replies
    print(f"API {args.api}: {notes} submissions + {replies} replies in {list_s:.2f} s = "
          f"{notes / list_s:.0f} notes/s ({(notes + replies) / list_s:.0f} notes+replies/s), "
          f"notes.jsonl {size:.1f} MiB")
    print(f"PDFs: {fetched['pdfs']} in {pdf_s:.2f} s = {fetched['pdfs'] / pdf_s:.0f} PDFs/s "
          f"(incl. resume scan of notes.jsonl)")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB (after imports: {base:.0f} MiB)")
    if listed["errors"] or fetched["errors"] or fetched["pdfs"] != notes:
        sys.exit(f"errors: {listed['errors']} + {fetched['errors']}")


if __name__ == "__main__":
    main()
