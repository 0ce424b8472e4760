"""Each public-dataset importer on rows of its publisher's shape (`tests/source_shapes.py` names where each shape
comes from; the text is ours), plus the failure paths: a bad row is skipped with `file:line`, never the batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import source_shapes as shapes

from preprocess.dataset.funnel import Funnel
from preprocess.dataset.imports import drop_cross_source_duplicates
from preprocess.dataset.split import Split, SplitItem, straddling
from preprocess.sources.common import markdown_sections
from preprocess.sources.registry import SOURCES, parse_specs, read_source


def read(fmt: str, path: Path):
    return read_source(parse_specs([f"{fmt}:{path}"])[0])


def test_peerread_iclr_2017_shape(tmp_path):
    got = read("peerread", shapes.peerread(tmp_path, [("398", "A recurrent net without chaos", True),
                                                      ("400", "Sparse routing for experts", False)]))
    assert [p.forum for p in got.papers] == ["peerread-iclr_2017-398", "peerread-iclr_2017-400"]
    first = got.papers[0]
    assert (first.venue, first.year, first.decision, first.api) == ("ICLR.cc/2017/conference", 2017, "accepted",
                                                                     "import:peerread")
    assert got.papers[1].decision == "rejected"
    # two official reviews, read once although the file lists every entry twice; the IS_META_REVIEW copy, the
    # pre-review stub, public and author comments are not reviews; the committee's note is the meta-review
    assert [(r.rating, r.confidence, r.signature) for r in first.reviews] == [
        (8, 3, "ICLR 2017 conference AnonReviewer1"), (7, 4, "ICLR 2017 conference AnonReviewer3")]
    assert first.meta_review.startswith("Overall a recurrent net without chaos is promising")
    assert [s.heading for s in first.sections] == ["1 INTRODUCTION", "2 METHOD"]
    assert first.reviews[0].rating_scale == tuple(range(1, 11))  # ICLR 2017's row of the venue table
    assert first.source.endswith("reviews/398.json:1")


def test_asap_review_shape(tmp_path):
    got = read("asap", shapes.asap(tmp_path, [("0001", "Graph pooling revisited", "Accept (Poster)"),
                                              ("0002", "Edge dropout", "Reject")]))
    paper = got.papers[0]
    assert (paper.forum, paper.venue, paper.decision, paper.decision_text) == (
        "asap-ICLR_2018_0001", "ICLR.cc/2018/Conference", "accepted", "Accept (Poster)")
    assert [(r.rating, r.confidence) for r in paper.reviews] == [(6, 4), (4, 3)]
    assert paper.reviews[0].raw_rating == "6: Marginally above acceptance threshold"
    assert paper.meta_review and paper.abstract == "We introduce Graph pooling revisited."
    assert got.papers[1].decision == "rejected" and len(paper.sections) == 2


def test_deepreview_parquet_rows_once_per_paper(tmp_path):
    got = read("deepreview", shapes.deepreview(tmp_path, [("abc", "Vision tokens merge", "Accept"),
                                                          ("def", "Learned optimizers", "Reject")]))
    assert got.log.rows == 4 and got.log.repeats == 2, "each paper came in two modes"
    paper = got.papers[0]
    assert (paper.forum, paper.title, paper.decision) == ("deepreview-abc", "Vision tokens merge", "accepted")
    assert paper.abstract == "We introduce vision tokens merge."
    assert [s.heading for s in paper.sections] == ["1 Introduction", "2 Method"], "title block and references out"
    review = paper.reviews[0]
    assert review.summary.startswith("The paper proposes vision tokens merge") and review.questions
    assert (review.rating, review.confidence) == (6, 4)


def test_sea_folders(tmp_path):
    got = read("sea", shapes.sea(tmp_path, [("x1", "Robot grasp priors", "Accept (poster)")]))
    (paper,) = got.papers
    assert (paper.forum, paper.venue, paper.decision) == ("sea-x1", "ICLR.cc/2024/Conference", "accepted")
    assert paper.title == "Robot grasp priors" and paper.meta_review.startswith("Overall robot grasp priors")
    assert [(r.rating, bool(r.strengths and r.weaknesses)) for r in paper.reviews] == [(8, True), (5, True)]
    assert paper.reviews[0].rating_scale == (1, 3, 5, 6, 8, 10)  # ICLR 2024's scale from the venue table


def test_sea_rows_with_review_json_as_text(tmp_path):
    row = {"id": "r9", "paper_nougat_mmd": shapes.markdown_paper("Audio codecs"),
           "review_json": json.dumps({"Decision": "Reject", "Meta Review": "Not yet.", "Summary": "x " * 50})}
    (tmp_path / "sea.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (paper,) = read("sea", tmp_path / "sea.jsonl").papers
    assert paper.decision == "rejected" and len(paper.reviews) == 1 and paper.meta_review == "Not yet."


def test_reviewmt_history_turns(tmp_path):
    got = read("reviewmt", shapes.reviewmt(tmp_path, [("Protein folding tricks", "Accept")]))
    (paper,) = got.papers
    assert (paper.title, paper.decision, paper.meta_review) == ("Protein folding tricks", "accepted",
                                                                "The reviewers agree the idea is useful")
    assert paper.abstract == "We introduce protein folding tricks"
    assert [(r.id.split("-")[-1], r.rating, r.confidence) for r in paper.reviews] == [("r1", 6, 4), ("r2", 3, 4)]
    assert paper.reviews[0].summary.startswith("The paper proposes protein folding tricks")
    assert paper.reviews[0].questions and "We thank the reviewer" not in paper.reviews[0].body()


def test_reviewer2_pge_rows(tmp_path):
    (paper, _) = read("reviewer2", shapes.reviewer2(tmp_path, [("p1", "Forecasting with state", "Accept"),
                                                               ("p2", "Anomaly scores", "Reject")])).papers
    assert (paper.forum, paper.venue, paper.year, paper.decision) == ("reviewer2-p1", "NeurIPS/2021", 2021,
                                                                      "accepted")
    assert len(paper.reviews) == 2 and [s.heading for s in paper.sections] == ["1 INTRODUCTION", "2 METHOD"]


def test_a_bad_row_is_skipped_with_its_place_not_the_batch(tmp_path):
    good = shapes.reviewer2(tmp_path, [("p1", "Forecasting with state", "Accept")])
    lines = good.read_text().splitlines()
    good.write_text("\n".join([lines[0], "{not json", json.dumps({"id": "p3", "title": "No sections"}),
                               json.dumps({"id": "p4", "sections": []})]) + "\n")
    got = read("reviewer2", good)
    assert [p.forum for p in got.papers] == ["reviewer2-p1"] and got.log.rows == 4
    skipped = sorted((s["item"], s["reason"]) for s in got.log.skipped)
    assert [item for item, _ in skipped] == [f"{good}:2", f"{good}:3: p3", f"{good}:4: p4"]
    assert [reason for _, reason in skipped][1:] == ["no `sections` list", "no title"]


def test_specs_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'openreview'; known: " + ", ".join(SOURCES)):
        parse_specs([f"openreview:{tmp_path}"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        parse_specs([f"sea:{tmp_path / 'missing'}"])
    specs = parse_specs([f"peerread:{tmp_path},ASAP-Review:{tmp_path}", f"pge:{tmp_path}"])
    assert [s.format for s in specs] == ["peerread", "asap", "reviewer2"]


def test_cross_source_duplicates_keep_the_crawl_then_the_first_source(tmp_path):
    pr = read("peerread", shapes.peerread(tmp_path / "a", [("1", "Shared Title!", True)])).papers
    asap = read("asap", shapes.asap(tmp_path / "b", [("0001", "shared  title", "Reject"),
                                                     ("0002", "Only here", "Reject")])).papers
    duplicates: list[dict] = []
    kept, _ = drop_cross_source_duplicates(asap + pr, [tmp_path] * 3, ["peerread", "asap"], Funnel(), duplicates)
    assert [p.forum for p in kept] == ["asap-ICLR_2018_0002", "peerread-iclr_2017-1"]
    assert duplicates == [{"title": "shared title", "kept": "peerread:peerread-iclr_2017-1",
                           "dropped": "asap:asap-ICLR_2018_0001", "where": asap[0].source}]


def test_a_split_with_one_paper_on_both_sides_is_named():
    items = [SplitItem("a", "Sparse Experts", "v"), SplitItem("b", "sparse experts.", "w"), SplitItem("c", "X", "v")]
    assert straddling(items, Split({"a"}, set())) == ["Sparse Experts (a: test, b: train)"]
    assert straddling(items, Split({"a", "b"}, set())) == []


def test_markdown_sections_kinds():
    text = "# T\n\nintro words\n\n## 1 Intro\n\nbody\n\n## Acknowledgments\n\nthanks\n\n## References\n\n[1] x\n" \
           "\n## A Appendix\n\nmore\n\n## B Proofs\n\nlemma\n"
    got = [(s.heading, s.kind) for s in markdown_sections(text)]
    assert got == [("T", "body"), ("1 Intro", "body"), ("Acknowledgments", "acknowledgements"),
                   ("A Appendix", "appendix"), ("B Proofs", "appendix")]
