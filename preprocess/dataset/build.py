"""`make data`: a crawl (notes + PDFs or parsed JSON) -> LLaMA-Factory datasets, registered in dataset_info.json.

Steps, one module each: read the notes (`read`, `normalize`), clean them with a funnel (`clean`, `dedup`,
`funnel`), four-part targets (`targets`, `restructure`), plan rows (`formats`), prepare each paper's text
(`prepare`: `clean`, `budget`), split by paper (`split`), write and register (`write`, `register`). The crawl
is only read; a rerun with the same inputs writes the same bytes. The CLI is `python -m preprocess.dataset`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from preprocess.core.jsonl import write_json
from preprocess.core.record import Paper
from preprocess.core.venues import venue_slug
from preprocess.dataset import clean
from preprocess.dataset.budget import MIN_PAPER_TOKENS, default_review_tokens, paper_budget
from preprocess.dataset.formats import FormatOptions, Target, plan_rows
from preprocess.dataset.funnel import Funnel
from preprocess.dataset.prepare import PaperJob, PaperText, open_tokenizer, prepare_all
from preprocess.dataset.read import read_papers
from preprocess.dataset.split import Split, SplitItem, split_papers
from preprocess.dataset.targets import LLMOptions, make_targets
from preprocess.dataset.tokenizer import Tokenizer
from preprocess.dataset.write import write_splits


@dataclass
class BuildConfig:
    """Every option of a build (recorded in the meta as given)."""

    raw: Path
    out: Path
    name: str
    tokenizer: str
    cutoff: int
    parsed: Path | None = None
    review_tokens: int | None = None
    seed: int = 42
    test_size: float = 0.2
    test_venues: tuple[str, ...] = ()
    options: FormatOptions = field(default_factory=FormatOptions)
    cleaning: clean.CleanConfig = field(default_factory=clean.CleanConfig)
    llm_url: str | None = None
    llm_model: str | None = None
    llm_key_env: str = "REVIEW_LLM_API_KEY"
    llm_workers: int = 8
    llm_max_tokens: int = 1536
    llm_all: bool = False
    llm_cache: Path | None = None
    workers: int = 1

    def llm(self) -> LLMOptions:
        return LLMOptions(self.llm_url, self.llm_model, self.llm_key_env, self.llm_workers, self.llm_max_tokens,
                          self.llm_all, self.llm_cache)


@dataclass
class TextPass:
    """The paper-text pass as it is collected: each paper's problem, token counts before and after the fit."""

    problem_of: dict[str, str] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)
    fitted: list[int] = field(default_factory=list)
    fixed: int = 0


def text_steps(config: clean.CleanConfig) -> list[tuple[str, str]]:
    """The paper-text funnel steps in order: (problem name from `clean.section_problem`, funnel label)."""
    return [("no parsed text", "no parsed text"),
            ("too little text", f"too little text (< {config.min_body_words} words)"),
            ("extreme paper length", f"extreme paper length (> {config.max_body_words} words)")]


def _plan(cfg: BuildConfig, papers: list[Paper], tok: Tokenizer, review_tokens: int, funnel: Funnel,
          stats: Counter) -> tuple[list[Paper], dict[str, list[Target]], dict[str, list[list[Target]]]]:
    """Targets and row plans per paper; reviews that fit no row are dropped, then papers left without any."""
    targets = make_targets(papers, cfg.options, cfg.llm(), cfg.out / "cache" / "restructure", stats)
    plans = {p.forum: plan_rows(targets[p.forum], cfg.options, tok, review_tokens) for p in papers}
    placed = {id(t.review) for rows in plans.values() for row in rows for t in row}
    papers = clean.drop_papers(clean.drop_reviews(papers, lambda r: id(r) in placed), lambda p: bool(p.reviews))
    funnel.add_papers(f"reviews over the {review_tokens}-token reserve", papers)
    return papers, targets, plans


def _collect(results: Iterator[PaperText], forums: list[str], alive: set[str], inputs: IO[str],
             skipped: list[dict]) -> TextPass:
    """Fitted texts of the papers still in, as JSON lines in `inputs`; problems into `skipped`."""
    got = TextPass()
    for forum, result in zip(forums, results, strict=True):
        if forum not in alive:
            continue
        if result.problem:
            got.problem_of[forum] = result.problem
            skipped.append({"item": forum, "reason": f"{result.problem}: {result.reason}"})
            continue
        got.lengths.append(result.full)
        got.fitted.append(result.used)
        got.fixed += result.fixed
        inputs.write(json.dumps(result.input, ensure_ascii=False) + "\n")
    return got


def _split(cfg: BuildConfig, papers: list[Paper], funnel: Funnel) -> Split:
    """The seeded split by paper (or the held-out venues); the funnel counts near duplicates left out."""
    held = {p.venue for p in papers if p.venue in cfg.test_venues or venue_slug(p.venue) in cfg.test_venues}
    if cfg.test_venues and not held:
        raise ValueError(f"--test-venues {' '.join(cfg.test_venues)}: no kept paper comes from these venues")
    split = split_papers([SplitItem(p.forum, p.title, p.venue) for p in papers], cfg.test_size, cfg.seed, held)
    funnel.add_papers("near duplicates of held-out papers", [p for p in papers if split.side(p.forum)])
    return split


def build(cfg: BuildConfig) -> dict[str, Any]:
    """Run the whole build; returns the meta record (also written to `<out>/<name>.meta.json`)."""
    funnel, stats = Funnel(), Counter()
    tok, spec = open_tokenizer(cfg.tokenizer)
    review_tokens = cfg.review_tokens or default_review_tokens(cfg.cutoff)
    if paper_budget(tok, cfg.cutoff, review_tokens) < MIN_PAPER_TOKENS:
        raise ValueError(f"cutoff {cfg.cutoff} leaves under {MIN_PAPER_TOKENS} tokens for the paper "
                         f"after a {review_tokens}-token review reserve")
    crawl = read_papers(cfg.raw)
    funnel.add("notes read", crawl.notes, sum(len(p.reviews) for p in crawl.papers))
    funnel.add_papers("bad lines, notes without id or title", crawl.papers)
    papers = sorted(clean.clean_papers(crawl.papers, funnel), key=lambda p: (p.venue, p.forum))
    jobs = [PaperJob(replace(p, reviews=[]), crawl.folders[p.forum], cfg.parsed, cfg.cutoff, review_tokens,
                     cfg.cleaning) for p in papers]
    results = prepare_all(jobs, cfg.tokenizer, spec, cfg.workers)  # workers start on the text now ...
    forums = [p.forum for p in papers]
    papers = clean.clean_reviews(papers, cfg.cleaning, funnel)  # ... while this process cleans the reviews
    papers, targets, plans = _plan(cfg, papers, tok, review_tokens, funnel, stats)
    cfg.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=cfg.out) as inputs:
        text = _collect(results, forums, {p.forum for p in papers}, inputs, crawl.skipped)
        for step, label in text_steps(cfg.cleaning):
            papers = [p for p in papers if text.problem_of.get(p.forum) != step]
            funnel.add_papers(label, papers)
        funnel.add_papers("URLs / boilerplate fixed in paper text", papers, fixed=text.fixed)
        split = _split(cfg, papers, funnel)
        inputs.seek(0)
        stats.update(write_splits(cfg.out, cfg.name, cfg.options, papers, (line.rstrip("\n") for line in inputs),
                                  plans, targets, split.side))
    kept = [t for p in papers if split.side(p.forum) for row in plans[p.forum] for t in row]
    meta = _meta(cfg, review_tokens, funnel, stats, kept, text, paper_budget(tok, cfg.cutoff, review_tokens),
                 sorted(split.test & {p.forum for p in papers}), crawl.skipped)
    funnel.plot(cfg.out / f"{cfg.name}.funnel.png")
    write_json(cfg.out / f"{cfg.name}.meta.json", meta)
    return meta


def _meta(cfg: BuildConfig, review_tokens: int, funnel: Funnel, stats: Counter, kept: list[Target], text: TextPass,
          budget: int, test_forums: list[str], skipped: list[dict]) -> dict[str, Any]:
    return {
        "args": _args_record(cfg, review_tokens),
        "git_commit": _git_commit(),
        "seed": cfg.seed,
        "funnel": funnel.rows,
        "counts": dict(sorted(stats.items())),
        "targets": {"four_part": sum(t.four_part for t in kept), "raw": sum(not t.four_part for t in kept)},
        "paper_tokens": {"before_fit": _percentiles(text.lengths), "after_fit": _percentiles(text.fitted),
                         "budget": budget},
        "test_forums": test_forums,
        "skipped": skipped,
    }


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


def _args_record(cfg: BuildConfig, review_tokens: int) -> dict[str, Any]:
    record = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(cfg).items()
              if k not in ("options", "cleaning")}
    record.update(review_tokens=review_tokens, test_venues=list(cfg.test_venues), options=asdict(cfg.options),
                  cleaning=asdict(cfg.cleaning))
    return record
