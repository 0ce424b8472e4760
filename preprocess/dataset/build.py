"""`make data`: a crawl (notes + PDFs or parsed JSON) -> LLaMA-Factory datasets, registered in dataset_info.json.

Steps, one module each: read the notes (`read`, `normalize`), clean them with a funnel (`clean`, `dedup`,
`funnel`), four-part targets (`targets`, `restructure`), plan rows (`formats`), prepare each paper's text
(`prepare`: `clean`, `budget`), split by paper (`split`), write and register (`write`, `register`). The crawl
is only read; a rerun with the same inputs writes the same bytes. The CLI is `python -m preprocess.dataset`.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from preprocess.core.jsonl import write_json
from preprocess.core.names import safe_name
from preprocess.core.record import Paper
from preprocess.core.venues import venue_slug
from preprocess.dataset import clean
from preprocess.dataset.funnel import Funnel
from preprocess.dataset.imports import Inputs, cross_source_copies, reached, read_inputs
from preprocess.dataset.parsing import ParseOptions, crawled_pdf, parse_dirs, parse_missing
from preprocess.dataset.prepare import PaperJob, PaperText, open_tokenizer, prepare_all
from preprocess.dataset.split import Split, SplitItem, split_papers, straddling
from preprocess.dataset.write import clean_temp_files, write_splits
from preprocess.prompt.budget import MIN_PAPER_TOKENS, default_review_tokens, paper_budget
from preprocess.prompt.formats import FormatOptions, Target, plan_rows
from preprocess.prompt.register import build_lock
from preprocess.prompt.tokenizer import Tokenizer
from preprocess.targets.parts import PartsClassifier, train_for
from preprocess.targets.targets import LLMOptions, make_targets, targets_meta

log = logging.getLogger("preprocess.dataset")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"  # the bundled sample, a crawl folder


@dataclass
class BuildConfig:
    """Every option of a build (recorded in the meta as given)."""

    raw: Path | None  # None: no crawl, only `sources`
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
    llm_retries: int = 3
    parts: str = "hashing"  # the offline four-part classifier's features: hashing, minilm, or none (rules only)
    parts_sample: Path = SAMPLE  # trained on this crawl's structured reviews when the build's own are too few
    workers: int = 1
    parse: ParseOptions = field(default_factory=ParseOptions)  # PDFs without a parse (see `parsing`)
    sources: tuple[str, ...] = ()  # public datasets, `<format>:<path>` (`preprocess/sources/`)
    allow_shrink: bool = False  # replace a previous build with one of no rows or far fewer (`write.SHRINK_FLOOR`)

    def llm(self) -> LLMOptions:
        return LLMOptions(self.llm_url, self.llm_model, self.llm_key_env, self.llm_workers, self.llm_max_tokens,
                          self.llm_all, self.llm_cache, self.llm_retries)


@dataclass
class TextPass:
    """The paper-text pass, one entry per crawled copy: its problem, token counts, and where its fitted text
    (a JSON string) sits in the pass's spill file, so text is kept on disk, not in memory."""

    problem: list[str | None] = field(default_factory=list)
    full: list[int] = field(default_factory=list)
    used: list[int] = field(default_factory=list)
    fixed: list[bool] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)

    def usable(self, i: int) -> bool:
        return self.problem[i] is None


def text_steps(config: clean.CleanConfig) -> list[tuple[str, str]]:
    """The paper-text funnel steps in order: (problem name from `clean.section_problem`, funnel label)."""
    return [("no parsed text", "no parsed text"),
            ("too little text", f"too little text (< {config.min_body_words} words)"),
            ("extreme paper length", f"extreme paper length (> {config.max_body_words} words)")]


def _collect(results: Iterator[PaperText], copies: list[Paper], folders: list[Path], spill: IO[str],
             skipped: list[dict]) -> TextPass:
    """Every copy's text result; fitted texts go to `spill` as JSON lines, problems into `skipped`."""
    got = TextPass()
    for paper, folder, result in zip(copies, folders, results, strict=True):
        got.problem.append(result.problem)
        got.full.append(result.full)
        got.used.append(result.used)
        got.fixed.append(result.fixed)
        got.offset.append(spill.tell())
        if result.problem:
            where = paper.source or str(folder / "notes.jsonl")
            skipped.append({"item": f"{where}: paper {paper.forum}", "reason": f"{result.problem}: {result.reason}"})
        else:
            spill.write(json.dumps(result.input, ensure_ascii=False) + "\n")
    return got


def _keep_text(cfg: BuildConfig, copies: list[Paper], text: TextPass, funnel: Funnel, crawl: Inputs) -> list[int]:
    """Copies left after the paper-text steps, then one copy per title across inputs (`imports`: usable text
    first), then one copy per forum (`clean.best_copies`)."""
    alive = list(range(len(copies)))
    for step, label in text_steps(cfg.cleaning):
        alive = [i for i in alive if text.problem[i] != step]
        funnel.add_papers(label, [copies[i] for i in alive])
    if cfg.sources:
        usable = [text.usable(i) for i in range(len(copies))]
        order = [s["format"] for s in crawl.sources]
        alive = sorted(set(alive) & cross_source_copies(copies, usable, order, crawl.duplicates))
        funnel.add_papers("duplicate papers across inputs (same title)", [copies[i] for i in alive])
    funnel.add_papers("URLs / boilerplate fixed in paper text", [copies[i] for i in alive],
                      fixed=sum(text.fixed[i] for i in alive))
    best = clean.best_copies(copies, [text.usable(i) for i in range(len(copies))])
    alive = sorted(set(alive) & set(best))
    funnel.add_papers("duplicate papers (same forum)", [copies[i] for i in alive])
    return alive


def _classifier(cfg: BuildConfig, papers: list[Paper]) -> PartsClassifier | None:
    """The offline four-part classifier, trained for this build and saved beside its data (`--parts none`:
    none, and reviews the fields do not settle stay raw)."""
    if cfg.parts == "none" or cfg.options.target != "four-part":
        return None
    return train_for(papers, cfg.parts_sample, cfg.parts)  # saved once the rows are written


def _plan(cfg: BuildConfig, papers: list[Paper], tok: Tokenizer, review_tokens: int, funnel: Funnel,
          classifier: PartsClassifier | None, stats: Counter
          ) -> tuple[list[Paper], dict[str, list[Target]], dict[str, list[list[Target]]]]:
    """Targets and row plans per paper; reviews that fit no row are dropped, then papers left without any."""
    targets = make_targets(papers, cfg.options, cfg.llm(), cfg.out / "cache" / "restructure", classifier, stats)
    if cfg.options.min_parts:  # --min-parts: its own funnel row, before the reserve's
        made = {id(t.review) for kept in targets.values() for t in kept}
        papers = clean.drop_papers(clean.drop_reviews(papers, lambda r: id(r) in made), lambda p: bool(p.reviews))
        funnel.add_papers(f"targets with fewer than {cfg.options.min_parts} non-empty parts", papers)
    plans = {p.forum: plan_rows(targets[p.forum], cfg.options, tok, review_tokens) for p in papers}
    placed = {id(t.review) for rows in plans.values() for row in rows for t in row}
    papers = clean.drop_papers(clean.drop_reviews(papers, lambda r: id(r) in placed), lambda p: bool(p.reviews))
    funnel.add_papers(f"reviews over the {review_tokens}-token reserve", papers)
    return papers, targets, plans


def _split(cfg: BuildConfig, papers: list[Paper], funnel: Funnel) -> Split:
    """The seeded split by paper (or the held-out venues); the funnel counts near duplicates left out."""
    held = {p.venue for p in papers if p.venue in cfg.test_venues or venue_slug(p.venue) in cfg.test_venues}
    if cfg.test_venues and not held:
        raise ValueError(f"--test-venues {' '.join(cfg.test_venues)}: no kept paper comes from these venues")
    items = [SplitItem(p.forum, p.title, p.venue) for p in papers]
    split = split_papers(items, cfg.test_size, cfg.seed, held)
    if both := straddling(items, split):
        raise ValueError(f"the split puts {len(both)} paper(s) on both sides: {'; '.join(both)}")
    funnel.add_papers("near duplicates of held-out papers", [p for p in papers if split.side(p.forum)])
    return split


def _read(cfg: BuildConfig, funnel: Funnel) -> tuple[Inputs, list[Paper], list[Path]]:
    """The crawl's notes and the imports, then every copy not withdrawn, sorted by venue and forum (copies by
    folder). Copies of one title across inputs stay until their text is known (`_keep_text`)."""
    crawl = read_inputs(cfg.raw, cfg.sources)
    for warning in crawl.warnings:
        log.warning("%s", warning)
    funnel.add("notes read" + (" + imported rows" if cfg.sources else ""), crawl.notes,
               sum(len(p.reviews) for p in crawl.papers))
    if crawl.repeats():  # a source's rows that repeat a paper (DeepReview-13K's modes) are not bad lines
        funnel.add("repeated rows (same paper)", crawl.notes - crawl.repeats(), funnel.rows[-1]["reviews"])
    funnel.add_papers("bad lines, notes without id or title", crawl.papers)
    order = sorted(range(len(crawl.papers)), key=lambda i: (crawl.papers[i].venue, crawl.papers[i].forum,
                                                            str(crawl.folders[i])))
    kept = [i for i in order if not crawl.papers[i].withdrawn]
    clean.drop_withdrawn(crawl.papers, funnel)
    return crawl, [crawl.papers[i] for i in kept], [crawl.folders[i] for i in kept]


def build(cfg: BuildConfig) -> dict[str, Any]:
    """Run the whole build; returns the meta record (also written to `<out>/<name>.meta.json`). The name must be
    one safe path component; a second build of the same name while one runs is refused (RuntimeError)."""
    safe_name(cfg.name, "dataset name")
    with build_lock(cfg.out, cfg.name):
        return _build(cfg)


def _build(cfg: BuildConfig) -> dict[str, Any]:
    if cfg.raw is None and not cfg.sources:  # nothing given: the bundled sample
        cfg = replace(cfg, raw=SAMPLE)
    funnel, stats = Funnel(), Counter()
    tok, spec = open_tokenizer(cfg.tokenizer)
    review_tokens = cfg.review_tokens or default_review_tokens(cfg.cutoff)
    if paper_budget(tok, cfg.cutoff, review_tokens) < MIN_PAPER_TOKENS:
        raise ValueError(f"cutoff {cfg.cutoff} leaves under {MIN_PAPER_TOKENS} tokens for the paper "
                         f"after a {review_tokens}-token review reserve")
    clean_temp_files(cfg.out, cfg.name)
    crawl, copies, folders = _read(cfg, funnel)
    failed = parse_missing(copies, folders, cfg.parsed, cfg.out, cfg.parse)
    dirs = parse_dirs(cfg.parsed, cfg.out)
    jobs = [PaperJob(replace(p, reviews=[]), folder, dirs, cfg.cutoff, review_tokens, cfg.cleaning,
                     failed.get(str(crawled_pdf(folder, p.forum)))) for p, folder in zip(copies, folders, strict=True)]
    results = prepare_all(jobs, cfg.tokenizer, spec, cfg.workers)  # workers start on the text now ...
    copies = clean.clean_review_texts(copies, cfg.cleaning, funnel, crawl.skipped)  # ... while this cleans reviews
    cfg.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=cfg.out) as spill:
        text = _collect(results, copies, folders, spill, crawl.skipped)
        kept = _keep_text(cfg, copies, text, funnel, crawl)
        papers = clean.dedup_reviews([copies[i] for i in kept], cfg.cleaning, funnel)
        classifier = _classifier(cfg, papers)
        papers, targets, plans = _plan(cfg, papers, tok, review_tokens, funnel, classifier, stats)
        if cfg.options.with_rating:
            crawl.warnings += [f"{p.source or p.forum}: review {r.id}: no rating (none given, or off its venue's "
                               "scale): its target has no Rating: line" for p in papers for r in p.reviews
                               if r.rating is None]
        split = _split(cfg, papers, funnel)
        offset = {copies[i].forum: text.offset[i] for i in kept}
        stats.update(write_splits(cfg.out, cfg.name, cfg.options, papers, _spilled(spill, papers, offset),
                                  plans, targets, split.side, cfg.allow_shrink, crawl.skipped))
    kept_targets = [t for p in papers if split.side(p.forum) for row in plans[p.forum] for t in row]
    reached(crawl.sources, [p for p in papers if split.side(p.forum)], crawl.warnings)  # per source: rows
    meta = _meta(cfg, review_tokens, funnel, stats, kept_targets, text, kept,
                 paper_budget(tok, cfg.cutoff, review_tokens), sorted(split.test & {p.forum for p in papers}),
                 crawl)
    meta["parts_model"] = classifier.info if classifier else None
    if classifier:
        classifier.save(cfg.out / f"{cfg.name}.parts.npz")
    funnel.plot(cfg.out / f"{cfg.name}.funnel.png")
    write_json(cfg.out / f"{cfg.name}.meta.json", meta)
    return meta


def _spilled(spill: IO[str], papers: list[Paper], offset: dict[str, int]) -> Iterator[str]:
    """Each paper's fitted text (a JSON string) read back from the spill file."""
    for paper in papers:
        spill.seek(offset[paper.forum])
        yield spill.readline().rstrip("\n")


def _meta(cfg: BuildConfig, review_tokens: int, funnel: Funnel, stats: Counter, kept: list[Target], text: TextPass,
          papers: list[int], budget: int, test_forums: list[str], crawl: Inputs) -> dict[str, Any]:
    return {
        "args": _args_record(cfg, review_tokens),
        "git_commit": _git_commit(),
        "seed": cfg.seed,
        "funnel": funnel.rows,
        "counts": dict(sorted(stats.items())),
        "targets": targets_meta(kept),
        "paper_tokens": {"before_fit": _percentiles([text.full[i] for i in papers]),
                         "after_fit": _percentiles([text.used[i] for i in papers]), "budget": budget},
        "test_forums": test_forums,
        "skipped": crawl.skipped,
        "warnings": crawl.warnings,
        **({"sources": crawl.sources, "cross_source_duplicates": crawl.duplicates} if cfg.sources else {}),
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


def _shown(path: Path) -> str:
    """A path as given, or relative to the repo when it lies inside (the meta then reads the same anywhere)."""
    repo = SAMPLE.parents[1]
    return str(path.relative_to(repo)) if path.is_absolute() and path.is_relative_to(repo) else str(path)


def _args_record(cfg: BuildConfig, review_tokens: int) -> dict[str, Any]:
    record = {k: (_shown(v) if isinstance(v, Path) else v) for k, v in vars(cfg).items()
              if k not in ("options", "cleaning", "parse")}
    record.update(review_tokens=review_tokens, test_venues=list(cfg.test_venues), options=asdict(cfg.options),
                  cleaning=asdict(cfg.cleaning), parse=asdict(cfg.parse))
    return record
