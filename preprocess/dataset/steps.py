"""The build as a declared list of steps (`STEPS`), in the manner of datatrove's pipeline: every step takes the
paper copies still in (`Copy`, one typed record each) and returns those it keeps, with its own funnel rows
(`Stage`); `run_steps` hands each step's copies to the next and collects the rows into the funnel.

What the whole build shares (options, tokenizer, the spill file of fitted texts, skipped items, warnings,
counts) is the `Run`. No step sees the funnel, and no list is kept aligned with another.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from preprocess.core.record import Paper
from preprocess.core.venues import venue_slug
from preprocess.dataset import clean
from preprocess.dataset.config import BuildConfig
from preprocess.dataset.dedup import drop_reviews
from preprocess.dataset.funnel import Funnel, FunnelRow
from preprocess.dataset.imports import Inputs, cross_source_copies, read_inputs
from preprocess.dataset.parsing import crawled_pdf, parse_dirs, parse_missing
from preprocess.dataset.prepare import PaperJob, PaperText, prepare_all
from preprocess.dataset.split import SplitItem, split_papers, straddling
from preprocess.dataset.write import write_splits
from preprocess.prompt.formats import Target, plan_rows
from preprocess.prompt.tokenizer import Tokenizer
from preprocess.targets.parts import PartsClassifier, train_for
from preprocess.targets.targets import make_targets

log = logging.getLogger("preprocess.dataset")


@dataclass
class Copy:
    """One crawled or imported copy of a paper, and what the steps made of it so far."""

    paper: Paper
    folder: Path  # its venue folder (or the source's path)
    text: PaperText | None = None  # the paper-text pass's result, without the fitted text (that is in the spill)
    offset: int = -1  # where its fitted text (a JSON string) starts in the spill file
    targets: list[Target] = field(default_factory=list)  # one per review the targets step kept
    rows: list[list[Target]] = field(default_factory=list)  # the row plan: reviews per row
    side: str | None = None  # train, test, or None (a near duplicate of a held-out paper)


@dataclass
class Stage:
    """What a step hands on: the copies it kept, and its funnel rows in order (one per reason it drops for)."""

    copies: list[Copy]
    funnel: list[FunnelRow] = field(default_factory=list)


@dataclass
class Run:
    """What every step of one build shares: the options, the target tokenizer, where fitted texts are spilled
    (kept on disk, not in memory), the inputs' bookkeeping (skipped items, warnings, sources) and the counts."""

    cfg: BuildConfig
    tok: Tokenizer
    spec: str | None  # the tokenizer's backend for the text pass's workers
    review_tokens: int  # the reserve for the review in each row
    spill: IO[str]
    crawl: Inputs = field(default_factory=Inputs)
    stats: Counter = field(default_factory=Counter)
    texts: Iterator[PaperText] = field(default_factory=lambda: iter(()))  # the text pass, once started
    fitted: list[PaperText] = field(default_factory=list)  # texts of the copies the text steps kept
    classifier: PartsClassifier | None = None


Step = Callable[[Run, list[Copy]], Stage]


def papers_of(copies: list[Copy]) -> list[Paper]:
    return [c.paper for c in copies]


def _rematch(copies: list[Copy], papers: list[Paper]) -> list[Copy]:
    """The copies of `papers` (one per forum, as after `keep_usable_text`), each with its paper replaced."""
    by_forum = {c.paper.forum: c for c in copies}
    return [replace(by_forum[p.forum], paper=p) for p in papers]


def _keep_reviews(papers: list[Paper], kept: set[int]) -> list[Paper]:
    """Only the reviews whose `id` is in `kept`, then only the papers with a review left."""
    return clean.drop_papers(drop_reviews(papers, lambda r: id(r) in kept), lambda p: bool(p.reviews))


def read_copies(run: Run, _: list[Copy]) -> Stage:
    """The crawl's notes and the imports, then every copy not withdrawn, sorted by venue and forum (copies by
    folder). Copies of one title across inputs stay until their text is known (`keep_usable_text`)."""
    cfg = run.cfg
    crawl = run.crawl = read_inputs(cfg.raw, cfg.sources)
    for warning in crawl.warnings:
        log.warning("%s", warning)
    reviews = sum(len(p.reviews) for p in crawl.papers)
    rows = [FunnelRow("notes read" + (" + imported rows" if cfg.sources else ""), crawl.notes, reviews)]
    if crawl.repeats():  # a source's rows that repeat a paper (DeepReview-13K's modes) are not bad lines
        rows.append(FunnelRow("repeated rows (same paper)", crawl.notes - crawl.repeats(), reviews))
    rows.append(FunnelRow.left("bad lines, notes without id or title", crawl.papers))
    copies = sorted((Copy(p, f) for p, f in zip(crawl.papers, crawl.folders, strict=True)),
                    key=lambda c: (c.paper.venue, c.paper.forum, str(c.folder)))
    kept, withdrawn = clean.drop_withdrawn(papers_of(copies))
    ids = {id(p) for p in kept}
    return Stage([c for c in copies if id(c.paper) in ids], rows + withdrawn)


def start_text_pass(run: Run, copies: list[Copy]) -> Stage:
    """PDFs without a parse parsed into the cache, then the paper-text pass started (in workers for large
    builds, which start on it now while the next step cleans the reviews)."""
    cfg = run.cfg
    failed = parse_missing(papers_of(copies), [c.folder for c in copies], cfg.parsed, cfg.out, cfg.parse)
    dirs = parse_dirs(cfg.parsed, cfg.out)
    jobs = [PaperJob(replace(c.paper, reviews=[]), c.folder, dirs, cfg.cutoff, run.review_tokens, cfg.cleaning,
                     failed.get(str(crawled_pdf(c.folder, c.paper.forum)))) for c in copies]
    run.texts = prepare_all(jobs, cfg.tokenizer, run.spec, cfg.workers)
    return Stage(copies)


def clean_reviews(run: Run, copies: list[Copy]) -> Stage:
    """Text fixes, then empty, short and extreme reviews (`clean.clean_review_texts`; no copy is dropped)."""
    papers, rows = clean.clean_review_texts(papers_of(copies), run.cfg.cleaning, run.crawl.skipped)
    return Stage([replace(c, paper=p) for c, p in zip(copies, papers, strict=True)], rows)


def collect_texts(run: Run, copies: list[Copy]) -> Stage:
    """Every copy's text result; fitted texts go to the spill file as JSON lines, problems into skipped."""
    out = []
    for copy, result in zip(copies, run.texts, strict=True):
        offset = run.spill.tell()
        if result.problem:
            where = copy.paper.source or str(copy.folder / "notes.jsonl")
            run.crawl.skipped.append({"item": f"{where}: paper {copy.paper.forum}",
                                      "reason": f"{result.problem}: {result.reason}"})
        else:
            run.spill.write(json.dumps(result.input, ensure_ascii=False) + "\n")
        out.append(replace(copy, text=replace(result, input=""), offset=offset))
    return Stage(out)


def text_steps(config: clean.CleanConfig) -> list[tuple[str, str]]:
    """The paper-text funnel steps in order: (problem name from `clean.section_problem`, funnel label)."""
    return [("no parsed text", "no parsed text"),
            ("too little text", f"too little text (< {config.min_body_words} words)"),
            ("extreme paper length", f"extreme paper length (> {config.max_body_words} words)")]


def keep_usable_text(run: Run, copies: list[Copy]) -> Stage:
    """Copies left after the paper-text steps, then one copy per title across inputs (`imports`: usable text
    first), then one copy per forum (`clean.best_copies`)."""
    usable = [c.text is not None and c.text.problem is None for c in copies]
    papers, rows = papers_of(copies), []
    alive = list(range(len(copies)))
    for problem, label in text_steps(run.cfg.cleaning):
        alive = [i for i in alive if copies[i].text.problem != problem]
        rows.append(FunnelRow.left(label, [papers[i] for i in alive]))
    if run.cfg.sources:
        order = [s["format"] for s in run.crawl.sources]
        alive = sorted(set(alive) & cross_source_copies(papers, usable, order, run.crawl.duplicates))
        rows.append(FunnelRow.left("duplicate papers across inputs (same title)", [papers[i] for i in alive]))
    rows.append(FunnelRow.left("URLs / boilerplate fixed in paper text", [papers[i] for i in alive],
                         fixed=sum(copies[i].text.fixed for i in alive)))
    alive = sorted(set(alive) & set(clean.best_copies(papers, usable)))
    rows.append(FunnelRow.left("duplicate papers (same forum)", [papers[i] for i in alive]))
    run.fitted = [copies[i].text for i in alive]
    return Stage([copies[i] for i in alive], rows)


def drop_duplicate_reviews(run: Run, copies: list[Copy]) -> Stage:
    """Exact and near-duplicate reviews across papers, then papers left without reviews."""
    papers, rows = clean.dedup_reviews(papers_of(copies), run.cfg.cleaning)
    return Stage(_rematch(copies, papers), rows)


def target_reviews(run: Run, copies: list[Copy]) -> Stage:
    """Each review's target (four parts by fields, headings, the offline classifier trained for this build, or
    an LLM); `--min-parts N` drops targets with fewer non-empty parts, in a funnel row of its own."""
    cfg, papers = run.cfg, papers_of(copies)
    if cfg.parts != "none" and cfg.options.target == "four-part":  # saved once the rows are written
        run.classifier = train_for(papers, cfg.parts_sample, cfg.parts)
    made = make_targets(papers, cfg.options, cfg.llm, cfg.out / "cache" / "restructure", run.classifier, run.stats)
    copies = [replace(c, targets=made[c.paper.forum]) for c in copies]
    if not cfg.options.min_parts:
        return Stage(copies)
    papers = _keep_reviews(papers, {id(t.review) for c in copies for t in c.targets})
    return Stage(_rematch(copies, papers),
                 [FunnelRow.left(f"targets with fewer than {cfg.options.min_parts} non-empty parts", papers)])


def fit_reviews(run: Run, copies: list[Copy]) -> Stage:
    """Reviews per row within the review reserve; reviews that fit no row are dropped, then papers left
    without any. With `--with-rating`, a review without a rating is a warning (its target has no Rating:)."""
    copies = [replace(c, rows=plan_rows(c.targets, run.cfg.options, run.tok, run.review_tokens)) for c in copies]
    placed = {id(t.review) for c in copies for row in c.rows for t in row}
    papers = _keep_reviews(papers_of(copies), placed)
    if run.cfg.options.with_rating:
        run.crawl.warnings += [f"{p.source or p.forum}: review {r.id}: no rating (none given, or off its venue's "
                               "scale): its target has no Rating: line" for p in papers for r in p.reviews
                               if r.rating is None]
    reserve = FunnelRow.left(f"reviews over the {run.review_tokens}-token reserve", papers)
    return Stage(_rematch(copies, papers), [reserve])


def split_by_paper(run: Run, copies: list[Copy]) -> Stage:
    """The seeded split by paper (or the held-out venues); near duplicates of held-out papers are left out."""
    cfg, papers = run.cfg, papers_of(copies)
    held = {p.venue for p in papers if p.venue in cfg.test_venues or venue_slug(p.venue) in cfg.test_venues}
    if cfg.test_venues and not held:
        raise ValueError(f"--test-venues {' '.join(cfg.test_venues)}: no kept paper comes from these venues")
    items = [SplitItem(p.forum, p.title, p.venue) for p in papers]
    sides = split_papers(items, cfg.test_size, cfg.seed, held)
    if both := straddling(items, sides):
        raise ValueError(f"the split puts {len(both)} paper(s) on both sides: {'; '.join(both)}")
    copies = [replace(c, side=sides.side(c.paper.forum)) for c in copies]
    return Stage(copies, [FunnelRow.left("near duplicates of held-out papers", [c.paper for c in copies if c.side])])


def write_rows(run: Run, copies: list[Copy]) -> Stage:
    """The rows, the test refs and the train ratings, registered in `dataset_info.json` (`write.write_splits`)."""
    cfg = run.cfg
    side = {c.paper.forum: c.side for c in copies}
    run.stats.update(write_splits(cfg.out, cfg.name, cfg.options, papers_of(copies), _spilled(run.spill, copies),
                                  {c.paper.forum: c.rows for c in copies}, {c.paper.forum: c.targets for c in copies},
                                  side.get, cfg.allow_shrink, run.crawl.skipped))
    return Stage(copies)


def _spilled(spill: IO[str], copies: list[Copy]) -> Iterator[str]:
    """Each copy's fitted text (a JSON string) read back from the spill file."""
    for copy in copies:
        spill.seek(copy.offset)
        yield spill.readline().rstrip("\n")


STEPS: tuple[Step, ...] = (read_copies, start_text_pass, clean_reviews, collect_texts, keep_usable_text,
                           drop_duplicate_reviews, target_reviews, fit_reviews, split_by_paper, write_rows)


def run_steps(run: Run, steps: tuple[Step, ...] = STEPS) -> tuple[list[Copy], Funnel]:
    """Every step in order, each on the copies the one before kept; the funnel collects their rows."""
    copies: list[Copy] = []
    funnel = Funnel()
    for step in steps:
        stage = step(run, copies)
        funnel.extend(stage.funnel)
        copies = stage.copies
    return copies, funnel
