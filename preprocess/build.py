"""`make data`: a crawl (notes + PDFs or parsed JSON) -> LLaMA-Factory datasets, registered in dataset_info.json.

    python -m preprocess.build --raw data/sample --name sample --tokenizer models/tiny --cutoff 1024

Writes <out>/<name>_{train,test}.jsonl (alpaca or sharegpt), <out>/<name>_test.refs.jsonl (one line per test
row: the human reviews it is scored against), <out>/<name>.meta.json (arguments, commit, seed, funnel, token
lengths) and <out>/<name>.funnel.png. Steps: normalize (`normalize`), clean (`clean`), four-part targets
(`restructure`), rows (`formats`), token budget (`budget`), split (`split`), registration (`register`).
The crawl is only read; a rerun with the same inputs writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from preprocess import clean, restructure
from preprocess.budget import (
    MIN_PAPER_TOKENS,
    Tokenizer,
    default_review_tokens,
    fit_paper,
    load_tokenizer,
    paper_budget,
)
from preprocess.crawl_pdf import pdf_filename
from preprocess.formats import FormatOptions, Target, build_refs, build_row, make_target, plan_rows
from preprocess.jsonl import BadLine, atomic_open, iter_jsonl, write_json
from preprocess.layout import paper_text
from preprocess.normalize import NoteError, normalize_note
from preprocess.record import Paper, Section
from preprocess.register import dataset_entry, register
from preprocess.split import SplitItem, split_papers
from preprocess.venues import venue_slug

log = logging.getLogger("preprocess.build")
SECTION_KINDS = ("body", "acknowledgements", "appendix")


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


# --------------------------------------------------------------------------- read


def read_papers(raw: Path, skipped: list[dict]) -> tuple[list[Paper], dict[str, Path], int]:
    """Every paper of every `<raw>/<venue slug>/notes.jsonl` (no text yet), the folder each came from, and
    the number of notes read."""
    files = sorted(raw.glob("*/notes.jsonl"))
    if not files:
        raise FileNotFoundError(f"no <venue>/notes.jsonl under {raw}: is it a crawl folder?")
    papers, folders, n_notes = [], {}, 0
    for notes in files:
        errors: list[BadLine] = []
        for note in iter_jsonl(notes, errors):
            n_notes += 1
            try:
                paper = normalize_note(note)
            except NoteError as exc:
                skipped.append({"item": str(note.get("id")), "file": str(notes), "reason": str(exc)})
                continue
            papers.append(paper)
            folders.setdefault(paper.forum, notes.parent)
        n_notes += len(errors)
        skipped.extend({"item": bad.where, "reason": str(bad)} for bad in errors)
    return papers, folders, n_notes


def load_parse(venue_dir: Path, forum: str, parsed_dir: Path | None) -> tuple[list[Section], str]:
    """Sections and abstract of a paper's PDF: `<parsed>/[<venue slug>/]<stem>.json` if there, else its
    crawled PDF parsed now."""
    pdf = venue_dir / "pdfs" / pdf_filename(forum)  # the crawler's name: a hostile id cannot leave the folder
    candidates = [parsed_dir / venue_dir.name / f"{pdf.stem}.json", parsed_dir / f"{pdf.stem}.json"] \
        if parsed_dir else []
    parsed = next((p for p in candidates if p.exists()), None)
    if parsed:
        record = json.loads(parsed.read_bytes().decode("utf-8"))
    elif pdf.exists():
        from preprocess.parse_pdf import parse_pdf  # imported late: heavy, and only needed here

        record = parse_pdf(pdf)
    else:
        raise FileNotFoundError(f"no parsed text and no PDF for {forum} ({pdf})")
    record = record if isinstance(record, dict) else {}
    sections = [Section(heading=str(s.get("heading") or ""), text=str(s.get("text") or ""),
                        kind=s.get("kind") if s.get("kind") in SECTION_KINDS else "body")
                for s in record.get("sections") or [] if isinstance(s, dict) and s.get("kind") != "references"]
    return sections, str(record.get("abstract") or "").strip()


# --------------------------------------------------------------------------- paper text pass (worker side)

_TOK: Tokenizer | None = None


def _backend_spec(tokenizer: str) -> str | None:
    return load_tokenizer(tokenizer).backend_json()


def open_tokenizer(tokenizer: str) -> tuple[Tokenizer, str | None]:
    """The target model's tokenizer, and its Rust backend serialized for the workers.

    Loading through transformers imports torch (~0.8 GB resident): unless this process has it already, the
    loading happens in a short-lived child and this process keeps only the backend.
    """
    if "transformers" in sys.modules:
        tok = load_tokenizer(tokenizer)
        return tok, tok.backend_json()
    try:
        with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as child:
            spec = child.submit(_backend_spec, tokenizer).result()
    except BrokenProcessPool:  # e.g. a __main__ that a spawned child cannot re-import: load it here
        tok = load_tokenizer(tokenizer)
        return tok, tok.backend_json()
    return (Tokenizer.from_backend(spec), spec) if spec else (load_tokenizer(tokenizer), None)


def _init_worker(tokenizer: str, spec: str | None) -> None:
    global _TOK
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _TOK = Tokenizer.from_backend(spec) if spec else load_tokenizer(tokenizer)


def prepare_paper(job: tuple[Paper, Path, Path | None, int, int, clean.CleanConfig]) -> dict[str, Any]:
    """Load, clean, check and fit one paper's text: {forum, problem | input, used, full, fixed}."""
    paper, venue_dir, parsed_dir, cutoff, review_tokens, config = job
    assert _TOK is not None, "worker not initialised"
    try:
        sections, pdf_abstract = load_parse(venue_dir, paper.forum, parsed_dir)
    except Exception as exc:  # any unreadable parse or PDF: the paper has no text, the build goes on
        return {"forum": paper.forum, "problem": "no parsed text", "reason": f"{type(exc).__name__}: {exc}"}
    sections, fixed = clean.clean_sections(sections)
    problem = clean.section_problem(sections, config)
    if problem:
        return {"forum": paper.forum, "problem": problem, "reason": f"{clean.body_words(sections)} body words"}
    # The note's abstract wins (parsers miss or garble abstracts); the PDF's fills in where the note has none.
    abstract = paper.abstract or clean.clean_paper_text(pdf_abstract)
    paper = replace(paper, sections=sections, reviews=[], abstract=abstract)
    body = [s for s in sections if s.kind == "body"] or sections
    full = _TOK.count(paper_text(paper, body))  # fit_paper counts this same string first: memoized
    text, used = fit_paper(paper, _TOK, cutoff, review_tokens)
    return {"forum": paper.forum, "problem": None, "input": text, "used": used, "full": full, "fixed": fixed}


def prepare_all(jobs: list[tuple], tokenizer: str, spec: str | None, workers: int) -> Iterator[dict[str, Any]]:
    """`prepare_paper` over all jobs, results in order: inline and lazily, or (large builds) in `workers`
    processes that start at once, so the caller can do other work while they run."""
    if workers <= 1 or len(jobs) < 200:  # process start-up costs more than it saves below that
        _init_worker(tokenizer, spec)
        return map(prepare_paper, jobs)
    pool = mp.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(tokenizer, spec))
    results = pool.imap(prepare_paper, jobs, chunksize=8)

    def drain() -> Iterator[dict[str, Any]]:
        try:
            yield from results
            pool.close()
        finally:
            pool.terminate()
            pool.join()

    return drain()


# --------------------------------------------------------------------------- targets


def make_targets(papers: list[Paper], cfg: BuildConfig, stats: Counter) -> dict[str, list[Target]]:
    """Training targets per forum: rule-based four parts, LLM four parts where asked, else the raw review."""
    rules = {id(r): restructure.rule_based(r) if cfg.options.target == "four-part" else None
             for p in papers for r in p.reviews}
    llm: dict[int, str | None] = {}
    if cfg.llm_url and cfg.options.target == "four-part":
        if not cfg.llm_model:
            raise ValueError("--llm-url needs --llm-model")
        todo = [r for p in papers for r in p.reviews if cfg.llm_all or rules[id(r)] is None]
        client = restructure.LLMRestructurer(restructure.LLMConfig(
            url=cfg.llm_url, model=cfg.llm_model, key_env=cfg.llm_key_env, workers=cfg.llm_workers,
            max_tokens=cfg.llm_max_tokens, cache_dir=cfg.llm_cache or cfg.out / "cache" / "restructure"))
        llm = dict(zip((id(r) for r in todo), client.restructure_many([r.body() for r in todo]), strict=True))
        stats.update({f"llm {k}": v for k, v in client.stats.items()})
        if client.stats["invalid"] or client.stats["errors"]:
            log.warning("LLM restructuring: %d answer(s) lacked one of the four parts and %d request(s) failed; "
                        "those reviews fell back to rule-based parts or raw text", client.stats["invalid"],
                        client.stats["errors"])
    targets = {}
    for paper in papers:
        targets[paper.forum] = []
        for review in paper.reviews:
            parts = llm.get(id(review)) or rules[id(review)]
            source = "llm" if llm.get(id(review)) else "rules" if parts else "raw"
            stats[f"targets {source}"] += 1
            targets[paper.forum].append(make_target(review, parts, paper, cfg.options))
    return targets


# --------------------------------------------------------------------------- build


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


def build(cfg: BuildConfig) -> dict[str, Any]:
    """Run the whole build; returns the meta record (also written to `<out>/<name>.meta.json`)."""
    funnel, stats, skipped = clean.Funnel(), Counter(), []
    tok, spec = open_tokenizer(cfg.tokenizer)
    review_tokens = cfg.review_tokens or default_review_tokens(cfg.cutoff)
    if paper_budget(tok, cfg.cutoff, review_tokens) < MIN_PAPER_TOKENS:
        raise ValueError(f"cutoff {cfg.cutoff} leaves under {MIN_PAPER_TOKENS} tokens for the paper "
                         f"after a {review_tokens}-token review reserve")
    papers, folders, n_notes = read_papers(cfg.raw, skipped)
    funnel.add("notes read", n_notes, sum(len(p.reviews) for p in papers))
    funnel.add_papers("bad lines, notes without id or title", papers)
    papers = sorted(clean.clean_papers(papers, funnel), key=lambda p: (p.venue, p.forum))
    jobs = [(replace(p, reviews=[]), folders[p.forum], cfg.parsed, cfg.cutoff, review_tokens, cfg.cleaning)
            for p in papers]
    results = prepare_all(jobs, cfg.tokenizer, spec, cfg.workers)  # workers start on the text now ...
    forums = [p.forum for p in papers]
    papers = clean.clean_reviews(papers, cfg.cleaning, funnel)  # ... while this process cleans the reviews

    targets = make_targets(papers, cfg, stats)
    plans = {p.forum: plan_rows(targets[p.forum], cfg.options, tok, review_tokens) for p in papers}
    placed = {id(t.review) for rows in plans.values() for row in rows for t in row}
    papers = clean.drop_papers(clean.drop_reviews(papers, lambda r: id(r) in placed), lambda p: bool(p.reviews))
    funnel.add_papers(f"reviews over the {review_tokens}-token reserve", papers)

    alive = {p.forum for p in papers}
    problem_of, lengths, fitted, fixed = {}, [], [], 0
    cfg.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=cfg.out) as inputs:
        for forum, result in zip(forums, results, strict=True):
            if forum not in alive:
                continue
            if result["problem"]:
                problem_of[forum] = result["problem"]
                skipped.append({"item": forum, "reason": f"{result['problem']}: {result['reason']}"})
                continue
            lengths.append(result["full"])
            fitted.append(result["used"])
            fixed += result["fixed"]
            inputs.write(json.dumps(result["input"], ensure_ascii=False) + "\n")
        for step, label in text_steps(cfg.cleaning):
            papers = [p for p in papers if problem_of.get(p.forum) != step]
            funnel.add_papers(label, papers)
        funnel.add_papers("URLs / boilerplate fixed in paper text", papers, fixed=fixed)
        held = {p.venue for p in papers if p.venue in cfg.test_venues or venue_slug(p.venue) in cfg.test_venues}
        if cfg.test_venues and not held:
            raise ValueError(f"--test-venues {' '.join(cfg.test_venues)}: no kept paper comes from these venues")
        split = split_papers([SplitItem(p.forum, p.title, p.venue) for p in papers], cfg.test_size, cfg.seed, held)
        funnel.add_papers("near duplicates of held-out papers", [p for p in papers if split.side(p.forum)])
        inputs.seek(0)
        stats.update(write_splits(cfg, papers, (line.rstrip("\n") for line in inputs), plans, targets, split.side))
    kept = [t for p in papers if split.side(p.forum) for row in plans[p.forum] for t in row]
    meta = {
        "args": _args_record(cfg, review_tokens),
        "git_commit": _git_commit(),
        "seed": cfg.seed,
        "funnel": funnel.rows,
        "counts": dict(sorted(stats.items())),
        "targets": {"four_part": sum(t.four_part for t in kept), "raw": sum(not t.four_part for t in kept)},
        "paper_tokens": {"before_fit": _percentiles(lengths), "after_fit": _percentiles(fitted),
                         "budget": paper_budget(tok, cfg.cutoff, review_tokens)},
        "test_forums": sorted(split.test & {p.forum for p in papers}),
        "skipped": skipped,
    }
    funnel.plot(cfg.out / f"{cfg.name}.funnel.png")
    write_json(cfg.out / f"{cfg.name}.meta.json", meta)
    return meta


def text_steps(config: clean.CleanConfig) -> list[tuple[str, str]]:
    """The paper-text funnel steps in order: (problem name from `clean.section_problem`, funnel label)."""
    return [("no parsed text", "no parsed text"),
            ("too little text", f"too little text (< {config.min_body_words} words)"),
            ("extreme paper length", f"extreme paper length (> {config.max_body_words} words)")]


_SLOT = "\ue000"  # stands for the paper in a row while it is encoded; the paper's JSON is spliced in after


def row_json(paper: Paper, encoded_input: str, row: list[Target], options: FormatOptions) -> str:
    """`json.dumps(build_row(...))` with the paper text encoded once per paper, not once per row."""
    text = json.dumps(build_row(paper, _SLOT, row, options), ensure_ascii=False)
    if text.count(_SLOT) == 1:
        return text.replace(_SLOT, encoded_input[1:-1])
    return json.dumps(build_row(paper, json.loads(encoded_input), row, options), ensure_ascii=False)


def write_splits(cfg: BuildConfig, papers: list[Paper], inputs: Iterator[str], plans: dict[str, list[list[Target]]],
                 targets: dict[str, list[Target]], side) -> Counter:
    """Stream rows into <name>_{train,test}.jsonl and the test refs; register both files. `inputs` yields
    each paper's fitted text as a JSON string."""
    counts: Counter = Counter()
    out, name = cfg.out, cfg.name
    with ExitStack() as stack:
        files = {s: stack.enter_context(atomic_open(out / f"{name}_{s}.jsonl")) for s in ("train", "test")}
        refs = stack.enter_context(atomic_open(out / f"{name}_test.refs.jsonl"))
        for paper, encoded_input in zip(papers, inputs, strict=True):
            split = side(paper.forum)
            if split is None:
                continue
            for row in plans[paper.forum]:
                files[split].write(row_json(paper, encoded_input, row, cfg.options) + "\n")
                counts[f"{split} rows"] += 1
                counts[f"{split} reviews in rows"] += len(row)
                if split == "test":
                    refs.write(json.dumps(build_refs(paper, row, targets[paper.forum]), ensure_ascii=False) + "\n")
            counts[f"{split} papers"] += 1
    register(out, {f"{name}_{s}": dataset_entry(f"{name}_{s}.jsonl", cfg.options.format) for s in ("train", "test")})
    return counts


def _args_record(cfg: BuildConfig, review_tokens: int) -> dict[str, Any]:
    record = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(cfg).items()
              if k not in ("options", "cleaning")}
    record.update(review_tokens=review_tokens, test_venues=list(cfg.test_venues), options=asdict(cfg.options),
                  cleaning=asdict(cfg.cleaning))
    return record


def parse_args(argv: list[str] | None = None) -> BuildConfig:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--raw", type=Path, default=Path("data/sample"), help="crawl folder (<venue>/notes.jsonl + pdfs/)")
    p.add_argument("--parsed", type=Path, default=None,
                   help="folder of <forum>.json from preprocess.parse_pdf (else PDFs are parsed now)")
    p.add_argument("--out", type=Path, default=Path("data"), help="dataset dir (holds dataset_info.json)")
    p.add_argument("--name", default="sample", help="dataset name prefix")
    p.add_argument("--tokenizer", default="models/tiny", help="the target model's tokenizer (name or path)")
    p.add_argument("--cutoff", type=int, default=1024, help="the recipe's cutoff_len")
    p.add_argument("--review-tokens", type=int, default=None,
                   help="tokens reserved for the review (default: a third of --cutoff)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--test-size", type=float, default=0.2, help="share of papers in test (ignored with --test-venues)")
    p.add_argument("--test-venues", nargs="*", default=[], help="venue ids (or folder names) held out as test")
    g = p.add_argument_group("rows")
    g.add_argument("--format", choices=("alpaca", "sharegpt"), default="alpaca")
    g.add_argument("--per", choices=("review", "paper"), default="review", help="one row per review or per paper")
    g.add_argument("--target", choices=("four-part", "raw"), default="four-part")
    g.add_argument("--with-rating", action="store_true", help="end each target with `Rating: N`")
    g.add_argument("--with-decision", action="store_true", help="end each target with `Decision: Accept|Reject`")
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
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes for the paper-text pass (used from 200 papers up)")
    a = p.parse_args(argv)
    return BuildConfig(
        raw=a.raw, out=a.out, name=a.name, tokenizer=a.tokenizer, cutoff=a.cutoff, parsed=a.parsed,
        review_tokens=a.review_tokens, seed=a.seed, test_size=a.test_size,
        test_venues=tuple(a.test_venues),
        options=FormatOptions(a.format, a.per, a.target, a.with_rating, a.with_decision),
        cleaning=clean.CleanConfig(**{k: getattr(a, k) for k in vars(defaults)}),
        llm_url=a.llm_url, llm_model=a.llm_model, llm_key_env=a.llm_key_env, llm_workers=a.llm_workers,
        llm_max_tokens=a.llm_max_tokens, llm_all=a.llm_all, llm_cache=a.llm_cache, workers=a.workers)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = parse_args(argv)
    meta = build(cfg)
    funnel = clean.Funnel(meta["funnel"])
    print(funnel.table())
    c = meta["counts"]
    print(f"rows: train {c.get('train rows', 0)}, test {c.get('test rows', 0)} ({cfg.options.format}, per "
          f"{cfg.options.per}); targets four-part {meta['targets']['four_part']}, raw {meta['targets']['raw']}")
    print(f"paper tokens before fit {meta['paper_tokens']['before_fit']}, after {meta['paper_tokens']['after_fit']}"
          f" (budget {meta['paper_tokens']['budget']}); skipped {len(meta['skipped'])} item(s), see the meta")
    print(f"wrote {cfg.out}/{cfg.name}_{{train,test}}.jsonl, {cfg.name}_test.refs.jsonl, {cfg.name}.meta.json, "
          f"{cfg.name}.funnel.png; registered in {cfg.out}/dataset_info.json")


if __name__ == "__main__":
    main()
