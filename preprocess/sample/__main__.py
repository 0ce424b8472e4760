"""Command line: render the synthetic sample source into crawl-shaped OpenReview data.

    python -m preprocess.sample [--source data/sample_source] [--out data/sample]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from preprocess.sample.render import log, render


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Render data/sample_source into crawl-shaped data/sample.")
    parser.add_argument("--source", type=Path, default=Path("data/sample_source"))
    parser.add_argument("--out", type=Path, default=Path("data/sample"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for slug, count in render(args.source, args.out).items():
        log.info("%s: %d submissions", slug, count)


if __name__ == "__main__":
    main()
