"""Each public-dataset importer on rows of its publisher's shape (`tests/source_shapes.py` names where each shape
comes from; the text is ours), plus the failure paths: a bad row is skipped with `file:line`, never the batch."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import pytest
import source_shapes as shapes

from preprocess.dataset.imports import cross_source_copies
from preprocess.dataset.split import Split, SplitItem, straddling
from preprocess.sources.dialogue import labelled_parts
from preprocess.sources.markup import markdown_sections
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
                                                                "The reviewers agree the idea is useful.")
    assert paper.abstract == "We introduce protein folding tricks"
    assert [(r.id.split("-")[-1], r.rating, r.confidence) for r in paper.reviews] == [("r1", 6, 4), ("r2", 3, 4)]
    assert paper.reviews[0].summary.startswith("The paper proposes protein folding tricks")
    assert paper.reviews[0].questions and "We thank the reviewer" not in paper.reviews[0].body()


def test_reviewer2_pge_rows(tmp_path):
    (paper, _) = read("reviewer2", shapes.reviewer2(tmp_path, [("p1", "Forecasting with state", "Accept"),
                                                               ("p2", "Anomaly scores", "Reject")])).papers
    assert (paper.forum, paper.venue, paper.year, paper.decision) == (  # venue + year via the venue table
        "reviewer2-p1", "NeurIPS.cc/2021/Conference", 2021, "accepted")
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
    assert [reason for _, reason in skipped][1:] == ["no `paper_content` (nor a `sections` list)", "no title"]


def test_specs_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'openreview'; known: " + ", ".join(SOURCES)):
        parse_specs([f"openreview:{tmp_path}"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        parse_specs([f"sea:{tmp_path / 'missing'}"])
    specs = parse_specs([f"peerread:{tmp_path},ASAP-Review:{tmp_path}", f"pge:{tmp_path}"])
    assert [s.format for s in specs] == ["peerread", "asap", "reviewer2"]


def test_cross_source_duplicates_keep_usable_text_then_the_crawl_then_the_first_source(tmp_path):
    pr = read("peerread", shapes.peerread(tmp_path / "a", [("1", "Shared Title!", True)])).papers
    asap = read("asap", shapes.asap(tmp_path / "b", [("0001", "shared  title", "Reject"),
                                                     ("0002", "Only here", "Reject")])).papers
    copies, duplicates = asap + pr, []
    assert cross_source_copies(copies, [True] * 3, ["peerread", "asap"], duplicates) == {1, 2}
    assert duplicates == [{"title": "shared title", "kept": "peerread:peerread-iclr_2017-1",
                           "dropped": "asap:asap-ICLR_2018_0001", "where": asap[0].source,
                           "why": "the source listed first"}]
    # the first source's copy has no usable text (no PDF, a failed parse): the later source's copy is kept
    duplicates.clear()
    assert cross_source_copies(copies, [True, True, False], ["peerread", "asap"], duplicates) == {0, 1}
    assert [(d["kept"], d["dropped"], d["why"]) for d in duplicates] == [
        ("asap:asap-ICLR_2018_0001", "peerread:peerread-iclr_2017-1",
         "the kept copy has usable paper text, this one none")]


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
    for name in ("Appendices", "Supplementary Material", "A Appendices"):  # the PDF side's vocabulary
        got = [s.kind for s in markdown_sections(f"## 1 Intro\n\nbody\n\n## {name}\n\nmore\n\n## Proofs\n\nx\n")]
        assert got == ["body", "appendix", "appendix"], name


def test_an_unreadable_sea_file_skips_its_paper_not_the_import(tmp_path):
    root = shapes.sea(tmp_path, [("a", "Grasp priors", "Accept (poster)"), ("b", "Audio codecs", "Reject"),
                                 ("c", "Tactile maps", "Reject")])
    (root / "ICLR_2024" / "paper_nougat_mmd" / "b.mmd").write_bytes(b"# Audio codecs \xff\xfe\n")
    (root / "ICLR_2024" / "review_json" / "c.json").write_text("{not json")
    got = read("sea", root)
    assert [p.forum for p in got.papers] == ["sea-a"] and got.log.rows == 3
    items = [s["item"] for s in got.log.skipped]
    assert items == [f"{root}/ICLR_2024/paper_nougat_mmd/{x}.mmd:1: {x}" for x in ("b", "c")]
    assert "c.json: not readable JSON" in got.log.skipped[1]["reason"]


def test_lone_surrogates_are_replaced_where_source_text_enters(tmp_path):
    # legal JSON (`\ud83d`, half an emoji) that UTF-8 cannot encode: ReviewMT hashed its title and crashed, and
    # any source's text crashed the tokenizer later
    rmt = shapes.reviewmt(tmp_path / "rmt", [("Protein folding tricks", "Accept")]) / "00.json"
    rows = json.loads(rmt.read_text())
    rows[0]["input"] = rows[0]["input"].replace("Protein folding", "Protein \ud83d folding", 1)
    rows[0]["history"][0][1] += " Great \ude00 work."
    rmt.write_text(json.dumps(rows))  # ensure_ascii: written as \\ud83d escapes
    mmd_root = shapes.sea(tmp_path / "sea", [("s0", "Grasp priors", "Accept (poster)")]) / "ICLR_2024"
    row = {"id": "s0", "venue": "ICLR_2024", "paper_nougat_mmd": (mmd_root / "paper_nougat_mmd" / "s0.mmd")
           .read_text() + "\nA last line \ud83d.\n", "review_json": json.loads((mmd_root / "review_json" / "s0.json")
                                                                               .read_text())}
    row["review_json"]["Reviews"][0]["Rating"] = "8 \udc00"
    (tmp_path / "sea.jsonl").write_text(json.dumps(row) + "\n")
    for fmt, path in (("reviewmt", tmp_path / "rmt"), ("sea", tmp_path / "sea.jsonl")):
        got = read(fmt, path)
        assert len(got.papers) == 1 and not got.log.skipped, fmt
        dumped = json.dumps(asdict(got.papers[0]), ensure_ascii=False)
        dumped.encode("utf-8")  # raised UnicodeEncodeError before
        assert "\ufffd" in dumped, fmt
    assert read("reviewmt", tmp_path / "rmt").papers[0].title == "Protein \ufffd folding tricks"


def test_reviewmt_repeated_labels_are_joined_not_overwritten():
    got = labelled_parts("Summary: a study. Questions: why this? Strengths: fast. Questions: and that?")
    assert got == {"summary": "a study.", "questions": "why this?\nand that?", "strengths": "fast."}


def test_deepreview_csv_rows(tmp_path):
    import pyarrow.parquet as pq

    rows = pq.read_table(shapes.deepreview(tmp_path / "pq", [("abc", "Vision tokens merge", "Accept")])).to_pylist()
    rows[0]["inputs"] = rows[0]["inputs"] + " " * 200_000  # over csv's default 131,072-character field limit
    with open(tmp_path / "train.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    got = read("deepreview", tmp_path / "train.csv")
    assert got.log.rows == 2 and got.log.repeats == 1 and not got.log.skipped
    assert got.papers[0].title == "Vision tokens merge" and len(got.papers[0].reviews) == 2
