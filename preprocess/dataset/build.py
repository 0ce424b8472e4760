"""`make data`: a crawl (notes + PDFs or parsed JSON) -> LLaMA-Factory datasets, registered in dataset_info.json.

The build runs the declared steps of `steps.STEPS` (read, parse and fit paper texts, clean reviews, keep one
copy per paper, targets, row plans, split, write), each on typed `Copy` records and with its own funnel
rows, then writes the meta (`BuildMeta`), the funnel PNG and the four-part classifier. The crawl is only
read; a rerun with the same inputs writes the same bytes. The CLI is `python -m preprocess.dataset`.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json
from preprocess.core.names import safe_name
from preprocess.dataset.config import SAMPLE, BuildConfig, args_record
from preprocess.dataset.funnel import Funnel
from preprocess.dataset.imports import reached
from preprocess.dataset.prepare import PaperText, open_tokenizer
from preprocess.dataset.steps import Copy, Run, run_steps
from preprocess.dataset.write import clean_temp_files
from preprocess.prompt.budget import MIN_PAPER_TOKENS, default_review_tokens, paper_budget
from preprocess.prompt.register import build_lock
from preprocess.targets.targets import targets_meta


@dataclass
class BuildMeta:
    """What a build did, written to `<out>/<name>.meta.json` with the keys in this order."""

    args: dict[str, Any]  # the options as given (`config.args_record`)
    git_commit: str
    seed: int
    funnel: list[dict[str, Any]]  # `Funnel.rows`: papers and reviews left after each step, and what it dropped
    counts: dict[str, int]  # rows, papers and reviews per split; targets per route; LLM answers
    targets: dict[str, Any]  # `targets.targets_meta` of the targets in the rows
    paper_tokens: dict[str, Any]  # percentiles of paper tokens before and after fitting, and the budget
    test_forums: list[str]
    skipped: list[dict]  # {"item", "reason"}: bad lines, reviews and papers left out
    warnings: list[str]
    sources: list[dict] | None = None  # with --source only: what each source gave and what reached the rows
    cross_source_duplicates: list[dict] | None = None  # with --source only
    parts_model: dict[str, Any] | None = None  # the four-part classifier's `info` (None without one)

    def to_json(self) -> dict[str, Any]:
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.sources is None:
            del record["sources"], record["cross_source_duplicates"]
        return record


def build(cfg: BuildConfig) -> BuildMeta:
    """Run the whole build; returns the meta record (also written to `<out>/<name>.meta.json`). The name must be
    one safe path component; a second build of the same name while one runs is refused (RuntimeError)."""
    safe_name(cfg.name, "dataset name")
    with build_lock(cfg.out, cfg.name):
        return _build(cfg)


def _build(cfg: BuildConfig) -> BuildMeta:
    if cfg.raw is None and not cfg.sources:  # nothing given: the bundled sample
        cfg = replace(cfg, raw=SAMPLE)
    tok, spec = open_tokenizer(cfg.tokenizer)
    review_tokens = cfg.review_tokens or default_review_tokens(cfg.cutoff)
    budget = paper_budget(tok, cfg.cutoff, review_tokens)
    if budget < MIN_PAPER_TOKENS:
        raise ValueError(f"cutoff {cfg.cutoff} leaves under {MIN_PAPER_TOKENS} tokens for the paper "
                         f"after a {review_tokens}-token review reserve")
    clean_temp_files(cfg.out, cfg.name)
    cfg.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=cfg.out) as spill:
        run = Run(cfg, tok, spec, review_tokens, spill)
        copies, funnel = run_steps(run)
    meta = _meta(run, copies, funnel, budget)
    if run.classifier:
        run.classifier.save(cfg.out / f"{cfg.name}.parts.npz")
    funnel.plot(cfg.out / f"{cfg.name}.funnel.png")
    write_json(cfg.out / f"{cfg.name}.meta.json", meta.to_json())
    return meta


def _meta(run: Run, copies: list[Copy], funnel: Funnel, budget: int) -> BuildMeta:
    """The meta record of a finished run; each source's summary gains what of it reached the rows."""
    cfg, crawl, written = run.cfg, run.crawl, [c for c in copies if c.side]
    reached(crawl.sources, [c.paper for c in written], crawl.warnings)
    return BuildMeta(
        args=args_record(cfg, run.review_tokens), git_commit=_git_commit(), seed=cfg.seed, funnel=funnel.rows,
        counts=dict(sorted(run.stats.items())),
        targets=targets_meta([t for c in written for row in c.rows for t in row]),
        paper_tokens=_paper_tokens(run.fitted, budget),
        test_forums=sorted(c.paper.forum for c in written if c.side == "test"),
        skipped=crawl.skipped, warnings=crawl.warnings,
        sources=crawl.sources if cfg.sources else None,
        cross_source_duplicates=crawl.duplicates if cfg.sources else None,
        parts_model=run.classifier.info if run.classifier else None)


def _paper_tokens(fitted: list[PaperText], budget: int) -> dict[str, Any]:
    """Paper tokens of the copies the text steps kept, before and after fitting, and the budget."""
    return {"before_fit": _percentiles([t.full for t in fitted]),
            "after_fit": _percentiles([t.used for t in fitted]), "budget": budget}


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _percentiles(values: list[int]) -> dict[str, int]:
    values = sorted(values)
    if not values:
        return {}
    return {"p50": values[(len(values) - 1) // 2], "p95": values[int(0.95 * (len(values) - 1))], "max": values[-1]}
