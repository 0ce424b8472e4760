"""The paper a review is written for, laid out and fitted exactly as `make data` fits a training paper.

The PDF is parsed in a child process (`preprocess/pdf/child.py`: a PDF that hangs or crashes the parser is an
error, nothing worse), its body sections cleaned as the build cleans them, typed title and abstract winning
over the parsed ones, then laid out and fitted with the same budget and review reserve (`fit_paper`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.review.setup import ReviewSetup
from preprocess.core.record import Paper, Section, body_sections
from preprocess.dataset.budget import fit_paper, paper_budget
from preprocess.dataset.clean import CleanConfig, clean_sections, section_problem
from preprocess.dataset.layout import paper_text
from preprocess.dataset.tokenizer import Tokenizer
from preprocess.pdf.record import ParsedPaper


def _typed(value: object) -> str:
    return str(value or "").replace("\r\n", "\n").strip()  # as preprocess/dataset/normalize.py reads a note's text


def build_paper(parsed: ParsedPaper | None = None, title: str = "", abstract: str = "",
                keywords: str = "", main_text: str = "") -> Paper:
    """A Paper from a parsed PDF and/or typed fields: typed title/abstract win, the PDF gives the body.

    Without a parse, the typed main text is the body (one section). Sections are cleaned as
    `make data` cleans them (URLs, page boilerplate).
    """
    if parsed is not None:
        sections = list(parsed.sections)
    else:
        sections = [Section(heading="", text=_typed(main_text))] if _typed(main_text) else []
    sections, _ = clean_sections(sections)
    if not sections:
        raise ValueError("no paper body: give a PDF with a text layer, or the main text")
    return Paper(forum="", venue="", year=None, api="", sections=sections,
                 title=_typed(title) or _typed(parsed.title if parsed else ""),
                 abstract=_typed(abstract) or _typed(parsed.abstract if parsed else ""),
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
    """Lay out and fit `paper` with the budget training used (the build's `prepare` calls the same)."""
    text, kept = fit_paper(paper, tok, setup.cutoff, setup.review_tokens)
    return FittedPaper(paper, text, kept, tok.count(paper_text(paper, body_sections(paper.sections))),
                       paper_budget(tok, setup.cutoff, setup.review_tokens),
                       section_problem(paper.sections, CleanConfig()))
