"""`make review`: one paper in, a review out, from a recipe's trained model.

    python -m recipes.review --recipe tiny --pdf paper.pdf [--title T] [--abstract A] [--out review.md]
    make review RECIPE=tiny PDF=paper.pdf TITLE="..." ABSTRACT="..." ARGS="--temperature 0.5"

The paper takes the path training data takes: `parse_pdf` (body sections, cleaned as `make data`
cleans them), typed title/abstract winning over parsed ones, `fit_paper` (same layout, same
section-aware fit, same fixed review reserve), the turns of the recipe's dataset format (alpaca or
sharegpt, read from dataset_info.json), then LLaMA-Factory's ChatModel with the recipe's template: the
prompt a training row of the same paper gets. Greedy unless --temperature is given. The review page
(`recipes/review_ui.py`) reuses these functions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from preprocess import prompts
from preprocess.budget import Tokenizer, default_review_tokens, fit_paper, load_tokenizer, paper_budget
from preprocess.clean import CleanConfig, clean_sections, section_problem
from preprocess.layout import paper_text
from preprocess.parse_pdf import BACKENDS, PdfError, parse_pdf
from preprocess.record import Paper, Section, SectionKind
from recipes.run import RecipeError, check_servable, model_config, parse_overrides, trained_recipe

PARSE_TIMEOUT_S = 300  # a 40-page paper parses in ~4 s with the default backend; GROBID is slower
FORMATS = ("alpaca", "sharegpt")


@dataclass
class ReviewSetup:
    """Everything a review needs from the recipe: ChatModel args, the token budget, the row format."""

    recipe: str
    model: dict[str, Any]  # ChatModel arguments: merged model, or base + adapter; template; backend
    cutoff: int  # the recipe's cutoff_len, as `make data CUTOFF=` used it
    review_tokens: int  # the fixed review reserve the training data was fitted with
    max_new_tokens: int
    format: str = "alpaca"  # how the recipe's training rows were laid out (`make data --format`)
    warnings: list[str] = field(default_factory=list)

    @property
    def tokenizer_path(self) -> str:
        return str(self.model["model_name_or_path"])


def _training_data(recipe: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The recipe's first dataset: its dataset_info.json entry and its build's meta args (None if absent)."""
    name = str(recipe.get("dataset", "")).split(",")[0].strip()
    folder = Path(recipe.get("dataset_dir", "data"))
    entry = meta = None
    with contextlib.suppress(OSError, ValueError):
        entry = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8")).get(name)
    stem = re.sub(r"_(train|test)$", "", name)
    with contextlib.suppress(OSError, ValueError):
        meta = json.loads((folder / f"{stem}.meta.json").read_text(encoding="utf-8")).get("args")
    return entry, meta


def review_setup(name: str, overrides: dict[str, Any] | None = None) -> ReviewSetup:
    """The recipe as trained (`saves/<name>/train.yaml`, with the run's ARGS), else as written, with `key=value`
    overrides; `review_tokens=` and `format=` set what `make data` was given."""
    overrides = dict(overrides or {})
    reserve, fmt = overrides.pop("review_tokens", None), overrides.pop("format", None)
    recipe = {**trained_recipe(name), **overrides}
    for key in ("cutoff_len", "template"):
        if key not in recipe:
            raise RecipeError(f"recipes/{name}.yaml has no {key}: a review needs the training one")
    cutoff = int(recipe["cutoff_len"])
    review_tokens = int(reserve) if reserve else default_review_tokens(cutoff)  # as preprocess/build.py
    entry, meta = _training_data(recipe)
    fmt = str(fmt or (entry or {}).get("formatting") or "alpaca")
    if fmt not in FORMATS:
        raise RecipeError(f"format {fmt!r}: choose {' or '.join(FORMATS)}")
    warnings = []
    if entry is None:
        warnings.append(f"dataset {recipe.get('dataset')!r} is not registered here: assuming {fmt} rows")
    if meta and (meta.get("cutoff"), meta.get("review_tokens")) != (cutoff, review_tokens):
        warnings.append(f"training data was fitted to cutoff {meta.get('cutoff')}, reserve "
                        f"{meta.get('review_tokens')}; this review uses {cutoff}, {review_tokens}: prompts differ "
                        "(set ARGS=\"cutoff_len=... review_tokens=...\")")
    model = check_servable(name, {**model_config(name, recipe), "infer_backend": "huggingface"})
    max_new = int(recipe.get("max_new_tokens") or review_tokens)  # predict's length, else the reserve
    return ReviewSetup(name, model, cutoff, review_tokens, max_new, fmt, warnings)


def _parse_child(conn, path: str, backend: str, env: dict[str, str]) -> None:
    os.environ.update(env)
    try:
        conn.send(("ok", parse_pdf(path, backend)))
    except PdfError as exc:
        conn.send(("error", exc.reason))
    except Exception as exc:  # a parser bug is this file's error, not the caller's crash
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


def read_pdf(path: str | Path, backend: str = "default", timeout: float = PARSE_TIMEOUT_S) -> dict[str, Any]:
    """`parse_pdf` in a child process: a PDF that hangs or crashes the parser is a `PdfError`, nothing worse."""
    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    env = {k: v for k, v in os.environ.items() if k == "GROBID_URL"}  # forkserver children miss later env
    proc = ctx.Process(target=_parse_child, args=(child, str(path), backend, env), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise PdfError(path, f"parser timed out after {timeout:g} s")
        try:
            status, payload = parent.recv()
        except EOFError:
            proc.join(timeout=5)
            raise PdfError(path, f"parser crashed (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status != "ok":
        raise PdfError(path, payload)
    return payload


def record_sections(record: dict[str, Any]) -> list[Section]:
    """A parse_pdf record's sections as `make data` keeps them (preprocess/build.py `load_parse`)."""
    kinds = get_args(SectionKind)
    return [Section(heading=str(s.get("heading") or ""), text=str(s.get("text") or ""),
                    kind=s.get("kind") if s.get("kind") in kinds else "body")
            for s in record.get("sections") or [] if isinstance(s, dict) and s.get("kind") != "references"]


def _typed(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()  # as preprocess/normalize.py reads a note's text


def build_paper(record: dict[str, Any] | None = None, title: str = "", abstract: str = "",
                keywords: str = "", main_text: str = "") -> Paper:
    """A Paper from a parsed PDF and/or typed fields: typed title/abstract win, the PDF gives the body.

    Without a record, the typed main text is the body (one section). Sections are cleaned as
    `make data` cleans them (URLs, page boilerplate).
    """
    record = record or {}
    if record:
        sections = record_sections(record)
    else:
        sections = [Section(heading="", text=_typed(main_text))] if _typed(main_text) else []
    sections, _ = clean_sections(sections)
    if not sections:
        raise ValueError("no paper body: give a PDF with a text layer, or the main text")
    return Paper(forum="", venue="", year=None, api="", sections=sections,
                 title=_typed(title) or _typed(record.get("title")),
                 abstract=_typed(abstract) or _typed(record.get("abstract")),
                 keywords=[k.strip() for k in keywords.split(",") if k.strip()])


@dataclass
class FittedPaper:
    """The model input for a paper and how much of the paper survived the fit."""

    paper: Paper
    text: str
    kept_tokens: int
    full_tokens: int
    budget: int
    problem: str | None  # what `make data` would have dropped the paper for (too little text, ...)

    def note(self, setup: ReviewSetup) -> str:
        share = self.kept_tokens / max(self.full_tokens, 1)
        text = (f"Paper tokens kept: {self.kept_tokens:,} of {self.full_tokens:,} ({share:.0%}); budget "
                f"{self.budget:,} = cutoff_len {setup.cutoff:,} less instruction, template and a "
                f"{setup.review_tokens:,}-token review reserve.")
        return text + (f" Note: training data leaves out papers with {self.problem}." if self.problem else "")


def fit_for_review(paper: Paper, tok: Tokenizer, setup: ReviewSetup) -> FittedPaper:
    """Lay out and fit `paper` with the budget training used (`preprocess/build.py` calls the same)."""
    body = [s for s in paper.sections if s.kind == "body"] or paper.sections
    text, kept = fit_paper(paper, tok, setup.cutoff, setup.review_tokens)
    return FittedPaper(paper, text, kept, tok.count(paper_text(paper, body)),
                       paper_budget(tok, setup.cutoff, setup.review_tokens),
                       section_problem(paper.sections, CleanConfig()))


@dataclass
class Conversation:
    """The turns before the review, as LLaMA-Factory's converters make them from a training row."""

    messages: list[dict[str, str]]
    system: str | None = None


def conversation(paper_input: str, fmt: str = "alpaca") -> Conversation:
    """alpaca: one user turn, instruction + "\\n" + paper (LLaMA-Factory's join); sharegpt: the
    instruction as system and the opening turns of `preprocess/formats.py`'s rows."""
    if fmt == "alpaca":
        return Conversation([{"role": "user", "content": prompts.REVIEW_INSTRUCTION + "\n" + paper_input}])
    return Conversation([{"role": "user", "content": prompts.FIRST_TURN},
                         {"role": "assistant", "content": prompts.FIRST_REPLY},
                         {"role": "user", "content": prompts.PAPER_TURN.format(paper=paper_input)}],
                        prompts.REVIEW_INSTRUCTION)


_TAIL = re.compile(r"^(Rating|Decision): *(.+?) *$")


def review_markdown(text: str) -> str:
    """The model's answer as markdown: sharegpt's reply prefix off, trailing Rating/Decision lines bold."""
    text = text.strip()
    prefix = prompts.REVIEW_REPLY.split("{review}")[0].strip()
    text = text[len(prefix):].lstrip() if prefix and text.startswith(prefix) else text
    lines = text.split("\n")
    cut = len(lines)
    while cut and _TAIL.match(lines[cut - 1]):
        cut -= 1
    tail = [_TAIL.sub(r"**\1:** \2", line) for line in lines[cut:]]
    return "\n\n".join(["\n".join(lines[:cut]).rstrip(), *tail]).strip() + "\n"


class Reviewer:
    """LLaMA-Factory's ChatModel (HF engine) with the recipe's template, plus the fitting tokenizer.

    With `load_model=False` only tokenizer and template load: enough to show the exact prompt.
    """

    def __init__(self, setup: ReviewSetup, load_model: bool = True) -> None:
        self.setup = setup
        self.fit_tok = load_tokenizer(setup.tokenizer_path)  # what `make data --tokenizer` loads
        self.chat = None
        if load_model:
            from llamafactory.chat import ChatModel

            self.chat = ChatModel(dict(setup.model))
            self.tokenizer, self.template = self.chat.engine.tokenizer, self.chat.engine.template
        else:
            from llamafactory.data import get_template_and_fix_tokenizer
            from llamafactory.hparams import get_infer_args
            from llamafactory.model import load_tokenizer as lf_load_tokenizer

            model_args, data_args, _, _ = get_infer_args(dict(setup.model))
            self.tokenizer = lf_load_tokenizer(model_args)["tokenizer"]  # as the HF engine loads them
            self.template = get_template_and_fix_tokenizer(self.tokenizer, data_args)

    def prompt_ids(self, conv: Conversation) -> list[int]:
        """Token ids the model is given, built as the HF engine builds them (`_process_args`)."""
        paired = [*conv.messages, {"role": "assistant", "content": ""}]
        return self.template.encode_oneturn(self.tokenizer, paired, conv.system, None)[0]

    def prompt_text(self, conv: Conversation) -> str:
        """The prompt as text, special tokens spelled out (as `make predict` writes its `prompt` field)."""
        return self.tokenizer.decode(self.prompt_ids(conv), skip_special_tokens=False)

    def generate(self, conv: Conversation, temperature: float | None = None, max_new_tokens: int | None = None):
        """One review (a LLaMA-Factory `Response`); greedy unless a temperature > 0 is given."""
        if self.chat is None:
            raise RuntimeError("Reviewer was built with load_model=False")
        sampling = bool(temperature and temperature > 0)
        kwargs: dict[str, Any] = {"do_sample": sampling,
                                  "max_new_tokens": int(max_new_tokens or self.setup.max_new_tokens)}
        if sampling:
            kwargs["temperature"] = float(temperature)
        response = self.chat.chat(conv.messages, conv.system, **kwargs)[0]
        expected = len(self.prompt_ids(conv))
        if response.prompt_length != expected:  # the shown prompt must be the one generated from
            raise RuntimeError(f"engine prompt has {response.prompt_length} tokens, expected {expected}")
        return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="tiny", help="name of recipes/<name>.yaml (model from saves/<name>/)")
    parser.add_argument("--pdf", default="", help="the paper's PDF (body sections come from it)")
    parser.add_argument("--text", type=Path, default=None, help="a text file with the main text (without --pdf)")
    parser.add_argument("--title", default="", help="typed title: wins over the parsed one")
    parser.add_argument("--abstract", default="", help="typed abstract: wins over the parsed one")
    parser.add_argument("--keywords", default="", help="comma-separated keywords (training rows carry them)")
    parser.add_argument("--backend", default="default", choices=BACKENDS, help="PDF parser backend")
    parser.add_argument("--temperature", type=float, default=None, help="sample at this temperature (default greedy)")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="review length cap (default: the recipe's max_new_tokens, else the review reserve)")
    parser.add_argument("--out", type=Path, default=None, help="also write the review (markdown) here")
    parser.add_argument("--print-prompt", action="store_true",
                        help="print the exact prompt the model would get (template applied) and exit")
    parser.add_argument("overrides", nargs="*",
                        help="key=value recipe overrides (ARGS=...); review_tokens= and format= as given to make data")
    args = parser.parse_intermixed_args(argv)
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
    if args.pdf:
        record = read_pdf(args.pdf, args.backend)
        for warning in record.get("warnings", []):
            print(f"parser: {warning}", file=sys.stderr)
        paper = build_paper(record, args.title, args.abstract, args.keywords)
    elif args.text:
        paper = build_paper(None, args.title, args.abstract, args.keywords, args.text.read_text("utf-8"))
    else:
        raise ValueError("no paper: give --pdf <file> (PDF=<file> with make), or --text <file>")
    reviewer = Reviewer(setup, load_model=not args.print_prompt)
    fitted = fit_for_review(paper, reviewer.fit_tok, setup)
    print(fitted.note(setup), file=sys.stderr)
    conv = conversation(fitted.text, setup.format)
    if args.print_prompt:
        return reviewer.prompt_text(conv)
    response = reviewer.generate(conv, args.temperature, args.max_new_tokens)
    end = "ended" if response.finish_reason == "stop" else "hit the length cap"
    print(f"prompt {response.prompt_length} tokens; review {response.response_length} tokens ({end})",
          file=sys.stderr)
    return review_markdown(response.response_text)


if __name__ == "__main__":
    sys.exit(main())
