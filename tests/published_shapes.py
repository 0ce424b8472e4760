"""Files in the exact layouts public review datasets were published in, with text written for this project.

Where each layout was read (none of the files below copies third-party text; the reviews and papers of these
datasets are their authors' words under licences that do not clearly allow a copy):
- DeepReview-13K evaluation sample: `evaluate/DeepReview/sample.json` of the DeepReview authors' code, as vendored
  in yuezhang23/Researcher-DeepReview (3 papers, 11 reviews; CycleResearcher licence): a JSON list of `{"id",
  "title", "paper_context", "decision", "review", "pred_fast_mode", "pred_standard_mode", "pred_best_mode"}`,
  the paper in LaTeX (`\\title{}`, `\\begin{abstract}`, `\\section{}`, `\\def` table macros, figures), each review
  `{"id", "rating": 6, "content": {"summary", "soundness": "3 good", ..., "rating": "6: marginally above the
  acceptance threshold", "confidence": "4: ...", "code_of_conduct", "weakness", "suggestions"}}`; one paper's
  `\\section{\\textbf{COMM}` leaves its brace open, as here.
- DeepReview-13K published rows: the columns a public script reads from `load_dataset("WestlakeNLP/DeepReview-13K")`
  (`id`, `inputs` as JSON text whose user message holds the LaTeX, `rating` as JSON text, `reviewer_comments` as
  JSON text of the nested entries, `decision`), plus `outputs`; CSV, as the dataset card lists.
- PeerRead ACL 2017 / CoNLL 2016: allenai/PeerRead `data/acl_2017/dev/reviews/37.json`,
  `data/acl_2017/dev/parsed_pdfs/37.pdf.json` and `data/conll_2016/dev/reviews/25.json`: key order, string scores
  ("4"), `is_meta_review: null`, aspect scores, no `accepted`; science-parse sections with margin line numbers
  ("1 000\\n011\\n...", a `heading: null` first section of numbers only, page numbers and runs inside sections).
- ReviewMT: chengtan9907/ReviewMT `src/module.py` `make_iclr` (written to `ICLR<year>_datasets.json` by
  `src/iclr_make.py`) and `make_nature` (history "", every review in `output`).
- Reviewer2 PGE: GitBag/Reviewer2_PGE_cleaned's card (Apache-2.0): columns `venue`, `paper_content`, `prompt`,
  `format`, `review`, one row per review; `paper_content` laid out as ZhaolinGao/Reviewer2 `demo.py` builds it
  ("Title\\n{title}\\nAbstract\\n{abstract}\\n{heading}\\n{text}..."); the `venue` value's spelling is assumed.
"""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path
from typing import Any

from genuine_shapes import Text
from source_shapes import body, write_scienceparse

from preprocess.core.jsonl import write_json

CONFIDENCE = "4: You are confident in your assessment, but not absolutely certain."
CONFIDENCES = {8: CONFIDENCE, 6: CONFIDENCE, 5: "3: You are fairly confident in your assessment.",
               3: "5: You are absolutely certain about your assessment."}
RATINGS = {8: "8: accept, good paper", 6: "6: marginally above the acceptance threshold",
           5: "5: marginally below the acceptance threshold", 3: "3: reject, not good enough"}


def latex_paper(title: str, topic: str, broken: bool = False) -> str:
    """A LaTeX body in DeepReview-13K's shape: title, abstract environment, a `\\def` table macro, sections with a
    figure, itemize and an equation, an appendix and the bibliography; `broken` leaves one heading's brace open."""
    heading = r"\section{\textbf{" + topic.title() + "}\n\n" if broken else r"\section{Method}" + "\n\n"
    return (rf"\title{{{title}}}" + "\n\n\\begin{abstract}\n\nWe introduce " + topic + r" \eg, for routing."
            + "\n\n\\end{abstract}\n\n\\section{Introduction}\n\n\n\\def\\tabchoice#1{\n\\begin{table*}[#1]\n"
            + "\\begin{tabular}{l|cc}\nModel & A & B \\\\\n\\end{tabular}\n\\caption{Design choices.}\n"
            + "\\end{table*}}\n\n\\begin{figure*}[t]\n\\includegraphics[width=\\linewidth]{figs/teaser.pdf}\n"
            + "\\caption{\\textbf{Overview of " + topic + ".} The pipeline in two stages.}\n\\label{fig:teaser}\n"
            + "\\end{figure*}\n\n" + body(topic) + r"~\citep{writer2015prior}." + "\n\n\\begin{itemize}\n"
            + "    \\item We study " + topic + ".\n    \\item We release code.\n\\end{itemize}\n\n"
            + heading + body(topic + " method") + "\n\\begin{equation}\n y = f(x) + \\epsilon\n\\end{equation}\n\n"
            + "\\subsection{Training}\n\n" + body(topic + " training", 60) + "\n\n\\section{Conclusion}\n\n"
            + body(topic + " summary", 40) + "\n\n\\appendix\n\n\\section{Proofs}\n\nThe proof is direct.\n\n"
            + "\\bibliography{iclr2024_conference}\n")


def nested_review(rid: str, x: Text, rating: int) -> dict[str, Any]:
    return {"id": rid, "rating": rating, "content": {
        "summary": x.summary, "soundness": "3 good", "presentation": "2 fair", "contribution": "3 good",
        "strengths": x.strengths, "weaknesses": x.weaknesses, "questions": x.questions,
        "flag_for_ethics_review": ["No ethics review needed."], "rating": RATINGS[rating],
        "confidence": CONFIDENCES[rating], "code_of_conduct": "Yes", "weakness": " " + x.weaknesses,
        "suggestions": "A summary written by a model."}}


def deepreview_sample(root: Path, papers: list[tuple[str, str, str, list[int]]]) -> Path:
    """`evaluate/DeepReview/sample.json` for (id, title, decision, ratings); the first paper's LaTeX is broken."""
    rows = []
    for n, (pid, title, decision, ratings) in enumerate(papers):
        reviews = [nested_review(f"{pid}r{i}", Text(f"{title.lower()} {i}", "vision"), r)
                   for i, r in enumerate(ratings)]
        rows.append({"id": pid, "title": title, "paper_context": latex_paper(title, title.lower(), broken=n == 0),
                     "decision": decision, "review": reviews, "pred_fast_mode": "\\boxed_review{\n## Summary:\n...}",
                     "pred_standard_mode": "\\boxed_simreviewers{...}", "pred_best_mode": {"step1_output": "..."}})
    write_json(root / "evaluate" / "DeepReview" / "sample.json", rows)
    return root / "evaluate" / "DeepReview" / "sample.json"


def deepreview_rows(root: Path, papers: list[tuple[str, str, str, list[int]]]) -> Path:
    """`train.csv`: one row per paper and mode (fast, standard), the paper in the user message as LaTeX."""
    rows = []
    for mode in ("fast", "standard"):
        for pid, title, decision, ratings in papers:
            comments = [nested_review(f"{pid}r{i}", Text(f"{title.lower()} {i}", "speech"), r)
                        for i, r in enumerate(ratings)]
            inputs = [{"role": "system", "content": f"You are an expert reviewer. Use {mode} mode."},
                      {"role": "user", "content": latex_paper(title, title.lower())}]
            rows.append({"id": pid, "inputs": json.dumps(inputs), "outputs": "\\boxed_review{...}",
                         "rating": json.dumps(ratings), "reviewer_comments": json.dumps(comments),
                         "decision": decision})
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "train.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root / "train.csv"


def typed(words: str) -> str:
    """Text as typed into ACL's 80-column review box: a newline inside nearly every sentence."""
    return "\n".join(textwrap.wrap(words, 79))


def margin_numbers(first: int, last: int) -> str:
    return "\n".join(f"{i:03d}" for i in range(first, last + 1))


def peerread_section(root: Path, section: str, papers: list[tuple[str, str, list[str]]]) -> Path:
    """`data/<acl_2017|conll_2016>/train/{reviews,parsed_pdfs}/` for (id, title, recommendations)."""
    split = root / "data" / section / "train"
    for pid, title, recommendations in papers:
        texts = [Text(title.lower() if n == 0 else f"{title.lower()} {n}", "parsing")
                 for n in range(len(recommendations))]
        reviews = [{"IMPACT": "3", "SUBSTANCE": "4", "APPROPRIATENESS": "5", "MEANINGFUL_COMPARISON": "5",
                    "PRESENTATION_FORMAT": "Poster",
                    "comments": f"- Strengths:\n\n{typed(x.strengths)}\n\n- Weaknesses:\n\n{typed(x.weaknesses)}\n\n"
                                f"- General Discussion:\n\n{typed(f'{x.summary} {x.questions} ({n})')}",
                    "SOUNDNESS_CORRECTNESS": "5", "ORIGINALITY": "3", "is_meta_review": None,
                    "RECOMMENDATION": rec, "CLARITY": "4", "REVIEWER_CONFIDENCE": "2"}
                   for n, (rec, x) in enumerate(zip(recommendations, texts, strict=True))]
        doc = ({"reviews": reviews, "abstract": f"We study {title.lower()}.", "histories": [], "id": int(pid),
                "title": title} if section == "acl_2017" else
               {"title": title, "abstract": f"We study {title.lower()}.", "id": pid, "reviews": reviews})
        (split / "reviews").mkdir(parents=True, exist_ok=True)
        (split / "reviews" / f"{pid}.json").write_text(json.dumps(doc) + "\n", encoding="utf-8")
        sections = [{"heading": None, "text": "1 000\n" + margin_numbers(11, 49) + "\n" + margin_numbers(71, 99)},
                    {"heading": "1 Introduction", "text": body(title) + " Second,\n2\n" + margin_numbers(101, 199)
                     + "\nthe method " + body(title + " again", 40)},
                    {"heading": "2 Related Work", "text": body(title + " related", 60)}]
        write_scienceparse(split / "parsed_pdfs" / f"{pid}.pdf.json", {"name": f"{pid}.pdf", "metadata": {
            "source": "CRF", "title": title, "authors": [], "emails": [], "sections": sections, "references": [],
            "referenceMentions": [], "year": 2017, "abstractText": f"We study {title.lower()}.", "creator": "LaTeX"}})
    return root


def _iclr_history(n: int, x: Text, rating: int) -> list[list[str]]:
    style = "Tolerent" if rating > 5 else "Strict"
    return [[f"Role: Reviewer {n}. Style: {style}. Task: Provide a critical review based on the paper provided, "
             "including a summary, strengths, weaknesses, and any questions you have. Please provide your review of "
             "'the paper'", f"Summary: {x.summary} Strengths and Weaknesses: {x.strengths}\n{x.weaknesses}"],
            [f"Role: Author. Task: Respond to Reviewer {n}'s comments by clarifying the mentioned weaknesses and "
             f"answering the posed questions. Summarize the Reviewer {n}'s comment above and provide a response "
             "accordingly.", "We thank the reviewer and added the baselines.\n"],
            [f"Role: Reviewer {n}. Style: {style}. Task: Based on the author's response, provide a final score from "
             "1 to 10 and a confidence from 1 to 5.",
             f"Reviewer {n} does't have any response to the Author. Score: {RATINGS[rating]} Confidence: {CONFIDENCE}"]]


def reviewmt(root: Path, year: int, papers: list[tuple[str, str]], nature: list[tuple[str, str]]) -> Path:
    """`ICLR<year>_datasets.json` (make_iclr) and `nature_datasets.json` (make_nature) under `root`."""
    instruction = ("Role: Decision Maker. Task: Review all responses from the author and comments from all reviewers "
                   "to provide the meta-review and determine the final decision. Explicitly state 'Accept' or "
                   "'Reject' at the end of your output.")
    iclr = []
    for title, decision in papers:
        history = [t for n, r in ((1, 6), (2, 3)) for t in _iclr_history(n, Text(f"{title.lower()} {n}", "ocr"), r)]
        iclr.append({"instruction": instruction, "input": f"Title: {title} Abstract: We study {title.lower()} "
                     f"Main Text: ## 1 Introduction\n\n{body(title)}\n\n## 2 Method\n\n{body(title + ' m')}",
                     "output": f"The reviewers found {title.lower()} useful. Final decision: {decision}",
                     "system": "", "history": history})
    write_json(root / f"ICLR{year}_datasets.json", iclr)
    rows = [{"instruction": instruction, "input": f"Title: {title} Abstract: We study {title.lower()} Main Text: "
             f"## Results\n\n{body(title)}\n\n## Methods\n\n{body(title + ' n')}",
             "output": "".join(f"Reviewer {n} {Text(f'{title.lower()} {n}', 'cells').free}\n" for n in (1, 2))
             + f" Final decision: {decision}", "system": "", "history": ""} for title, decision in nature]
    write_json(root / "nature_datasets.json", rows)
    return root


def reviewer2_content(title: str) -> str:
    return "\n".join(["Title", title, "Abstract", f"We introduce {title.lower()}.", "1 INTRODUCTION", body(title),
                      "2 METHOD", body(title + " m"), "3 EXPERIMENTS", "N/A", "REFERENCES", "B. Writer. 2015."])


def reviewer2(root: Path, papers: list[tuple[str, str, int]]) -> Path:
    """`train.parquet`: one row per (title, venue, number of reviews) review, the card's five columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    form = "\n".join(["Summary Of The Paper", "Strengths And Weaknesses", "Questions", "Limitations"])
    rows = [{"venue": venue, "paper_content": reviewer2_content(title), "prompt": "What is the main claim?\n...",
             "format": form, "review": f"Summary Of The Paper:\n{x.summary}\nStrengths And Weaknesses:\n{x.strengths}"
                                       f"\n{x.weaknesses}\nQuestions:\n{x.questions}\nLimitations:\nNone stated."}
            for title, venue, count in papers for x in (Text(f"{title.lower()} {n}", "graphs") for n in range(count))]
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), root / "train.parquet")
    return root / "train.parquet"
