"""`make review`: one paper in, a review out, from a recipe's trained model.

    python -m lifecycle.review --recipe tiny --pdf paper.pdf [--title T] [--abstract A] [--out review.md]
    make review RECIPE=tiny PDF=paper.pdf TITLE="..." ABSTRACT="..." ARGS="--temperature 0.5"

The paper takes the path training data takes (`paper`: parsed, cleaned, typed title/abstract winning,
fitted with the same layout, budget and fixed review reserve), in the turns of the recipe's dataset format
(`preprocess/prompt/formats.py`), then LLaMA-Factory's ChatModel with the recipe's template: the prompt a
training row of the same paper gets. Greedy unless --temperature is given. `--n 3` (make: N=3) asks a committee:
three sampled reviews, a meta-review and a decision with its probability (`committee`). The page (`page`)
reuses this.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from lifecycle.committee.panel import committee_markdown
from lifecycle.recipe import RecipeError, parse_overrides
from lifecycle.review.committee import DEFAULT_SEED, convene_for
from lifecycle.review.paper import fit_for_review, read_paper
from lifecycle.review.reviewer import Reviewer
from lifecycle.review.setup import review_setup
from preprocess.core.target import review_markdown
from preprocess.pdf.backends import BACKENDS
from preprocess.pdf.errors import PdfError
from preprocess.pdf.workers.child import parse_in_child
from preprocess.prompt.formats import FORMATS
from preprocess.prompt.tokenizer import load_tokenizer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="tiny", help="name of recipes/<name>.yaml (model from saves/<name>/)")
    parser.add_argument("--pdf", default="", help="the paper's PDF (body sections come from it)")
    parser.add_argument("--text", type=Path, default=None, help="a text file with the main text (without --pdf)")
    parser.add_argument("--title", default="", help="typed title: wins over the parsed one")
    parser.add_argument("--abstract", default="", help="typed abstract: wins over the parsed one")
    parser.add_argument("--keywords", default="", help="comma-separated keywords (training rows carry them)")
    parser.add_argument("--backend", default="default", choices=list(BACKENDS), help="PDF parser backend")
    parser.add_argument("--parse-timeout", type=float, default=None, help="seconds for the PDF (default by backend)")
    parser.add_argument("--max-memory-mb", type=int, default=None,
                        help="address space of the parse child in MB, 0 for none (default by backend)")
    parser.add_argument("--temperature", type=float, default=None,
                        help="sample at this temperature (default greedy; a committee samples at 0.4)")
    parser.add_argument("--n", type=int, default=1,
                        help="reviewers: N > 1 samples N reviews (seeds 42, 43, ...) and adds a meta-review and a "
                             "decision with its probability (N=3 with make)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="first reviewer's seed (committee)")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="review length cap (default: the recipe's max_new_tokens, else the review reserve)")
    parser.add_argument("--out", type=Path, default=None, help="also write the review (markdown) here")
    parser.add_argument("--print-prompt", action="store_true",
                        help="print the exact prompt the model would get (template applied) and exit")
    parser.add_argument("overrides", nargs="*",
                        help="key=value recipe overrides (ARGS=...); review_tokens= and format= as given to make data")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):  # LLaMA-Factory logs to stdout: keep it for the result
            text = run_cli(args)
    except (PdfError, RecipeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stdout.write(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def run_cli(args: argparse.Namespace) -> str:
    """The CLI's work: the review as markdown, or the prompt with --print-prompt; notes go to stderr."""
    setup = review_setup(args.recipe, parse_overrides(args.overrides))
    for warning in setup.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    parsed, main_text = None, ""
    if args.pdf:
        parsed = parse_in_child(args.pdf, args.backend, args.parse_timeout, args.max_memory_mb)
        for warning in parsed.warnings:
            print(f"parser: {warning}", file=sys.stderr)
    elif args.text:
        main_text = args.text.read_text("utf-8")
    else:
        raise ValueError("no paper: give --pdf <file> (PDF=<file> with make), or --text <file>")
    tok = load_tokenizer(setup.tokenizer_path)
    paper, cuts = read_paper(parsed, args.title, args.abstract, args.keywords, main_text, tok)  # capped first
    for cut in cuts:
        print(f"warning: {cut}", file=sys.stderr)
    reviewer = Reviewer(setup, load_model=not args.print_prompt, fit_tok=tok)
    fitted = fit_for_review(paper, reviewer.fit_tok, setup, cuts)
    print(fitted.note(setup), file=sys.stderr)
    conv = FORMATS[setup.format].conversation(fitted.text)
    if args.print_prompt:
        return reviewer.prompt_text(conv)
    if args.n > 1:
        run = convene_for(reviewer, conv, args.n, args.temperature, args.max_new_tokens, args.seed,
                          progress=lambda k, n: print(f"reviewer {k + 1} of {n} ...", file=sys.stderr, flush=True))
        for note in run.notes:
            print(note, file=sys.stderr)
        return committee_markdown(run.committee)
    response = reviewer.generate(conv, args.temperature, args.max_new_tokens)
    end = "ended" if response.finish_reason == "stop" else "hit the length cap"
    print(f"prompt {response.prompt_length} tokens; review {response.response_length} tokens ({end})",
          file=sys.stderr)
    return review_markdown(response.response_text)


if __name__ == "__main__":
    sys.exit(main())
