"""Notes in the shapes genuine OpenReview notes have (tests/genuine_shapes.py names each shape's source; the
text is ours): right labels, scales and parts for every venue family, and a build over all of them.

Each test here covers a problem seen when genuine notes went through the build: free-text reviews left raw,
NeurIPS 2025's 1-6 ratings read on 1-10, `final_justification` dropped, decisions that live only in `venue`,
a BOM losing the first paper, mojibake in targets, a copy without text taking a paper's place, "fixed" counts
that were only whitespace, a review's own title dropped.
"""

from __future__ import annotations

from pathlib import Path

import genuine_shapes as shapes
import pytest

from preprocess.core.jsonl import read_jsonl
from preprocess.dataset.build import BuildMeta, build
from preprocess.dataset.config import BuildConfig
from preprocess.notes import scales
from preprocess.notes.normalize import normalize_note
from preprocess.notes.read import read_papers

ONE_TO_TEN = tuple(range(1, 11))
# builder: (decision, rating, the review's rating scale after the build's resolution, confidence, title kept)
EXPECTED = {
    "iclr2018": ("rejected", 5, ONE_TO_TEN, 4, "Interesting routing idea, thin evaluation"),  # workshop invitation
    "iclr2020": ("accepted", 3, (1, 3, 6, 8), None, ""),  # no confidence field; the generic title is left out
    "iclr2021": ("rejected", 4, ONE_TO_TEN, 3, "Promising but under-evaluated"),
    "iclr2022": ("accepted", 8, (1, 3, 5, 6, 8, 10), 2, ""),  # the rating is `recommendation`
    "iclr2023": ("accepted", 3, (1, 3, 5, 6, 8, 10), 4, ""),  # "Accept: notable-top-25%"
    "iclr2024": ("accepted", 6, (1, 3, 5, 6, 8, 10), 3, ""),
    "iclr2025": ("accepted", 6, (1, 3, 5, 6, 8, 10), 3, ""),
    "neurips2022": ("accepted", 5, ONE_TO_TEN, 3, ""),  # the meta-review's recommendation decides
    "neurips2023": ("accepted", 7, ONE_TO_TEN, 4, ""),
    "neurips2024": ("accepted", 7, ONE_TO_TEN, 3, ""),  # only `venue` says so: "NeurIPS 2024 spotlight"
    "neurips2025": ("accepted", 5, (1, 2, 3, 4, 5, 6), 3, ""),  # 1-6, not 1-10
    "icml2025": ("accepted", 4, (1, 2, 3, 4, 5), None, ""),  # `overall_recommendation`, venue "spotlightposter"
    "tmlr": ("accepted", None, (), None, ""),  # no rating at all; "Accept with minor revision"
    "nips2018_workshop": ("unknown", 3, ONE_TO_TEN, 2, "Useful for compact networks"),  # warned, see below
}


@pytest.mark.parametrize("builder", shapes.BUILDERS, ids=lambda b: b.__name__)
def test_each_genuine_shape_gets_its_decision_rating_scale_and_title(builder):
    paper = normalize_note(builder())
    warnings: list[str] = []
    scales.apply([(1, paper)], [], "notes.jsonl", warnings)
    decision, rating, scale, confidence, title = EXPECTED[builder.__name__]
    review = paper.reviews[0]
    assert (paper.decision, review.rating, review.rating_scale) == (decision, rating, scale)
    assert (review.confidence, review.title) == (confidence, title)
    assert bool(warnings) == (builder is shapes.nips2018_workshop)


def test_neurips_2025_keeps_the_final_justification_and_drops_form_answers():
    review = normalize_note(shapes.neurips2025()).reviews[0]
    assert review.verdict.startswith("After the rebuttal the authors added the baselines")
    assert "yes" not in review.body().lower().split(), "`limitations: yes` is a form answer, not review text"
    assert review.body().index("After the rebuttal") > review.body().index("## Weaknesses")


def test_a_venue_no_source_covers_is_named_and_an_off_scale_rating_is_left_out():
    workshop = normalize_note(shapes.nips2018_workshop())
    off = normalize_note(shapes.iclr2020(forum="ICLR20b", rating="10: Top 5% of accepted papers"))
    warnings: list[str] = []
    scales.apply([(3, workshop), (4, off)], [], "crawl/notes.jsonl", warnings)
    assert any(w.startswith("NIPS.cc/2018/Workshop/CDNNRIA: no rating scale") and "using 1-10" in w
               for w in warnings), warnings
    assert "crawl/notes.jsonl:4: review ICLR20br: rating 10 is not on ICLR.cc/2020/Conference's scale (1, 3, 6, 8)" \
        in "\n".join(warnings)
    assert off.reviews[0].rating is None


def test_the_saved_invitation_gives_the_scale_before_notes_and_table():
    invitation = {"id": "NIPS.cc/2018/Workshop/CDNNRIA/-/Paper5/Official_Review", "reply": {"content": {
        "rating": {"value-dropdown": [f"{n}: label" for n in (5, 4, 3, 2, 1)]},
        "confidence": {"value-radio": ["3: sure", "2: fairly sure", "1: guess"]}}}}
    paper = normalize_note(shapes.nips2018_workshop())
    warnings: list[str] = []
    scales.apply([(1, paper)], [invitation], "notes.jsonl", warnings)
    assert paper.reviews[0].rating_scale == (1, 2, 3, 4, 5) and warnings == []
    v2_form = {"edit": {"note": {"content": {"rating": {"value": {"param": {
        "enum": [{"value": v, "description": f"{v}: x"} for v in (1, 2, 3, 4, 5, 6)]}}}}}}}
    assert scales.from_invitation(v2_form, "rating") == (1, 2, 3, 4, 5, 6)


def run_build(tmp_path: Path, tiny_model: Path, notes: list[dict], **kw) -> tuple[BuildMeta, list[dict]]:
    raw, parsed, out = tmp_path / "raw", tmp_path / "parsed", tmp_path / "out"
    shapes.write_crawl(raw, notes, parsed, **kw)
    meta = build(BuildConfig(raw=raw, out=out, name="g", tokenizer=str(tiny_model), cutoff=1024, parsed=parsed,
                             test_size=1.0))
    return meta, read_jsonl(out / "g_test.refs.jsonl")


def test_a_build_over_every_genuine_shape(tmp_path, tiny_model):
    meta, refs = run_build(tmp_path, tiny_model, [b() for b in shapes.BUILDERS])
    targets = meta.targets
    total = sum(targets["by_route"].values())
    assert targets["four_part"] + targets["with_empty_part"] >= 0.95 * total and targets["four_part"] >= 12
    assert targets["four_part"] + targets["with_empty_part"] + targets["raw"] == total  # "None." parts counted apart
    assert targets["by_route"].get("offline", 0) >= 4, targets  # ICLR 2018-2021 and the workshop are free text
    assert {r["forum"]: r["decision"] for r in refs} == {
        b().get("forum"): EXPECTED[b.__name__][0] for b in shapes.BUILDERS}
    texts = {r["forum"]: r["reviews"][0]["text"] for r in refs}
    assert "## Suggestions for improvement" in texts["ICLR18a"] and "Interesting routing idea" in texts["ICLR18a"]
    assert "After the rebuttal the authors added the baselines" in texts["NIPS25a"]
    assert "&nbsp;" not in texts["ICLR24a"]
    assert any("NIPS.cc/2018/Workshop/CDNNRIA" in w for w in meta.warnings)


def test_a_bom_at_the_start_of_a_notes_file_loses_no_paper(tmp_path):
    notes = [shapes.iclr2024(), shapes.iclr2024(forum="ICLR24b")]
    shapes.write_crawl(tmp_path / "raw", notes, tmp_path / "p", bom=True)
    crawl = read_papers(tmp_path / "raw")
    assert [p.forum for p in crawl.papers] == ["ICLR24a", "ICLR24b"] and crawl.skipped == []


def test_mojibake_in_a_review_is_repaired_in_its_target(tmp_path, tiny_model):
    note = shapes.iclr2025()
    review = note["details"]["replies"][0]["content"]
    review["strengths"]["value"] = review["strengths"]["value"] + " The authorsâ€™ code runs out of the box."
    meta, refs = run_build(tmp_path, tiny_model, [note])
    text = refs[0]["reviews"][0]["text"]
    assert "authors’ code runs" in text and "â€" not in text
    assert meta.funnel[3]["step"].startswith("URLs / boilerplate fixed in reviews")
    assert meta.funnel[3]["fixed"] == 1


def test_a_copy_without_text_sorted_first_does_not_take_the_papers_place(tmp_path, tiny_model):
    real = shapes.iclr2024(forum="aaSameForum")
    hostile = shapes.iclr2024(forum="aaSameForum")  # the same forum, more replies, but no PDF and no parse
    hostile["details"]["replies"].append(dict(hostile["details"]["replies"][0], id="extra"))
    raw, parsed = tmp_path / "raw", tmp_path / "parsed"
    shapes.write_crawl(raw / "a", [hostile], tmp_path / "unused")
    shapes.write_crawl(raw / "b", [real], parsed / "b_ICLR.cc_2024_Conference")  # parsed text only for the real copy
    for folder in ("a", "b"):  # two venue folders of one crawl; the hostile copy's sorts first
        (raw / folder / "ICLR.cc_2024_Conference").rename(raw / f"{folder}_ICLR.cc_2024_Conference")
    meta = build(BuildConfig(raw=raw, out=tmp_path / "out", name="d", tokenizer=str(tiny_model), cutoff=1024,
                             parsed=parsed, test_size=1.0))
    refs = read_jsonl(tmp_path / "out" / "d_test.refs.jsonl")
    assert [r["forum"] for r in refs] == ["aaSameForum"] and refs[0]["decision"] == "accepted"
    assert [r["id"] for r in refs[0]["reviews"]] == ["aaSameForumr"]
    rows = {r["step"].split(" (")[0]: r for r in meta.funnel}
    assert rows["no parsed text"]["papers_dropped"] == 1 and rows["duplicate papers"]["papers_dropped"] == 0
    assert rows["exact duplicate reviews"]["reviews_dropped"] == 0  # the hostile copy's reviews went with it


def test_among_copies_with_text_the_one_with_most_replies_stays():
    from preprocess.dataset.clean import best_copies

    short, full = normalize_note(shapes.iclr2024(with_decision=False)), normalize_note(shapes.iclr2024())
    assert best_copies([short, full], [True, True]) == [1]
    assert best_copies([full, short], [False, True]) == [1]  # text first, then replies
    assert best_copies([full, short], [True, True]) == [0]
