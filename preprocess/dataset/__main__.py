"""`make data`: a crawl (notes + PDFs or parsed JSON) -> LLaMA-Factory datasets, registered in dataset_info.json.

    python -m preprocess.dataset --raw data/sample --name sample --tokenizer models/tiny --cutoff 1024

Writes <out>/<name>_{train,test}.jsonl (alpaca or sharegpt), <out>/<name>_test.refs.jsonl (one line per test
row: the human reviews it is scored against), <out>/<name>.meta.json (arguments, commit, seed, funnel, token
lengths) and <out>/<name>.funnel.png. The crawl is only read; a rerun with the same inputs writes the same bytes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from preprocess.dataset import clean
from preprocess.dataset.build import build
from preprocess.dataset.config import BuildConfig
from preprocess.dataset.funnel import Funnel
from preprocess.dataset.imports import sources_table
from preprocess.dataset.parsing import ParseOptions
from preprocess.pdf.backends import BACKENDS
from preprocess.prompt import openai_check
from preprocess.prompt.formats import FORMATS, FormatOptions
from preprocess.sources.registry import SOURCES
from preprocess.targets.targets import LLMOptions


def _input_args(p: argparse.ArgumentParser) -> None:
    """What the build reads: a crawl folder and/or public datasets (`preprocess/sources/`)."""
    p.add_argument("--raw", type=Path, default=None,
                   help="crawl folder (<venue>/notes.jsonl + pdfs/); default data/sample unless --source is given")
    p.add_argument("--source", action="append", default=[], metavar="FORMAT:PATH",
                   help="a downloaded public dataset to import (repeat, or comma-separate), FORMAT one of: "
                        + ", ".join(SOURCES))


def _output_args(p: argparse.ArgumentParser) -> None:
    """Where the build writes, under which name, and whether it may replace a larger build (`write.py`)."""
    p.add_argument("--out", type=Path, default=Path("data"), help="dataset dir (holds dataset_info.json)")
    p.add_argument("--name", default="sample", help="dataset name prefix: one name of letters, digits, _ - .")
    p.add_argument("--allow-shrink", action="store_true", help="replace a previous build of --name even when this "
                   "one has no rows or under half of its rows (refused by default, the previous outputs kept)")


def parse_args(argv: list[str] | None = None) -> BuildConfig:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _input_args(p)
    p.add_argument("--parsed", type=Path, default=None,
                   help="folder of <forum>.json from `make parse` (PDFs without one: parsed into <out>/cache/parsed)")
    _output_args(p)
    p.add_argument("--tokenizer", default="models/tiny", help="the target model's tokenizer (name or path)")
    p.add_argument("--cutoff", type=int, default=1024, help="the recipe's cutoff_len")
    p.add_argument("--review-tokens", type=int, default=None,
                   help="tokens reserved for the review (default: a third of --cutoff)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--test-size", type=float, default=0.2, help="share of papers in test (ignored with --test-venues)")
    p.add_argument("--test-venues", nargs="*", default=[], help="venue ids (or folder names) held out as test")
    g = p.add_argument_group("rows")
    g.add_argument("--format", choices=list(FORMATS), default="alpaca", help="openai: OpenAI chat fine-tuning "
                   "JSONL fitted to --openai-model (its limit and tokenizer replace --cutoff, --tokenizer), checked")
    openai_check.add_model_option(g, None)
    g.add_argument("--per", choices=("review", "paper"), default="review", help="one row per review or per paper")
    g.add_argument("--target", choices=("four-part", "raw"), default="four-part")
    g.add_argument("--with-rating", action="store_true", help="end each target with `Rating: N`")
    g.add_argument("--with-decision", action="store_true", help="end each target with `Decision: Accept|Reject`")
    g.add_argument("--min-parts", type=int, default=0, choices=range(5), metavar="N",
                   help="drop targets with fewer than N non-empty parts (a raw target has 0; \"None.\" is empty)")
    g.add_argument("--parts", choices=("hashing", "minilm", "none"), default="hashing",
                   help="offline four-part classifier features (none: fields and headings only; see bench/parts.py)")
    c = p.add_argument_group("cleaning")
    defaults = clean.CleanConfig()
    for key in vars(defaults):
        c.add_argument("--" + key.replace("_", "-"), type=type(getattr(defaults, key)), default=getattr(defaults, key))
    m = p.add_argument_group("LLM restructuring (OpenAI-compatible endpoint)")
    m.add_argument("--llm-url", default=None, help="base URL, e.g. http://127.0.0.1:8000/v1")
    m.add_argument("--llm-model", default=None)
    m.add_argument("--llm-key-env", default="REVIEW_LLM_API_KEY", help="environment variable holding the API key")
    m.add_argument("--llm-workers", type=int, default=8, help="concurrent requests")
    m.add_argument("--llm-max-tokens", type=int, default=1536, help="answer length limit per review")
    m.add_argument("--llm-all", action="store_true", help="also rewrite reviews the rules already split")
    m.add_argument("--llm-cache", type=Path, default=None, help="answer cache (default: <out>/cache/restructure)")
    m.add_argument("--llm-retries", type=int, default=3, help="retries per request on 429/5xx/connection errors")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes parsing PDFs and for the paper-text pass (used from 200 papers up)")
    r = p.add_argument_group("parsing PDFs without a parse (as `make parse`)")
    r.add_argument("--pdf-backend", choices=list(BACKENDS), default="default")
    r.add_argument("--parse-timeout", type=float, default=None, help="seconds per PDF (default by backend)")
    r.add_argument("--max-memory-mb", type=int, default=None,
                   help="address space per parse worker in MB, 0 for none (default by backend)")
    a = p.parse_args(argv)
    openai_check.apply_model_option(a, p)  # --format openai: the model's tokenizer and limit
    return BuildConfig(
        raw=a.raw, sources=tuple(a.source), out=a.out, name=a.name, tokenizer=a.tokenizer, cutoff=a.cutoff,
        parsed=a.parsed, review_tokens=a.review_tokens, seed=a.seed, test_size=a.test_size,
        test_venues=tuple(a.test_venues),
        options=FormatOptions(a.format, a.per, a.target, a.with_rating, a.with_decision, a.min_parts),
        cleaning=clean.CleanConfig(**{k: getattr(a, k) for k in vars(defaults)}),
        llm=LLMOptions(a.llm_url, a.llm_model, a.llm_key_env, a.llm_workers, a.llm_max_tokens, a.llm_all, a.llm_cache,
                       a.llm_retries),
        parts=a.parts, allow_shrink=a.allow_shrink,
        workers=a.workers,
        parse=ParseOptions(a.pdf_backend, a.parse_timeout, a.max_memory_mb, max(1, a.workers)))


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = parse_args(argv)
    try:
        meta = build(cfg)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(Funnel(meta.funnel).table())
    if meta.sources:
        print(sources_table(meta.sources))
    c, targets, tokens = meta.counts, meta.targets, meta.paper_tokens
    print(f"rows: train {c.get('train rows', 0)}, test {c.get('test rows', 0)} ({cfg.options.format}, per "
          f"{cfg.options.per}); targets four-part {targets['four_part']}, with an empty part "
          f"{targets['with_empty_part']}, raw {targets['raw']}"
          f" (by route: {', '.join(f'{k} {v}' for k, v in targets['by_route'].items())})")
    if meta.warnings:
        print(f"{len(meta.warnings)} warning(s) (scales, off-scale or missing ratings), listed in the meta")
    print(f"paper tokens before fit {tokens['before_fit']}, after {tokens['after_fit']}"
          f" (budget {tokens['budget']}); skipped {len(meta.skipped)} item(s), see the meta")
    print(f"wrote {cfg.out}/{cfg.name}_{{train,test}}.jsonl, {cfg.name}_test.refs.jsonl, "
          f"{cfg.name}_train.ratings.jsonl, {cfg.name}.meta.json, {cfg.name}.funnel.png; "
          f"registered in {cfg.out}/dataset_info.json")
    if cfg.options.format == "openai":
        openai_check.report_build(cfg.out, cfg.name, argv)


if __name__ == "__main__":
    main()
