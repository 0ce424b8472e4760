"""The build's paper-text pass, one paper per job: load the parsed PDF, clean it, check it, fit it.

It runs inline for small builds and in `workers` spawned processes for large ones (each holding only the
tokenizer's Rust backend, not transformers); the main process cleans reviews meanwhile. Jobs and results are
typed records (`PaperJob`, `PaperText`), pickled across the process boundary.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from preprocess.core.record import Paper, body_sections
from preprocess.dataset import clean
from preprocess.dataset.parsing import load_parse
from preprocess.prompt.budget import fit_paper
from preprocess.prompt.layout import paper_text
from preprocess.prompt.tokenizer import Tokenizer, load_tokenizer

INLINE_BELOW = 200  # papers: process start-up costs more than it saves below that


@dataclass
class PaperJob:
    """One paper to prepare: the paper without reviews, where its PDF and parse are, how to fit it."""

    paper: Paper
    venue_dir: Path
    parse_dirs: tuple[Path, ...]  # where its parse is looked up, in order (`parsing.parse_dirs`)
    cutoff: int
    review_tokens: int
    cleaning: clean.CleanConfig
    parse_error: str | None = None  # why its PDF could not be parsed, when it could not


@dataclass
class PaperText:
    """What became of one paper's text: the fitted model input, or the funnel step that dropped it."""

    forum: str
    problem: str | None = None  # a funnel step name (`steps.text_steps`) when the paper has no usable text
    reason: str = ""
    input: str = ""  # the laid-out, fitted paper
    used: int = 0  # its tokens
    full: int = 0  # tokens of the body before fitting
    fixed: bool = False  # URLs or page boilerplate were removed


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


def prepare_paper(job: PaperJob) -> PaperText:
    """Load, clean, check and fit one paper's text."""
    assert _TOK is not None, "worker not initialised"
    forum = job.paper.forum
    if job.parse_error:
        return PaperText(forum, "no parsed text", job.parse_error)
    if job.paper.api.startswith("import:"):  # an imported dataset brings its own text (`preprocess/sources/`)
        raw_sections, parsed_abstract = job.paper.sections, ""
    else:
        try:
            parsed = load_parse(job.venue_dir, forum, job.parse_dirs)
        except Exception as exc:  # any unreadable parse or PDF: the paper has no text, the build goes on
            return PaperText(forum, "no parsed text", f"{type(exc).__name__}: {exc}")
        raw_sections, parsed_abstract = parsed.sections, parsed.abstract
    sections, fixed = clean.clean_sections(raw_sections)
    problem = clean.section_problem(sections, job.cleaning)
    if problem:
        return PaperText(forum, problem, f"{clean.body_words(sections)} body words")
    # The note's abstract wins (parsers miss or garble abstracts); the PDF's fills in where the note has none.
    abstract = job.paper.abstract or clean.clean_paper_text(parsed_abstract.strip())
    paper = replace(job.paper, sections=sections, reviews=[], abstract=abstract)
    full = _TOK.count(paper_text(paper, body_sections(sections)))  # fit_paper counts this string first: memoized
    text, used = fit_paper(paper, _TOK, job.cutoff, job.review_tokens)
    return PaperText(forum, input=text, used=used, full=full, fixed=fixed)


def prepare_all(jobs: list[PaperJob], tokenizer: str, spec: str | None, workers: int) -> Iterator[PaperText]:
    """`prepare_paper` over all jobs, results in order: inline and lazily, or (large builds) in `workers`
    processes that start at once, so the caller can do other work while they run."""
    if workers <= 1 or len(jobs) < INLINE_BELOW:
        _init_worker(tokenizer, spec)
        return map(prepare_paper, jobs)
    pool = mp.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(tokenizer, spec))
    results = pool.imap(prepare_paper, jobs, chunksize=8)

    def drain() -> Iterator[PaperText]:
        try:
            yield from results
            pool.close()
        finally:
            pool.terminate()
            pool.join()

    return drain()
