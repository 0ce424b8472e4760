"""`make crawl`: crawl (or resume) one OpenReview venue; see `preprocess/crawl/run.py` for what it writes.

    python -m preprocess.crawl --venue ICLR.cc/2024/Conference --out data/crawl \
        [--api auto|v1|v2] [--baseurl URL] [--no-pdf] [--sleep 1.0]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from preprocess.core.venues import KNOWN_VENUES
from preprocess.crawl.options import CrawlError, CrawlOptions
from preprocess.crawl.run import __doc__ as RUN_DOC
from preprocess.crawl.run import crawl

log = logging.getLogger("preprocess.crawl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preprocess.crawl", description=RUN_DOC.split("\n")[0])
    parser.add_argument("--venue", help="venue id, e.g. ICLR.cc/2024/Conference")
    parser.add_argument("--out", type=Path, help="output folder; the venue goes in <out>/<venue slug>/")
    parser.add_argument("--api", choices=("auto", "v1", "v2"), default="auto",
                        help="default auto: the venue table (--list-venues), else ask API v2")
    parser.add_argument("--baseurl", help="API base URL (default: the public API of the chosen version)")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="notes only")
    parser.add_argument("--sleep", type=float, default=1.0, help="seconds between API calls (default 1.0)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--retries", type=int, default=8, help="retries per request on 429/5xx")
    parser.add_argument("--backoff", type=float, default=1.0, help="exponential backoff factor (s)")
    parser.add_argument("--max-wait", type=float, default=120.0, help="cap on one wait (s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout (s)")
    parser.add_argument("--list-venues", action="store_true", help="print the known venues and exit")
    args = parser.parse_args(argv)
    if args.list_venues:
        for venue, version in sorted(KNOWN_VENUES.items()):
            print(f"{venue}\t{version}")
        return 0
    if not args.venue or not args.out:
        parser.error("--venue and --out are required")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    opts = CrawlOptions(**{k: v for k, v in vars(args).items() if k != "list_venues"})
    try:
        with logging_redirect_tqdm():
            state = crawl(opts)
    except CrawlError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted; rerun the same command to resume")
        return 130
    return 0 if state["listing_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
