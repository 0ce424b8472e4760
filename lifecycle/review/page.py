"""`make review-ui`: a small review page (Gradio) on 127.0.0.1: upload a PDF, get a review.

    python -m lifecycle.review.page --recipe tiny [--port 7860] [--max-upload-mb 25] [--parse-timeout 30]
        [--parse-workers 4] [--max-memory-mb 1024] [--max-queue 32] [key=value ...]

With "Reviewers" above 1 the page asks a committee (`lifecycle/review/committee.py`): the reviews side by side,
the meta-review, the ratings as a small plot and the decision with its probability. The page runs the review
CLI's functions: the PDF is parsed in a child process under a time and a memory
limit (a bad or hostile file costs an error on the page, never the server), the text read is capped
(`paper.MAX_PAPER_TOKENS`: a 20 MB paste is cut, and the note says where), typed title and abstract win
over the parsed ones, and the note under the review says how much of the paper fitted the token budget.

Under load: up to `--parse-workers` uploads are parsed side by side while reviews are generated one at a
time (one model), so a slow PDF holds one parse slot for at most `--parse-timeout` seconds and never the
requests behind it; at most `--max-queue` requests wait, later ones are told the queue is full. Each upload
is deleted once parsed.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifecycle.launch import exposure_warning
from lifecycle.recipe import RecipeError, parse_overrides
from lifecycle.review.committee import convene_for
from lifecycle.review.page_result import EMPTY, PAGE_MAX_N, PageResult, committee_result, rating_figure
from lifecycle.review.paper import fit_for_review, read_paper
from lifecycle.review.reviewer import Reviewer
from lifecycle.review.setup import ReviewSetup, review_setup
from preprocess.core.record import Paper
from preprocess.core.target import review_markdown
from preprocess.pdf.backends import MEMORY_MB
from preprocess.pdf.errors import PdfError
from preprocess.pdf.workers.child import parse_in_child
from preprocess.prompt.formats import FORMATS

MAX_UPLOAD_MB = 25  # arXiv caps submissions at 50 MB; a conference paper's PDF is rarely over 10 MB
DEFAULT_PORT = 7860  # Gradio's, as LLaMA-Factory's own web UI


@dataclass(frozen=True)
class PageLimits:
    """What bounds the page's work (each a command-line option)."""

    parse_timeout_s: float = 30.0  # a 40-page paper parses in well under a second with the default backend
    parse_workers: int = 4  # uploads parsed side by side, each in its own child process
    memory_mb: int = MEMORY_MB  # address space of each parse child
    max_queue: int = 32  # requests waiting; later ones are refused with "queue full"


def _remove_upload(pdf: str) -> None:
    """Delete an upload (and its folder, once empty) from Gradio's upload folder; other paths are left alone."""
    from gradio.utils import get_upload_folder

    path = Path(pdf).resolve()
    folder = Path(get_upload_folder()).resolve()
    if path.is_relative_to(folder) and path != folder:
        path.unlink(missing_ok=True)
        if path.parent != folder and not any(path.parent.iterdir()):
            path.parent.rmdir()


class ReviewPage:
    """The page's one action, safe to call from many threads: parses side by side, reviews one at a time."""

    def __init__(self, reviewer: Reviewer, limits: PageLimits = PageLimits()):
        self.reviewer, self.limits = reviewer, limits
        self.parse_slots = threading.BoundedSemaphore(limits.parse_workers)
        self.generating = threading.Lock()  # one model: reviews queue here, parses do not wait for them

    def paper(self, pdf: str | None, title: str, abstract: str, keywords: str,
              main_text: str) -> tuple[Paper, list[str]]:
        """The paper, its text capped before any work (`read_paper`), and a note for each cut."""
        tok = self.reviewer.fit_tok
        if not pdf:
            return read_paper(None, title, abstract, keywords, main_text, tok)
        try:
            with self.parse_slots:
                parsed = parse_in_child(pdf, timeout=self.limits.parse_timeout_s, memory_mb=self.limits.memory_mb)
        finally:
            _remove_upload(pdf)
        return read_paper(parsed, title, abstract, keywords, "", tok)

    def review(self, pdf: str | None, title: str, abstract: str, keywords: str, main_text: str,
               temperature: float, max_new_tokens: float, reviewers: float = 1) -> PageResult:
        """The reviews, and with more than one reviewer the meta-review and verdict. Problems with the input come
        back as the note."""
        reviewer = self.reviewer
        try:
            paper, cuts = self.paper(pdf, title, abstract, keywords, main_text)
            fitted = fit_for_review(paper, reviewer.fit_tok, reviewer.setup, cuts)
            conv = FORMATS[reviewer.setup.format].conversation(fitted.text)
            with self.generating:
                if int(reviewers) > 1:
                    run = convene_for(reviewer, conv, int(reviewers), temperature, int(max_new_tokens))
                else:
                    response = reviewer.generate(conv, temperature, int(max_new_tokens))
        except PdfError as exc:
            return PageResult((), f"**Error:** `{Path(exc.path).name}` could not be read: {html.escape(exc.reason)}")
        except ValueError as exc:
            return PageResult((), f"**Error:** {html.escape(str(exc))}")
        if int(reviewers) > 1:
            return committee_result(run, fitted.note(reviewer.setup))
        end = "ended" if response.finish_reason == "stop" else "stopped at the length cap"
        note = (f"{fitted.note(reviewer.setup)} Prompt {response.prompt_length:,} tokens; review "
                f"{response.response_length:,} tokens ({end}).")
        review = review_markdown(response.response_text).strip()
        return PageResult((review or EMPTY,), note)


def build_app(page: ReviewPage) -> Any:
    """The Gradio Blocks page; its button calls `page.review` (its API name: `review`)."""
    import gradio as gr  # imported here: loading the page's module stays light

    setup: ReviewSetup = page.reviewer.setup
    model = setup.model.get("adapter_name_or_path") or setup.model["model_name_or_path"]
    with gr.Blocks(title=f"Review a paper ({setup.recipe})") as app:
        gr.Markdown(f"# Review a paper\nRecipe `{setup.recipe}`, model `{model}`, template "
                    f"`{setup.model['template']}`, cutoff_len {setup.cutoff:,}. Typed title and abstract "
                    "win over the PDF's (parsers often miss them); the body always comes from the PDF."
                    + "".join(f"\n\n**Warning:** {html.escape(w)}" for w in setup.warnings))
        with gr.Row():
            with gr.Column():
                pdf = gr.File(label="Paper (PDF)", file_types=[".pdf"], type="filepath", elem_id="pdf")
                title = gr.Textbox(label="Title (optional)", elem_id="title")
                abstract = gr.Textbox(label="Abstract (optional)", lines=4, elem_id="abstract")
                keywords = gr.Textbox(label="Keywords (optional, comma-separated)", elem_id="keywords")
                main_text = gr.Textbox(label="Main text (only used without a PDF)", lines=4, elem_id="main-text")
                with gr.Accordion("Generation settings", open=False):
                    temperature = gr.Slider(0.0, 1.5, value=0.0, step=0.05, label="Temperature (0 = greedy)")
                    max_new = gr.Slider(16, max(setup.max_new_tokens, setup.review_tokens), step=1,
                                        value=setup.max_new_tokens, label="Max new tokens")
                reviewers = gr.Slider(1, PAGE_MAX_N, value=1, step=1, elem_id="reviewers",
                                      label="Reviewers (more than 1: a committee, sampled at 0.4 when greedy)")
                button = gr.Button("Review", variant="primary", elem_id="review-button")
            with gr.Column():
                note = gr.Markdown(elem_id="note")
                decision = gr.Markdown(elem_id="decision")
                plot = gr.Plot(label="Ratings of the committee", elem_id="ratings-plot")
        with gr.Row():
            reviews = [gr.Markdown(elem_id="review" if k == 0 else f"review-{k + 1}") for k in range(PAGE_MAX_N)]
        meta = gr.Markdown(elem_id="meta-review")

        def on_click(*inputs):
            result = page.review(*inputs)  # the box is emptied below: the upload is gone once parsed
            texts = [*result.reviews, *[""] * (PAGE_MAX_N - len(result.reviews))]
            return (texts[0], result.note, None, *texts[1:], result.meta_review, result.decision,
                    rating_figure(result.ratings, result.scale) if result.ratings else None)

        # Waiting for the model costs no CPU, so twice the parse slots may be in flight.
        button.click(on_click, [pdf, title, abstract, keywords, main_text, temperature, max_new, reviewers],
                     [reviews[0], note, pdf, *reviews[1:], meta, decision, plot], api_name="review",
                     concurrency_limit=2 * page.limits.parse_workers)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="tiny", help="name of recipes/<name>.yaml (model from saves/<name>/)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT") or DEFAULT_PORT))
    parser.add_argument("--max-upload-mb", type=float, default=MAX_UPLOAD_MB, help="upload size cap")
    defaults = PageLimits()
    parser.add_argument("--parse-timeout", type=float, default=defaults.parse_timeout_s, help="seconds per PDF")
    parser.add_argument("--parse-workers", type=int, default=defaults.parse_workers, help="PDFs parsed at once")
    parser.add_argument("--max-memory-mb", type=int, default=defaults.memory_mb,
                        help="address space of each parse child in MB, 0 for none")
    parser.add_argument("--max-queue", type=int, default=defaults.max_queue, help="requests allowed to wait")
    parser.add_argument("overrides", nargs="*", help="key=value recipe overrides (ARGS=...)")
    args = parser.parse_intermixed_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a closed network
    try:
        setup = review_setup(args.recipe, parse_overrides(args.overrides))
    except RecipeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    limits = PageLimits(args.parse_timeout, max(1, args.parse_workers), args.max_memory_mb, args.max_queue)
    page = ReviewPage(Reviewer(setup), limits)
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    warning = exposure_warning(host, "the review page", keyed=False)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"review page for {args.recipe}: http://{host}:{args.port}", flush=True)
    build_app(page).queue(max_size=limits.max_queue).launch(
        server_name=host, server_port=args.port, max_file_size=int(args.max_upload_mb * 1024 * 1024), show_error=True,
        share=False, inbrowser=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
