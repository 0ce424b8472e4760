"""Every reader on files in the exact layout its dataset was published in, and what a user sees when a source
gives nothing. Where each layout was read is listed in `tests/published_shapes.py`: DeepReview-13K's evaluation
sample (`evaluate/DeepReview/sample.json`, as vendored in yuezhang23/Researcher-DeepReview) and its published rows
(the columns a public loader of WestlakeNLP/DeepReview-13K reads), allenai/PeerRead `data/acl_2017/dev/` and
`data/conll_2016/dev/`, chengtan9907/ReviewMT `src/module.py` (`make_iclr`, `make_nature`) and the
GitBag/Reviewer2_PGE_cleaned card's columns with ZhaolinGao/Reviewer2 `demo.py`'s paper layout. The text is ours."""

from __future__ import annotations

import json
import re

import published_shapes as pub
import source_shapes as shapes
from genuine_shapes import Text

from preprocess.core.record import Section
from preprocess.core.venues import venue_family, venue_year
from preprocess.pdf.layout.clean import strip_line_numbers
from preprocess.pdf.lines import Line
from preprocess.sources.registry import parse_specs, read_source

RATING_6 = "6: marginally above the acceptance threshold"
PAPERS = [("tc1jaWpi7M", "Completing objects by segmentation", "Reject", [6, 6, 5, 6]),
          ("syoLhUJmth", "Visual encoders compared", "Reject", [6, 3, 3, 3]),
          ("sqRgz88TM3", "A federated learning library", "Accept", [8, 3, 8])]


def read(fmt: str, path):
    return read_source(parse_specs([f"{fmt}:{path}"])[0])


def test_deepreview_evaluation_sample_nested_reviews_and_latex_paper(tmp_path):
    got = read("deepreview", pub.deepreview_sample(tmp_path, PAPERS))
    assert (len(got.papers), sum(len(p.reviews) for p in got.papers), got.log.skipped) == (3, 11, [])
    first = got.papers[0]
    assert (first.forum, first.title, first.decision) == ("deepreview-tc1jaWpi7M", PAPERS[0][1], "rejected")
    assert first.abstract == "We introduce completing objects by segmentation e.g., for routing."
    # the heading whose brace the paper left open keeps its words, the rest of the paper its sections
    assert [(s.heading, s.kind) for s in first.sections] == [
        ("Introduction", "body"), ("Completing Objects By Segmentation", "body"), ("Training", "body"),
        ("Conclusion", "body"), ("Appendix", "appendix"), ("Proofs", "appendix")]
    intro = first.sections[0].text
    assert intro.startswith("Figure: Overview of completing objects by segmentation. The pipeline in two stages.")
    assert "Design choices" not in intro and "Model & A" not in intro  # a `\def` table macro is not text
    assert "We study completing objects by segmentation in a controlled setting" in intro
    assert "$" not in intro and "y = f(x)" in first.sections[1].text  # math kept as LaTeX
    assert "\xa0" not in intro and " <cit.>." in intro  # a `~` tie is a space
    review, x = first.reviews[0], Text("completing objects by segmentation 0", "vision")
    assert (review.id, review.rating, review.confidence, review.raw_rating) == ("tc1jaWpi7Mr0", 6, 4, RATING_6)
    assert (review.summary, review.strengths, review.weaknesses, review.questions) == (
        x.summary, x.strengths, x.weaknesses, x.questions)
    assert review.aspects == {"soundness": 3, "presentation": 2, "contribution": 3}
    assert "written by a model" not in review.body()  # the dataset's own `suggestions` are not the reviewer's
    assert review.rating_scale == (3, 5, 6, 8)  # the option strings seen (the rows name no venue)


def test_deepreview_latex_parsed_in_worker_processes_reads_the_same(tmp_path, monkeypatch):
    from preprocess.sources import structured

    path = pub.deepreview_sample(tmp_path, PAPERS)
    alone = read("deepreview", path).papers
    monkeypatch.setattr(structured, "BATCH", 2)
    monkeypatch.setattr(structured, "WORKERS", 2)
    pooled = read("deepreview", path).papers
    assert [(p.forum, p.title, p.abstract, p.sections, len(p.reviews)) for p in pooled] == [
        (p.forum, p.title, p.abstract, p.sections, len(p.reviews)) for p in alone]


def test_deepreview_published_rows_csv_latex_in_the_user_message(tmp_path):
    got = read("deepreview", pub.deepreview_rows(tmp_path, PAPERS[:2]))
    assert (got.log.rows, got.log.repeats, len(got.papers)) == (4, 2, 2)
    paper = got.papers[1]
    assert (paper.title, paper.decision, [r.rating for r in paper.reviews]) == (PAPERS[1][1], "rejected", [6, 3, 3, 3])
    assert paper.sections[0].heading == "Introduction" and "expert reviewer" not in paper.sections[0].text
    assert paper.reviews[1].summary == Text("visual encoders compared 1", "speech").summary


def test_peerread_acl_2017_and_conll_2016_scales_aspects_and_margin_numbers(tmp_path):
    pub.peerread_section(tmp_path, "acl_2017", [("37", "Sequential matching networks", ["4", "3"])])
    pub.peerread_section(tmp_path, "conll_2016", [("25", "Temporal word senses", ["4"])])
    got = read("peerread", tmp_path)
    acl, conll = sorted(got.papers, key=lambda p: p.forum)
    assert (acl.forum, acl.venue, acl.year, conll.venue, conll.year) == (
        "peerread-acl_2017-37", "ACL 2017", 2017, "CoNLL 2016", 2016)
    assert [(r.rating, r.confidence, r.rating_scale) for r in acl.reviews] == [(4, 2, (1, 2, 3, 4, 5)),
                                                                               (3, 2, (1, 2, 3, 4, 5))]
    assert conll.reviews[0].rating_scale == (1, 2, 3, 4, 5) and not got.log.warnings  # no 1-10 fallback
    x = Text("sequential matching networks", "parsing")  # the review box's wrapped lines joined back
    assert f"- Strengths:\n\n{x.strengths}\n\n- Weaknesses:\n\n{x.weaknesses}\n\n" in acl.reviews[0].text
    assert acl.reviews[0].aspects == {"originality": 3, "clarity": 4, "soundness_correctness": 5, "substance": 4,
                                      "impact": 3, "meaningful_comparison": 5, "appropriateness": 5}
    # margin line numbers: the numbers-only first section is gone, the runs inside a section too
    assert [s.heading for s in acl.sections] == ["1 Introduction", "2 Related Work"]
    intro = acl.sections[0].text
    assert not re.search(r"^\d{1,3}$", intro, re.MULTILINE) and "Second,\nthe method" in intro


def test_one_cleaner_for_margin_numbers_in_pdfs_and_imports():
    from preprocess.sources.markup import finish  # the imports' side of the one rule

    lines = ["1 000", *[f"{i:03d}" for i in range(11, 50)], "We study a thing.", *[f"{i:03d}" for i in range(71, 99)]]
    from_pdf, _ = strip_line_numbers([Line(t, 0) for t in lines])
    imported = finish([Section("", "\n".join(lines)), Section("", "\n".join(lines[:40]))])
    assert [line.text for line in from_pdf] == ["We study a thing."] == [s.text for s in imported]


def test_venue_names_of_datasets_have_their_year_and_family():
    assert [venue_year(v) for v in ("ACL 2017", "CoNLL 2016", "CoNLL_2016", "ICLR.cc/2017/conference")] == [
        2017, 2016, 2016, 2017]
    assert [venue_family(v) for v in ("ACL 2017", "CoNLL 2016", "NeurIPS.cc/2023/Conference")] == [
        "ACL", "CoNLL", "NeurIPS"]


def test_reviewmt_make_iclr_and_make_nature_layouts(tmp_path):
    got = read("reviewmt", pub.reviewmt(tmp_path, 2024, [("Token merging for speech", "Accept"),
                                                         ("Sparse probes", "Reject")],
                                        [("Protein cages", "Accept")]))
    assert got.log.skipped == [] and len(got.papers) == 3
    iclr = next(p for p in got.papers if p.title == "Token merging for speech")
    assert (iclr.venue, iclr.decision, iclr.abstract) == ("ICLR.cc/2024/Conference", "accepted",
                                                          "We study token merging for speech")
    first, x = iclr.reviews[0], Text("token merging for speech 1", "ocr")
    assert (first.rating, first.confidence, first.raw_rating) == (6, 4, RATING_6)
    assert (first.summary, first.strengths_and_weaknesses) == (x.summary, f"{x.strengths}\n{x.weaknesses}")
    assert first.rating_scale == (1, 3, 5, 6, 8, 10) and [r.rating for r in iclr.reviews] == [6, 3]
    assert iclr.meta_review == "The reviewers found token merging for speech useful."
    assert [s.heading for s in iclr.sections] == ["1 Introduction", "2 Method"]
    nature = next(p for p in got.papers if p.title == "Protein cages")
    assert (nature.venue, len(nature.reviews)) == ("ReviewMT-NC", 2)
    assert nature.reviews[1].text == Text("protein cages 2", "cells").free


def test_reviewer2_pge_cleaned_columns_one_paper_per_title(tmp_path):
    got = read("reviewer2", pub.reviewer2(tmp_path, [("Graph pooling again", "ICLR_2020", 2),
                                                     ("Edge features", "NeurIPS_2021", 1)]))
    assert got.log.skipped == [] and [len(p.reviews) for p in got.papers] == [2, 1]
    paper = got.papers[0]
    assert (paper.title, paper.abstract, paper.venue) == ("Graph pooling again", "We introduce graph pooling again.",
                                                          "ICLR.cc/2020/Conference")
    assert [s.heading for s in paper.sections] == ["1 INTRODUCTION", "2 METHOD", "3 EXPERIMENTS"]
    review, x = paper.reviews[1], Text("graph pooling again 1", "graphs")
    assert (review.summary, review.strengths_and_weaknesses, review.questions, review.text) == (
        x.summary, f"{x.strengths}\n{x.weaknesses}", x.questions, "Limitations: None stated.")


def test_files_without_their_pair_and_papers_without_reviews_are_named(tmp_path):
    root = pub.peerread_section(tmp_path / "pr", "acl_2017", [
        ("1", "Alpha parsing", ["4"]), ("2", "Beta tagging", ["3"]), ("3", "Gamma chunking", ["2"])])
    split = root / "data" / "acl_2017" / "train"
    (split / "parsed_pdfs" / "2.pdf.json").unlink()  # a review file without its paper file
    (split / "reviews" / "3.json").write_text('{"title": "Gamma chunking", "id": "3", "reviews": []}')  # arXiv-like
    shapes.write_scienceparse(split / "parsed_pdfs" / "9.pdf.json", {"name": "9.pdf", "metadata": {}})
    got = read("peerread", root)
    reasons = {s["item"].rsplit("/", 1)[-1]: s["reason"] for s in got.log.skipped}
    assert [p.title for p in got.papers] == ["Alpha parsing"]
    assert reasons["9.pdf.json:1: 9.pdf.json"] == "paper file without a review file (reviews/<id>.json)"
    assert reasons["2.json:1: 2"].startswith("review file without its paper file (") and "2.pdf.json" in reasons[
        "2.json:1: 2"]
    assert reasons["3.json:1: 3"].startswith("no official review")
    sea = shapes.sea(tmp_path / "sea", [("x1", "Robot grasp", "Accept"), ("x2", "Audio codecs", "Reject"),
                                        ("x3", "Soft hands", "Reject")])
    (sea / "ICLR_2024" / "paper_nougat_mmd" / "x2.mmd").unlink()
    (sea / "ICLR_2024" / "review_json" / "x3.json").unlink()
    got = read("sea", sea)
    assert [p.title for p in got.papers] == ["Robot grasp"]
    assert sorted((s["item"].rsplit("/", 1)[-1], s["reason"].split(" (")[0]) for s in got.log.skipped) == [
        ("x2.json:1: x2", "review file without its paper file"), ("x3.mmd:1: x3", "paper file without a review file")]
    asap = shapes.asap(tmp_path / "asap", [("0001", "Graph pooling", "Accept (Poster)"),
                                           ("0002", "Edge drop", "Reject")])
    (asap / "ICLR_2018" / "ICLR_2018_paper" / "ICLR_2018_0002_paper.json").unlink()
    got = read("asap", asap)
    assert [p.title for p in got.papers] == ["Graph pooling"]
    assert [(s["item"].rsplit("/", 1)[-1], s["reason"].split(" (")[0]) for s in got.log.skipped] == [
        ("ICLR_2018_0002:1: ICLR_2018_0002", "no paper file")]


def test_a_paper_without_reviews_is_named_in_every_format(tmp_path):
    rows = pub.deepreview_sample(tmp_path, PAPERS[:2])
    data = json.loads(rows.read_text())
    data[1]["review"] = []
    rows.write_text(json.dumps(data))
    got = read("deepreview", rows)
    assert [p.forum for p in got.papers] == ["deepreview-tc1jaWpi7M"]
    assert got.log.skipped == [{"item": f"{rows}:row 2: deepreview-syoLhUJmth", "reason": "paper without reviews"}]


def test_markdown_headings_come_from_a_markdown_parser():
    from preprocess.sources.markup import markdown_sections

    # a setext heading is a heading, a `#` line inside a code block is not, the references are dropped
    body = ("# A Title\n\nAuthors\n\nMethod\n------\n\nWe fit.\n\n```\n# not a heading\n```\n\n"
            "## References\n\n* A. B. 2020.\n")
    assert [(s.heading, s.text) for s in markdown_sections(body)] == [
        ("A Title", "Authors"), ("Method", "We fit.\n\n```\n# not a heading\n```")]
