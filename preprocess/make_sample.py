"""Render the hand-written synthetic sample source into crawl-shaped OpenReview data.

    python -m preprocess.make_sample [--source data/sample_source] [--out data/sample]

Reads `v1.json` and `v2.json` (format: `data/sample_source/SCHEMA.md`) and writes, per venue,
`<out>/<venue slug>/notes.jsonl` (one submission per line with its replies under `details`, shaped like
openreview-py notes of that year) and `<out>/<venue slug>/pdfs/<forum>.pdf`. This module is the only place
that knows the per-year output shapes; they are rows of the `YEARS` table. Output is deterministic
(timestamps derived from year and number, fixed PDF dates) and every file is written atomically.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from preprocess.jsonl import atomic_open
from preprocess.venues import venue_slug

log = logging.getLogger("preprocess.make_sample")
Json = dict[str, Any]
Field = Callable[[Json, int], Any]  # (schema review, reviewer number) -> content value

# ---- Score strings as OpenReview shows them --------------------------------------------------------
RATING_2020 = {1: "1: Reject", 3: "3: Weak Reject", 6: "6: Weak Accept", 8: "8: Accept"}
RATING_2021 = dict(enumerate((
    "Trivial or wrong", "Strong rejection", "Clear rejection", "Ok but not good enough - rejection",
    "Marginally below acceptance threshold", "Marginally above acceptance threshold", "Good paper, accept",
    "Top 50% of accepted papers, clear accept", "Top 15% of accepted papers, strong accept",
    "Top 5% of accepted papers, seminal paper"), start=1))
RECOMMENDATION = {
    1: "strong reject", 3: "reject, not good enough", 5: "marginally below the acceptance threshold",
    6: "marginally above the acceptance threshold", 8: "accept, good paper",
    10: "strong accept, should be highlighted at the conference"}
CONFIDENCE_2021 = dict(enumerate((
    "The reviewer's evaluation is an educated guess",
    "The reviewer is willing to defend the evaluation, but it is quite likely that the reviewer did not "
    "understand central parts of the paper",
    "The reviewer is fairly confident that the evaluation is correct",
    "The reviewer is confident but not absolutely certain that the evaluation is correct",
    "The reviewer is absolutely certain that the evaluation is correct and very familiar with the "
    "relevant literature"), start=1))
_UNSURE = ("did not understand some parts of the submission or that you are unfamiliar with some pieces of "
           "related work.")
_UNCHECKED = "Math/other details were not carefully checked."
CONFIDENCE_2022 = dict(enumerate((
    "You are unable to assess this paper and have alerted the ACs to seek an opinion from different "
    "reviewers.",
    "You are willing to defend your assessment, but it is quite likely that you did not understand the "
    "central parts of the submission or that you are unfamiliar with some pieces of related work. "
    f"{_UNCHECKED}",
    f"You are fairly confident in your assessment. It is possible that you {_UNSURE} {_UNCHECKED}",
    f"You are confident in your assessment, but not absolutely certain. It is unlikely, but not impossible, "
    f"that you {_UNSURE}",
    "You are absolutely certain about your assessment. You are very familiar with the related work and "
    "checked the math/other details carefully."), start=1))
EXPERIENCE_2020 = {1: "I do not know much about this area.", 2: "I do not know much about this area.",
                   3: "I have read many papers in this area.",
                   4: "I have published one or two papers in this area.",
                   5: "I have published in this field for several years."}
CORRECTNESS = dict(enumerate((
    "The main claims of the paper are incorrect or not at all supported by theory or empirical results.",
    "Several of the paper’s claims are incorrect or not well-supported.",
    "Some of the paper’s claims have minor issues. A few statements are not well-supported, or require small "
    "changes to be made correct.",
    "All of the claims and statements are well-supported and correct."), start=1))
NOVELTY = dict(enumerate((
    "The contributions are neither significant nor novel.",
    "The contributions are only marginally significant or novel.",
    "The contributions are significant and somewhat new. Aspects of the contributions exist in prior work.",
    "The contributions are significant, and do not exist in prior works."), start=1))
SCORE_WORDS = {1: "poor", 2: "fair", 3: "good", 4: "excellent"}
# The schema gives one rating per review; the other per-year scores follow from it.
# rating -> (correctness, technical novelty, empirical novelty) for 2022-23,
#           (soundness, presentation, contribution) for 2024-25.
SUBSCORES_2022 = {1: (1, 1, 1), 3: (2, 2, 2), 5: (3, 2, 2), 6: (3, 3, 2), 8: (4, 3, 3), 10: (4, 4, 4)}
SUBSCORES_2024 = {1: (1, 2, 1), 3: (2, 2, 2), 5: (2, 3, 2), 6: (3, 3, 2), 8: (3, 3, 3), 10: (4, 4, 4)}
VERDICT = {  # rating -> one-line verdict (2021 review title, 2022-23 summary_of_the_review)
    1: "The central claims are not supported; the paper is not ready for publication.",
    2: "The paper has fundamental problems; I recommend rejection.",
    3: "The weaknesses clearly outweigh the strengths; I recommend rejection.",
    4: "Interesting direction, but the evidence is not yet sufficient for acceptance.",
    5: "A reasonable idea, but the evaluation leaves too many open questions; I lean towards rejection.",
    6: "The strengths slightly outweigh the weaknesses; I lean towards acceptance.",
    7: "A good paper with convincing experiments; I recommend acceptance.",
    8: "A solid contribution with convincing evidence; I recommend acceptance.",
    9: "A strong paper that I would like to see at the conference.",
    10: "An excellent paper that should be highlighted at the conference."}
AC_TEXT = {  # accepted? -> decision comment, why not higher, why not lower
    True: ("The paper is accepted. Please address the reviewers' remaining comments in the final version.",
           "Some reviewer concerns about scope and evaluation were only partially addressed.",
           "All reviewers agree that the contribution is sound and of interest to the community."),
    False: ("The paper is rejected. We hope the reviews help the authors improve the work.",
            "The main concerns raised by the reviewers were not resolved in the discussion.",
            "The direction is relevant and parts of the analysis are interesting.")}
DISCUSSION = ("The authors responded to the reviews; the discussion clarified several points but did not "
              "change the overall assessment.")
PRIMARY_AREAS = (  # (substring of title or keywords, ICLR 2024+ primary area); first match wins
    ("reinforcement", "reinforcement learning"),
    ("graph", "learning on graphs and other geometries & topologies"),
    ("diffusion", "generative models"), ("generative", "generative models"),
    ("language model", "foundation or frontier models, including LLMs"),
    ("interpretab", "interpretability and explainable AI"), ("optimi", "optimization"),
    ("generalization", "learning theory"), ("time series", "learning on time series and dynamical systems"),
    ("robust", "alignment, fairness, safety, privacy, and societal considerations"),
    ("federated", "infrastructure, software libraries, hardware, systems, etc."),
    ("vision", "applications to computer vision, audio, language, and other modalities"))
DEFAULT_AREA = "other topics in machine learning (i.e., none of the above)"
PROCEEDINGS = {2024: "The Twelfth International Conference on Learning Representations",
               2025: "The Thirteenth International Conference on Learning Representations"}


def lookup(table: dict[int, Any], key: str, fmt: str = "{n}: {s}") -> Field:
    """Field rendering `review[key]` through `table` as e.g. `"6: marginally above ..."`."""
    return lambda r, _k: fmt.format(n=r[key], s=table[r[key]])


def subscore(scores: dict[int, tuple[int, ...]], i: int, words: dict[int, Any] | None, fmt: str) -> Field:
    """Field for the `i`-th score derived from the rating: `fmt` over `words`, or the bare int if no words."""
    def value(r: Json, _k: int) -> Any:
        n = scores[r["rating"]][i]
        return n if words is None else fmt.format(n=n, s=words[n])

    return value


def const(value: Any) -> Field:
    """Field with a fixed value."""
    return lambda _r, _k: value


def prose(*parts: str) -> Field:
    """Field joining review parts as paragraphs under short headings (`Strengths:` ...)."""
    return lambda r, _k: "\n\n".join(f"{p.capitalize()}:\n{r[p].strip()}" for p in parts)


def part(name: str) -> Field:
    """Field copying one review part."""
    return lambda r, _k: r[name]


ALL_PARTS = ("summary", "strengths", "weaknesses", "questions")
SCORES_2022: dict[str, Field] = {
    "correctness": subscore(SUBSCORES_2022, 0, CORRECTNESS, "{n}: {s}"),
    "technical_novelty_and_significance": subscore(SUBSCORES_2022, 1, NOVELTY, "{n}: {s}"),
    "empirical_novelty_and_significance": subscore(SUBSCORES_2022, 2, NOVELTY, "{n}: {s}"),
    "flag_for_ethics_review": const(["NO."]),
    "recommendation": lookup(RECOMMENDATION, "rating"), "confidence": lookup(CONFIDENCE_2022, "confidence")}


def review_v2(as_int: bool) -> dict[str, Field]:
    """API v2 review fields; 2025 stores the scores as bare ints (`as_int`)."""
    def score(i: int) -> Field:
        return subscore(SUBSCORES_2024, i, None if as_int else SCORE_WORDS, "{n} {s}")

    def scale(table: dict[int, str], key: str) -> Field:
        return part(key) if as_int else lookup(table, key)

    return {"summary": part("summary"), "soundness": score(0), "presentation": score(1),
            "contribution": score(2), "strengths": part("strengths"), "weaknesses": part("weaknesses"),
            "questions": part("questions"), "flag_for_ethics_review": const(["No ethics review needed."]),
            "rating": scale(RECOMMENDATION, "rating"), "confidence": scale(CONFIDENCE_2022, "confidence"),
            "code_of_conduct": const("Yes")}


# Meta-review fields: (paper, that year's decision string) -> value.
META_V1: dict[str, Callable[[Json, str], Any]] = {
    "metareview": lambda p, d: p["meta_review"], "recommendation": lambda p, d: d}
META_2023: dict[str, Callable[[Json, str], Any]] = {
    "metareview:_summary,_strengths_and_weaknesses": lambda p, d: p["meta_review"],
    "justification_for_why_not_higher_score": lambda p, d: AC_TEXT[d.startswith("Accept")][1],
    "justification_for_why_not_lower_score": lambda p, d: AC_TEXT[d.startswith("Accept")][2],
    "recommendation": lambda p, d: d}
META_V2: dict[str, Callable[[Json, str], Any]] = {
    "metareview": lambda p, d: p["meta_review"],
    "additional_comments_on_reviewer_discussion": lambda p, d: DISCUSSION,
    "justification_for_why_not_higher_score": lambda p, d: AC_TEXT[d.startswith("Accept")][1]}
TIERS = ("Poster", "Spotlight", "Oral")
SAME = {f"Accept ({t})": f"Accept ({t})" for t in TIERS} | {"Reject": "Reject"}


@dataclass(frozen=True)
class Year:
    """What one ICLR year looks like on OpenReview."""

    api: int
    dates: tuple[str, str, str, str, str]  # submission, reviews, author response, meta-review, decision
    ratings: frozenset[int]
    decisions: dict[str, str]  # schema decision -> that year's decision string
    review: dict[str, Field]
    meta: dict[str, Callable[[Json, str], Any]]
    hashed_ids: bool  # Reviewer_abcd / Area_Chair_abcd, else AnonReviewerK / Area_Chair1
    line_numbers: bool  # under-review PDF with margin line numbers


SCALE_2022 = frozenset(RECOMMENDATION)
YEARS: dict[int, Year] = {
    2020: Year(1, ("2019-09-26", "2019-10-28", "2019-11-14", "2019-12-10", "2019-12-19"),
               frozenset(RATING_2020), SAME | {"Accept (Oral)": "Accept (Talk)"},
               {"title": lambda _r, k: f"Official Blind Review #{k}", "review": prose(*ALL_PARTS),
                "rating": lookup(RATING_2020, "rating", "{s}"),
                "experience_assessment": lookup(EXPERIENCE_2020, "confidence", "{s}"),
                "review_assessment:_checking_correctness_of_derivations_and_theory":
                    const("I assessed the sensibility of the derivations and theory."),
                "review_assessment:_checking_correctness_of_experiments":
                    const("I carefully checked the experiments."),
                "review_assessment:_thoroughness_in_paper_reading": const("I read the paper thoroughly.")},
               META_V1, hashed_ids=False, line_numbers=False),
    2021: Year(1, ("2020-10-02", "2020-10-27", "2020-11-19", "2020-12-20", "2021-01-12"),
               frozenset(RATING_2021), SAME,
               {"title": lambda r, _k: VERDICT[r["rating"]].split(";")[0].rstrip("."),
                "review": prose(*ALL_PARTS), "rating": lookup(RATING_2021, "rating"),
                "confidence": lookup(CONFIDENCE_2021, "confidence")},
               META_V1, hashed_ids=False, line_numbers=False),
    2022: Year(1, ("2021-10-06", "2021-11-01", "2021-11-20", "2021-12-20", "2022-01-24"), SCALE_2022, SAME,
               {"summary_of_the_paper": part("summary"),
                "main_review": prose("strengths", "weaknesses", "questions"),
                "summary_of_the_review": lookup(VERDICT, "rating", "{s}"), **SCORES_2022},
               META_V1, hashed_ids=True, line_numbers=True),
    2023: Year(1, ("2022-09-22", "2022-11-02", "2022-11-16", "2022-12-18", "2023-01-21"), SCALE_2022,
               {"Accept (Poster)": "Accept: poster", "Accept (Spotlight)": "Accept: notable-top-25%",
                "Accept (Oral)": "Accept: notable-top-5%", "Reject": "Reject"},
               {"summary_of_the_paper": part("summary"),
                "strength_and_weaknesses": prose("strengths", "weaknesses"),
                "clarity,_quality,_novelty_and_reproducibility": part("questions"),
                "summary_of_the_review": lookup(VERDICT, "rating", "{s}"), **SCORES_2022},
               META_2023, hashed_ids=True, line_numbers=True),
    **{year: Year(2, dates, SCALE_2022, {k: v.capitalize() for k, v in SAME.items()},
                  review_v2(as_int=year >= 2025), META_V2, hashed_ids=True, line_numbers=False)
       for year, dates in ((2024, ("2023-09-22", "2023-10-30", "2023-11-18", "2023-12-15", "2024-01-16")),
                           (2025, ("2024-09-27", "2024-11-01", "2024-11-24", "2024-12-20", "2025-01-22")))},
}


def epoch_ms(day: str, offset_s: int) -> int:
    """Milliseconds since the epoch at UTC midnight of `day` plus `offset_s` seconds."""
    return (int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) + offset_s) * 1000


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"  # OpenReview id characters


def token(seed: str, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz") -> str:
    """Deterministic `n`-character id over `alphabet` derived from `seed`."""
    num = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return "".join(alphabet[num // len(alphabet) ** i % len(alphabet)] for i in range(n))


def bibtex(p: Json, year: int, api: int, accepted: bool) -> str:
    """The `_bibtex` OpenReview generates for an anonymous submission."""
    key = "anonymous{}{}".format(year, re.findall(r"[a-z]+", p["title"].lower())[0])
    head = f"{key},\ntitle={{{p['title']}}},\nauthor={{Anonymous}},\n"
    url = f"url={{https://openreview.net/forum?id={p['forum']}}}"
    if api == 1:
        book = "booktitle={Submitted to International Conference on Learning Representations}"
        return f"@inproceedings{{\n{head}{book},\nyear={{{year}}},\n{url},\nnote={{under review}}\n}}"
    if accepted:
        return f"@inproceedings{{\n{head}booktitle={{{PROCEEDINGS[year]}}},\nyear={{{year}}},\n{url}\n}}"
    return f"@misc{{\n{head}year={{{year}}},\n{url}\n}}"


def replies(p: Json, spec: Year, paper: str, decision: str) -> list[tuple[str, str, Json, str]]:
    """(invitation, signature, content, day) of every reply, in posting order."""
    fid, accepted = p["forum"], decision.startswith("Accept")
    out = []
    for k, r in enumerate(p["reviews"], start=1):
        sig = f"Reviewer_{token(f'{fid}/r{k}', 4)}" if spec.hashed_ids else f"AnonReviewer{k}"
        out.append(("Official_Review", f"{paper}/{sig}", {f: fn(r, k) for f, fn in spec.review.items()},
                    spec.dates[1]))
    title = {"title": "Response to reviewers"} if spec.api == 1 else {}
    response = title | {"comment": p["author_response"]}
    out.append(("Official_Comment", f"{paper}/Authors", response, spec.dates[2]))
    ac = f"Area_Chair_{token(f'{fid}/ac', 4)}" if spec.hashed_ids else "Area_Chair1"
    out.append(("Meta_Review", f"{paper}/{ac}", {f: fn(p, decision) for f, fn in spec.meta.items()},
                spec.dates[3]))
    venue = paper.rsplit("/", 1)[0]
    decided = {"title": "Paper Decision", "decision": decision, "comment": AC_TEXT[accepted][0]}
    out.append(("Decision", f"{venue}/Program_Chairs", decided, spec.dates[4]))
    return out


def reply_note(api: int, paper: str, fid: str, i: int, reply: tuple[str, str, Json, str], ms: int) -> Json:
    """The `i`-th reply to forum `fid`, as it appears in `details` of an API v1 or v2 note."""
    kind, sig, content, _day = reply
    venue, rid = paper.rsplit("/", 1)[0], token(f"{fid}/{i}", 10, ALPHABET)
    if api == 1:
        return {"id": rid, "original": None, "number": i, "cdate": ms, "mdate": None, "tcdate": ms,
                "tmdate": ms, "ddate": None, "forum": fid, "replyto": fid, "invitation": f"{paper}/-/{kind}",
                "content": content, "signatures": [sig], "readers": ["everyone"], "nonreaders": [],
                "writers": [venue, sig]}
    return {"id": rid, "forum": fid, "replyto": fid, "number": i, "cdate": ms, "mdate": ms, "tcdate": ms,
            "tmdate": ms, "domain": venue, "invitations": [f"{paper}/-/{kind}", f"{venue}/-/Edit"],
            "content": {k: {"value": v} for k, v in content.items()}, "signatures": [sig],
            "readers": ["everyone"], "writers": [venue, sig], "nonreaders": []}



def build_note(p: Json) -> Json:
    """One submission with its replies, shaped as openreview-py returns it for the paper's year."""
    venue, n, fid = p["venue"], p["number"], p["forum"]
    year = int(venue.split("/")[1])
    spec = YEARS[year]
    bad = [(r["rating"], r["confidence"]) for r in p["reviews"]
           if r["rating"] not in spec.ratings or r["confidence"] not in range(1, 6)]
    if bad:
        raise ValueError(f"{fid}: (rating, confidence) off the ICLR {year} scale: {bad}")
    decision = spec.decisions[p["decision"]]
    accepted = decision.startswith("Accept")
    paper = f"{venue}/{'Paper' if spec.api == 1 else 'Submission'}{n}"
    created = epoch_ms(spec.dates[0], 37 * n)
    pdf = "/pdf/{}.pdf".format(hashlib.sha1(f"{fid}/{p['title']}".encode()).hexdigest())
    notes = [reply_note(spec.api, paper, fid, i, r, epoch_ms(r[3], 37 * n + 3600 * i))
             for i, r in enumerate(replies(p, spec, paper, decision), start=1)]
    bib = bibtex(p, year, spec.api, accepted)
    if spec.api == 1:
        content = {"title": p["title"], "authors": ["Anonymous"], "authorids": [f"{paper}/Authors"],
                   "keywords": p["keywords"], "TL;DR": p["tldr"], "abstract": p["abstract"], "pdf": pdf,
                   "paperhash": "anonymous|" + "_".join(re.findall(r"[a-z0-9]+", p["title"].lower())),
                   "_bibtex": bib}
        return {"id": fid, "original": None, "cdate": created, "pdate": None, "odate": None, "mdate": None,
                "tcdate": created, "tmdate": created, "ddate": None, "number": n, "content": content,
                "forum": fid, "referent": None, "invitation": f"{venue}/-/Blind_Submission", "replyto": None,
                "readers": ["everyone"], "nonreaders": [], "signatures": [venue], "writers": [venue],
                "details": {"directReplies": notes}}
    topic = " ".join([p["title"], *p["keywords"]]).lower()
    tier = decision.split("(")[-1].rstrip(")")
    content = {"title": p["title"], "authors": ["Anonymous"], "keywords": p["keywords"], "TLDR": p["tldr"],
               "abstract": p["abstract"],
               "primary_area": next((a for kw, a in PRIMARY_AREAS if kw in topic), DEFAULT_AREA),
               "venue": f"ICLR {year} {tier}" if accepted else f"Submitted to ICLR {year}",
               "venueid": venue if accepted else f"{venue}/Rejected_Submission", "pdf": pdf, "_bibtex": bib}
    decided = epoch_ms(spec.dates[4], 37 * n)
    return {"id": fid, "forum": fid, "number": n, "cdate": created, "mdate": decided, "tcdate": created,
            "tmdate": decided, "odate": epoch_ms(spec.dates[0], 37 * n + 10 * 86400),
            "pdate": decided if accepted else None, "domain": venue,
            "invitations": [f"{venue}/-/Submission", f"{venue}/-/Post_Submission", f"{venue}/-/Edit"],
            "content": {k: {"value": v} for k, v in content.items()}, "signatures": [f"{paper}/Authors"],
            "readers": ["everyone"], "writers": [venue, f"{paper}/Authors"], "details": {"replies": notes}}


# ---- PDF ---------------------------------------------------------------------------------------------
PDF_DATE = datetime(2024, 1, 1, tzinfo=UTC)
TO_ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "--", "…": "...",
                          "−": "-", "≤": "<=", "≥": ">=", "≈": "~", "→": "->", "×": "x", "\u00a0": " "})


def latin1(text: str) -> str:
    """Typographic characters as ASCII, anything else outside latin-1 as `?` (core PDF fonts)."""
    return text.translate(TO_ASCII).encode("latin-1", "replace").decode("latin-1")


class PaperPDF(FPDF):
    """Single-column ICLR-like pages with a running header, page numbers and optional line numbers."""

    def __init__(self, header_text: str, line_numbers: bool) -> None:
        super().__init__(format="letter", unit="pt")
        self.header_text, self.line_numbers, self.line_no = header_text, line_numbers, 0
        self.set_margins(108, 72, 108)
        self.set_auto_page_break(False)
        self.set_creation_date(PDF_DATE)
        self.add_page()

    def header(self) -> None:
        """Running header, as in the ICLR template."""
        self.set_font("Times", "", 9)
        self.text(self.l_margin, 50, self.header_text)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """Centred page number."""
        self.set_font("Times", "", 9)
        self.text(self.w / 2 - 3, self.h - 40, str(self.page_no()))

    def lines(self, text: str, font: tuple[str, str, float], align: str = "L", indent: float = 0) -> None:
        """Wrap `text` and emit it line by line, breaking pages and numbering lines where asked."""
        self.set_font(*font)
        height, width = font[2] * 1.25, self.epw - 2 * indent
        for line in self.multi_cell(width, height, latin1(text), dry_run=True, output="LINES"):
            if self.get_y() + height > self.h - self.b_margin:
                self.add_page()
            if self.line_numbers:
                self.set_font("Helvetica", "", 6)
                self.set_text_color(140)
                self.text(self.l_margin - 36, self.get_y() + 0.75 * height, f"{self.line_no:03d}")
                self.set_text_color(0)
                self.set_font(*font)
                self.line_no += 1
            self.set_x(self.l_margin + indent)
            self.cell(width, height, line, align=align, new_x="LMARGIN", new_y="NEXT")

    def gap(self, points: float) -> None:
        """Vertical space."""
        self.set_y(self.get_y() + points)


def render_pdf(p: Json, year: int) -> bytes:
    """A small paper: title, anonymous authors, abstract, numbered sections, references."""
    pdf = PaperPDF(f"Under review as a conference paper at ICLR {year}", YEARS[year].line_numbers)
    pdf.set_title(latin1(p["title"]))
    pdf.lines(p["title"], ("Times", "B", 16), align="C")
    pdf.gap(10)
    pdf.lines("Anonymous authors\nPaper under double-blind review", ("Times", "I", 10), align="C")
    pdf.gap(14)
    pdf.lines("Abstract", ("Times", "B", 12), align="C")
    pdf.lines(p["abstract"], ("Times", "", 10), indent=36)
    for i, section in enumerate(p["sections"], start=1):
        pdf.gap(12)
        pdf.lines(f"{i}  {section['heading'].upper()}", ("Times", "B", 12))
        for paragraph in section["text"].split("\n\n"):
            pdf.gap(4)
            pdf.lines(paragraph, ("Times", "", 10))
    pdf.gap(12)
    pdf.lines("REFERENCES", ("Times", "B", 12))
    for ref in p["references"]:
        pdf.gap(3)
        pdf.lines(ref, ("Times", "", 9))
    return bytes(pdf.output())


# ---- Output ------------------------------------------------------------------------------------------
README = """# Sample data (synthetic)

Everything under this folder is **synthetic**: fictional papers and reviews written by this project
for tests and demos. None of it is real OpenReview content, and the papers have no real authors.

It is shaped like a crawl: per venue, `<venue slug>/notes.jsonl` (one submission per line with its
replies under `details`, as openreview-py returns ICLR notes: API v1 for 2020-2023, API v2 for
2024-2025) and `<venue slug>/pdfs/<forum>.pdf` (2022 and 2023 PDFs carry under-review margin line
numbers, as the real ones do).

Source: `data/sample_source/v1.json` and `v2.json` (format in `data/sample_source/SCHEMA.md`).
Regenerate, byte-identically:

    python -m preprocess.make_sample --source data/sample_source --out data/sample
"""


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def load_papers(source: Path) -> list[Json]:
    """Papers of `v1.json` and `v2.json`; a missing file is skipped with a warning."""
    papers: list[Json] = []
    for name in ("v1.json", "v2.json"):
        if not (source / name).exists():
            log.warning("%s not found; rendering without it", source / name)
            continue
        papers += json.loads((source / name).read_text(encoding="utf-8"))["papers"]
    forums = [p["forum"] for p in papers]
    if len(set(forums)) != len(forums) or not all(re.fullmatch(r"[A-Za-z0-9_-]{10}", f) for f in forums):
        raise ValueError("forum ids must be unique strings of 10 characters [A-Za-z0-9_-]")
    return papers


def render(source: Path, out: Path) -> dict[str, int]:
    """Render every paper under `out`; returns the number of submissions per venue slug."""
    by_venue: dict[str, list[Json]] = defaultdict(list)
    for p in load_papers(source):
        by_venue[p["venue"]].append(p)
    counts = {}
    for venue, papers in sorted(by_venue.items()):
        slug, year = venue_slug(venue), int(venue.split("/")[1])
        notes = [build_note(p) for p in sorted(papers, key=lambda p: p["number"])]
        lines = "".join(json.dumps(note, ensure_ascii=False) + "\n" for note in notes)
        write_bytes(out / slug / "notes.jsonl", lines.encode("utf-8"))
        for p in papers:
            write_bytes(out / slug / "pdfs" / f"{p['forum']}.pdf", render_pdf(p, year))
        counts[slug] = len(papers)
    write_bytes(out / "README.md", README.encode("utf-8"))
    return counts


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Render data/sample_source into crawl-shaped data/sample.")
    parser.add_argument("--source", type=Path, default=Path("data/sample_source"))
    parser.add_argument("--out", type=Path, default=Path("data/sample"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for slug, count in render(args.source, args.out).items():
        log.info("%s: %d submissions", slug, count)


if __name__ == "__main__":
    main()
