"""The paper a review is written for, laid out and fitted exactly as `make data` fits a training paper.

The PDF is parsed in a child process (`preprocess/pdf/workers/child.py`: a PDF that hangs or crashes the parser is an
error, nothing worse), its body sections cleaned as the build cleans them, typed title and abstract winning
over the parsed ones, then laid out and fitted with the same budget and review reserve (`fit_paper`).
Before any of that, `read_paper` caps the text a review reads (`MAX_PAPER_TOKENS`, counted on a bounded prefix),
so a 20 MB paste costs what a long paper costs; the note under the review says where it was cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lifecycle.review.setup import ReviewSetup
from preprocess.core.record import Paper, Section, body_sections
from preprocess.dataset.clean import CleanConfig, clean_sections, section_problem
from preprocess.pdf.record import ParsedPaper
from preprocess.prompt.budget import fit_paper, paper_budget
from preprocess.prompt.layout import paper_text
from preprocess.prompt.tokenizer import Tokenizer

MAX_PAPER_TOKENS = 128_000  # 4 x the longest context a recipe trains (32k); a 60-page paper is ~40k tokens
CHARS_PER_TOKEN = 8  # character pre-cap before counting: prose runs 3-5 characters a token
MAX_FIELD_CHARS = 20_000  # a typed title, abstract or keyword list (an abstract is ~1,500 characters)


def cap_sections(sections: list[Section], tok: Tokenizer,
                 max_tokens: int = MAX_PAPER_TOKENS) -> tuple[list[Section], str | None]:
    """The sections up to `max_tokens` tokens of text, the section that crosses it cut at a word, and a note
    saying where the text was cut (None when it fitted). At most `max_tokens * CHARS_PER_TOKEN` characters are
    ever tokenized."""
    chars_left, tokens_left = max_tokens * CHARS_PER_TOKEN, max_tokens
    kept: list[Section] = []
    for index, section in enumerate(sections):
        text = section.text[:chars_left]
        n = tok.count(text)
        if n > tokens_left:
            text = tok.cut(text, tokens_left)
            n = tok.count(text)
        kept.append(replace(section, text=text))
        chars_left, tokens_left = chars_left - len(text), tokens_left - n
        if text != section.text or (tokens_left <= 0 and index + 1 < len(sections)):
            total = sum(len(s.text) for s in sections)
            read = sum(len(s.text) for s in kept)
            where = f"in section {section.heading!r}" if section.heading else "in the main text"
            return kept, (f"The paper's text was cut at {max_tokens - tokens_left:,} tokens (the cap is "
                          f"{max_tokens:,}): character {read:,} of {total:,}, {where}; the rest was not read.")
    return kept, None


def read_paper(parsed: ParsedPaper | None, title: str, abstract: str, keywords: str, main_text: str,
               tok: Tokenizer, max_tokens: int = MAX_PAPER_TOKENS) -> tuple[Paper, list[str]]:
    """`build_paper` on capped input: typed fields at `MAX_FIELD_CHARS`, the body at `max_tokens` tokens, before
    any cleaning. Returns the paper and a note for each cut."""
    notes, typed = [], {}
    for label, value in (("title", title), ("abstract", abstract), ("keywords", keywords)):
        value = str(value or "")
        if len(value) > MAX_FIELD_CHARS:
            notes.append(f"The typed {label} was cut at {MAX_FIELD_CHARS:,} of {len(value):,} characters.")
        typed[label] = value[:MAX_FIELD_CHARS]
    if parsed is not None:
        sections, cut = cap_sections(list(parsed.sections), tok, max_tokens)
        parsed, main_text = replace(parsed, sections=sections), ""
    else:
        sections, cut = cap_sections([Section(heading="", text=str(main_text or ""))], tok, max_tokens)
        main_text = sections[0].text
    notes += [cut] if cut else []
    return build_paper(parsed, typed["title"], typed["abstract"], typed["keywords"], main_text), notes


def _typed(value: object) -> str:
    return str(value or "").replace("\r\n", "\n").strip()  # as preprocess/notes/normalize.py reads a note's text


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
    cuts: tuple[str, ...] = ()  # what `read_paper` cut before the fit

    def note(self, setup: ReviewSetup) -> str:
        share = self.kept_tokens / max(self.full_tokens, 1)
        text = (f"Paper tokens kept: {self.kept_tokens:,} of {self.full_tokens:,} ({share:.0%}); budget "
                f"{self.budget:,} = cutoff_len {setup.cutoff:,} less instruction, template and a "
                f"{setup.review_tokens:,}-token review reserve.")
        text += f" Note: training data leaves out papers with {self.problem}." if self.problem else ""
        return " ".join([*self.cuts, text])


def fit_for_review(paper: Paper, tok: Tokenizer, setup: ReviewSetup, cuts: list[str] | None = None) -> FittedPaper:
    """Lay out and fit `paper` with the budget training used (the build's `prepare` calls the same); `cuts` are
    `read_paper`'s notes, shown first."""
    text, kept = fit_paper(paper, tok, setup.cutoff, setup.review_tokens)
    return FittedPaper(paper, text, kept, tok.count(paper_text(paper, body_sections(paper.sections))),
                       paper_budget(tok, setup.cutoff, setup.review_tokens),
                       section_problem(paper.sections, CleanConfig()), tuple(cuts or ()))
