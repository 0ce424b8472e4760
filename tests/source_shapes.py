"""Files in the shapes six public review datasets publish, with text written for this project.

Where each shape comes from (the text is ours everywhere; none of these files is copied):
- PeerRead: allenai/PeerRead `data/iclr_2017/test/reviews/398.json`, `data/iclr_2017/dev/reviews/316.json` and
  `data/iclr_2017/test/parsed_pdfs/398.pdf.json`, read with the search tools: top-level keys and their order,
  every kind of `reviews` entry (IS_META_REVIEW copy, committee decision, public and author comments, official
  review with RECOMMENDATION / REVIEWER_CONFIDENCE, empty pre-review question stub), the list written twice as
  in 398.json, and science-parse's `metadata` keys in the `" : "` layout it writes. Not copied: the repository is
  Apache-2.0, but the reviews and papers are their authors' text under no stated licence (the README says
  licensing kept some sections out), so a copy is not clearly allowed.
- ASAP-Review: neulab/ReviewAdvisor `data/README.md` (per paper: metadata with conference / decision / url /
  title / authors, science-parse content, reviews with meta-review; its example parse `extractor/paper.json`);
  the review file's key names (`reviews[{review, rating, confidence}]`, `metaReview`) and the
  `<VENUE>_<YEAR>_{paper,content,review}/` layout are from the dataset's own README as we know it, not re-read.
- SEA: the SEA data card's four kinds of files per venue (`paper_nougat_mmd`, `review_json`, ...) and the
  `review_json` keys (Decision, Meta Review, Summary ... Rating) as a public summary lists them; how per-review
  entries nest is not documented there, so they sit in a list here.
- ReviewMT: chengtan9907/ReviewMT's older `src/convert.py` (commits before 586e27b: "Title: {title}. Abstract:",
  "You are Reviewer N" turns, "Score: 6. Confidence: 4.") and `datasets/dataset_info.json` (alpaca with `system`
  and `history`); the current `src/module.py` layout is in `tests/published_shapes.py`.
- Reviewer2 PGE: a `sections[{heading, text}]` variant with review and metadata JSON (assumed keys); the
  published cleaned columns (`venue, paper_content, prompt, format, review`) are in `tests/published_shapes.py`.
- DeepReview-13K: flat review fields in parquet rows (a CSV-export variant); its published nested rows and its
  evaluation sample are in `tests/published_shapes.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genuine_shapes import Text

from preprocess.core.jsonl import write_json, write_jsonl


def body(topic: str, words: int = 90) -> str:
    """A paragraph of our own about `topic`, about `words` words long."""
    base = (f"We study {topic} in a controlled setting and report how it behaves as the budget grows. The method "
            f"keeps a small state per example and updates it with a cheap rule, which makes {topic} easy to scale. ")
    return " ".join((base * (words // len(base.split()) + 1)).split()[:words])


def sections(topic: str) -> list[dict[str, Any]]:
    return [{"heading": "1 INTRODUCTION", "text": body(topic)}, {"heading": "2 METHOD", "text": body(topic + " x")}]


def science_parse(name: str, title: str, topic: str) -> dict[str, Any]:
    return {"name": name, "metadata": {
        "source": "CRF", "title": title.upper(), "authors": ["Ada Author"], "emails": ["ada@example.org"],
        "sections": sections(topic),
        "references": [{"title": "A prior study", "author": ["B. Writer"], "venue": "arXiv preprint,",
                        "citeRegEx": "Writer.,? \\Q2015\\E", "shortCiteRegEx": "Writer.", "year": 2015}],
        "referenceMentions": [{"referenceID": 0, "context": f"As in Writer (2015), {topic} ...",
                               "startOffset": 6, "endOffset": 19}],
        "year": 2017, "abstractText": f"We introduce {topic}.", "creator": "LaTeX with hyperref package"}}


def write_scienceparse(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, separators=(",", " : ")), encoding="utf-8")  # science-parse's layout


def peerread_entries(x: Text, rating: int) -> list[dict[str, Any]]:
    official = {"OTHER_KEYS": "ICLR 2017 conference AnonReviewer1", "TITLE": "Nice investigation",
                "comments": x.free, "ORIGINALITY": 5, "IS_ANNOTATED": True, "IS_META_REVIEW": False,
                "RECOMMENDATION": rating, "DATE": "20 Dec 2016", "REVIEWER_CONFIDENCE": 3}
    second = {"IMPACT": 4, "OTHER_KEYS": "ICLR 2017 conference AnonReviewer3", "TITLE": "interesting start",
              "comments": f"{x.weaknesses} {x.questions} {x.strengths}", "SOUNDNESS_CORRECTNESS": 4, "ORIGINALITY": 3,
              "IS_ANNOTATED": True, "IS_META_REVIEW": False, "RECOMMENDATION": 7, "DATE": "18 Dec 2016",
              "REVIEWER_CONFIDENCE": 4}
    entries = [
        {"IS_META_REVIEW": True, "comments": x.free},
        {"DATE": "06 Feb 2017", "TITLE": "ICLR committee final decision", "IS_META_REVIEW": False,
         "comments": x.verdict, "OTHER_KEYS": "ICLR 2017 pcs"},
        {"DATE": "31 Dec 2016", "TITLE": "Questions", "IS_META_REVIEW": False, "comments": x.questions,
         "OTHER_KEYS": "A Reader"},
        official, second,
        {"DATE": "16 Dec 2016", "TITLE": "Authors\u2019 comment: Conclusion added", "IS_META_REVIEW": False,
         "comments": "We added a short conclusion.", "OTHER_KEYS": "An Author"},
        {"TITLE": "Pre-review questions", "OTHER_KEYS": "ICLR 2017 conference AnonReviewer1", "comments": "",
         "ORIGINALITY": 5, "IS_ANNOTATED": True, "IS_META_REVIEW": False, "DATE": "10 Dec 2016"},
    ]
    return entries + entries  # 398.json lists its entries twice


def peerread(root: Path, papers: list[tuple[str, str, bool]]) -> Path:
    """`data/iclr_2017/train/{reviews,parsed_pdfs}/` for (id, title, accepted) triples; returns `root`."""
    for pid, title, accepted in papers:
        x = Text(title.lower(), "language modelling")
        split = root / "data" / "iclr_2017" / "train"
        doc = {"conference": "ICLR 2017 conference submission", "title": title, "abstract": f"We study {title}.",
               "histories": [], "reviews": peerread_entries(x, 8 if accepted else 4), "authors": "Ada Author",
               "accepted": accepted, "id": pid}
        (split / "reviews").mkdir(parents=True, exist_ok=True)
        (split / "reviews" / f"{pid}.json").write_text(json.dumps(doc), encoding="utf-8")
        write_scienceparse(split / "parsed_pdfs" / f"{pid}.pdf.json", science_parse(f"{pid}.pdf", title, title))
    return root


def asap(root: Path, papers: list[tuple[str, str, str]]) -> Path:
    """`ICLR_2018/ICLR_2018_{paper,content,review}/` for (number, title, decision) triples; returns `root`."""
    venue = root / "ICLR_2018"
    for number, title, decision in papers:
        stem, x = f"ICLR_2018_{number}", Text(title.lower(), "graph benchmarks")
        write_json(venue / "ICLR_2018_paper" / f"{stem}_paper.json", {
            "id": stem, "conference": "ICLR 2018", "decision": decision, "url": f"https://example.org/{stem}",
            "hasContent": True, "hasReview": True, "title": title, "authors": ["Ada Author"]})
        write_scienceparse(venue / "ICLR_2018_content" / f"{stem}_content.json",
                           science_parse(f"{stem}.pdf", title, title))
        write_json(venue / "ICLR_2018_review" / f"{stem}_review.json", {"id": stem, "reviews": [
            {"review": x.free, "rating": "6: Marginally above acceptance threshold",
             "confidence": "4: The reviewer is confident but not absolutely certain that the evaluation is correct"},
            {"review": f"{x.weaknesses} {x.questions} {x.verdict}", "rating": "4: Ok but not good enough - rejection",
             "confidence": "3: The reviewer is fairly confident that the evaluation is correct"}],
            "metaReview": x.verdict})
    return root


def markdown_paper(title: str) -> str:
    return (f"# {title}\n\nAda Author, Some University\n\n## Abstract\n\nWe introduce {title.lower()}.\n\n"
            f"## 1 Introduction\n\n{body(title)}\n\n## 2 Method\n\n{body(title + ' y')}\n\n"
            "## References\n\n* B. Writer. A prior study. 2015.\n")


def structured(x: Text, rating: int) -> dict[str, Any]:
    return {"summary": x.summary, "strengths": x.strengths, "weaknesses": x.weaknesses, "questions": x.questions,
            "rating": rating, "soundness": 3, "presentation": 2, "contribution": 3, "confidence": 4}


def deepreview(root: Path, papers: list[tuple[str, str, str]]) -> Path:
    """`train.parquet` with one row per (id, title, decision) and mode (each paper twice); returns the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for mode in ("fast", "standard"):
        for pid, title, decision in papers:
            x = Text(title.lower(), "vision transformers")
            comments = [structured(x, 6), structured(Text(title.lower() + " b", "speech"), 3)]
            rows.append({"id": pid, "inputs": json.dumps([
                {"role": "system", "content": "You are an expert reviewer."},
                {"role": "user", "content": markdown_paper(title)}]),
                "outputs": f"\\boxed_review{{{x.summary}}}", "reviewer_comments": json.dumps(comments),
                "rating": 4.5, "decision": decision, "mode": mode})
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), root / "train.parquet")
    return root / "train.parquet"


def sea(root: Path, papers: list[tuple[str, str, str]]) -> Path:
    """`ICLR_2024/{paper_nougat_mmd,review_json}/<id>.*` for (id, title, decision); returns `root`."""
    venue = root / "ICLR_2024"
    for pid, title, decision in papers:
        x = Text(title.lower(), "robotics")
        (venue / "paper_nougat_mmd").mkdir(parents=True, exist_ok=True)
        (venue / "paper_nougat_mmd" / f"{pid}.mmd").write_text(markdown_paper(title), encoding="utf-8")
        write_json(venue / "review_json" / f"{pid}.json", {
            "Decision": decision, "Meta Review": x.verdict,
            "Reviews": [{k.capitalize(): v for k, v in structured(x, 8).items()},
                        {k.capitalize(): v for k, v in structured(Text(title.lower() + " c", "audio"), 5).items()}]})
    return root


def reviewmt(root: Path, papers: list[tuple[str, str]]) -> Path:
    """`reviewmt_train/00.json`, rows as `src/convert.py` writes them; returns the folder."""
    rows = []
    for title, decision in papers:
        x, history = Text(title.lower(), "protein design"), []
        for n, rating in ((1, 6), (2, 3)):
            style = "Neutral" if rating > 3 else "Harsh"
            history += [[f"You are Reviewer {n}, and your review style is {style}. Please provide a review based on "
                         "the paper provided, including a summary, strengths, weaknesses, and any questions you have.",
                         f"Summary: {x.summary}. Strengths and Weaknesses: {x.strengths}. {x.weaknesses}. "
                         f"Questions: {x.questions}."],
                        [f"You are the authors. Please respond to Reviewer {n}'s comments by clarifying the mentioned "
                         "weaknesses and answering the posed questions.", "We thank the reviewer."],
                        [f"You are Reviewer {n}, and your review style is {style}. Based on the author's response, "
                         "please provide a final score from 1 to 10 and a confidence from 1 to 5.",
                         f"Reviewer{n} doesn't have more comment. Score: {rating}. Confidence: 4."]]
            x = Text(title.lower() + " d", "chemistry")
        rows.append({"instruction": "You are a decision maker. Please review all responses ...",
                     "input": f"Title: {title}. Abstract: We introduce {title.lower()}. Main Text: "
                              f"{body(title)}\n\n{body(title + ' z')}",
                     "output": f"The reviewers agree the idea is useful.. Final decision: {decision}.",
                     "system": "", "history": history})
    write_json(root / "reviewmt_train" / "00.json", rows)
    return root / "reviewmt_train"


def reviewer2(root: Path, papers: list[tuple[str, str, str]]) -> Path:
    """`pge.jsonl`, one row per (id, title, decision); returns the file."""
    rows = []
    for pid, title, decision in papers:
        x = Text(title.lower(), "time series")
        rows.append({"id": pid, "title": title, "abstract": f"We introduce {title.lower()}.",
                     "sections": sections(title), "review": [x.free, f"{x.weaknesses} {x.questions} {x.verdict}"],
                     "metadata": {"title": title, "decision": decision, "venue": "NeurIPS", "year": 2021}})
    write_jsonl(root / "pge.jsonl", rows)
    return root / "pge.jsonl"
