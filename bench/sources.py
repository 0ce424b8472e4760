"""Per public-dataset source: what its reader takes in and what reaches the train/test rows.

    python bench/sources.py DIR [DIR ...]                  # DIR/<format>/... : one folder per format
    python bench/sources.py peerread:/data/PeerRead deepreview:/data/DeepReview-13K/train.csv
    python bench/sources.py DIR --tokenizer models/tiny --min-body-words 50

Each source is first read alone (`preprocess.sources.registry.read_source`): files under its path, rows (or paper
files) read, papers and reviews read, items skipped, seconds. Then every source that gave reviews is built together
into a temporary folder by the same code as `make data SOURCE=...` (`preprocess.dataset.build`), and the meta's
per-source counts give the papers and reviews that reached the rows. A source that gives no review is listed with
its error (what `make data` would stop on) and left out of the build.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from preprocess.dataset.build import build  # noqa: E402
from preprocess.dataset.clean import CleanConfig  # noqa: E402
from preprocess.dataset.config import BuildConfig  # noqa: E402
from preprocess.sources.registry import ALIASES, SOURCES, parse_specs, read_source  # noqa: E402

COLUMNS = ("source", "files", "rows", "papers in", "reviews in", "skipped", "papers out", "reviews out", "read s")


def specs_of(args: list[str]) -> list[str]:
    """`<format>:<path>` as given; a folder: one spec per child folder (or file) named by a format."""
    specs = []
    for arg in args:
        name = arg.partition(":")[0].lower()
        if ":" in arg and (name in SOURCES or name in ALIASES):
            specs.append(arg)
            continue
        children = sorted(Path(arg).iterdir()) if Path(arg).is_dir() else []
        found = [f"{ALIASES.get(c.stem.lower(), c.stem.lower())}:{c}" for c in children
                 if ALIASES.get(c.stem.lower(), c.stem.lower()) in SOURCES]
        if not found:
            raise SystemExit(f"{arg}: neither <format>:<path> nor a folder with one child per format "
                             f"({', '.join(SOURCES)})")
        specs += found
    return specs


def read_each(specs: list[str]) -> tuple[list[dict], list[str]]:
    """Each source read alone: its summary with the seconds it took, or its error; the specs that gave reviews."""
    rows, good = [], []
    for spec in parse_specs(specs):
        start = time.perf_counter()
        try:
            summary = read_source(spec).summary()
        except (ValueError, FileNotFoundError) as exc:
            rows.append({"source": str(spec), "error": str(exc)})
            continue
        rows.append({**summary, "seconds": round(time.perf_counter() - start, 2)})
        good.append(str(spec))
    return rows, good


def built(specs: list[str], tokenizer: str, cutoff: int, min_body_words: int) -> dict[str, dict]:
    """The build's per-source summaries (with `papers_out`, `reviews_out`), by source."""
    if not specs:
        return {}
    with tempfile.TemporaryDirectory() as out:
        meta = build(BuildConfig(raw=None, out=Path(out), name="bench_sources", tokenizer=tokenizer, cutoff=cutoff,
                                 sources=tuple(specs), cleaning=CleanConfig(min_body_words=min_body_words)))
    return {s["source"]: s for s in meta.sources or []}


def table(rows: list[dict], out: dict[str, dict]) -> str:
    keys = ("files", "rows", "papers", "reviews", "skipped")
    body = [(r["source"], *(r.get(k, "") for k in keys), out.get(r["source"], {}).get("papers_out", ""),
             out.get(r["source"], {}).get("reviews_out", ""), r.get("seconds", "")) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(COLUMNS, *body, strict=True)]
    lines = [f"{row[0]:<{widths[0]}}  " + "  ".join(f"{str(v):>{w}}" for v, w in zip(row[1:], widths[1:], strict=True))
             for row in (COLUMNS, *body)]
    lines += [f"{r['source']}: {r['error']}" for r in rows if "error" in r]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+", help="<format>:<path>, or a folder with one child per format")
    p.add_argument("--tokenizer", default="models/tiny", help="tokenizer of the build (as make data's TOKENIZER)")
    p.add_argument("--cutoff", type=int, default=1024)
    p.add_argument("--min-body-words", type=int, default=CleanConfig().min_body_words)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rows, good = read_each(specs_of(a.paths))
    start = time.perf_counter()
    out = built(good, a.tokenizer, a.cutoff, a.min_body_words)
    print(table(rows, out))
    print(f"build of {len(good)} source(s): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
