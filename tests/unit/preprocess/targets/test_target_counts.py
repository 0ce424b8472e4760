"""Honest counts: "four-part" means four parts that say something; a part reading "None." is empty, counted per
route apart from the full ones; `--min-parts N` drops targets with fewer non-empty parts."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from preprocess.core.record import Paper, Review
from preprocess.core.target import EMPTY_PART, render_parts
from preprocess.prompt.formats import FormatOptions, make_target
from preprocess.targets.targets import LLMOptions, make_targets, nonempty_parts, targets_meta

# ICLR 2023's form has no questions field: a review with summary / strength_and_weaknesses and no suggestions
# got "None." under Suggestions and was counted as a `fields` four-part target (7 of 9 such targets in the
# issue's 42 genuine ones). Our own words.
PAPER = Paper(forum="f", venue="ICLR.cc/2023/Conference", year=2023, api="v2", title="t", reviews=[
    Review(id="full", summary="A new pruning rule.", strengths="Simple.", weaknesses="Small data.", questions="Why?"),
    Review(id="no-questions", summary="A new pruning rule.", strengths_and_weaknesses="Strengths:\nSimple.\n\n"
           "Weaknesses:\nSmall data."),
    Review(id="free", text="One paragraph of free text with no headings at all.")])


def test_a_none_part_is_counted_as_empty_per_route():
    """The meta reported "four-part 100 %" while 9 of 42 genuine targets had a part reading "None."."""
    options = FormatOptions()
    kept = [make_target(PAPER.reviews[0], render_parts(["S.", "A.", "R.", "G."]), PAPER, options, "fields"),
            make_target(PAPER.reviews[1], render_parts(["S.", "A.", "R.", EMPTY_PART]), PAPER, options, "fields"),
            make_target(PAPER.reviews[2], render_parts(["S.", EMPTY_PART, EMPTY_PART, "G."]), PAPER, options,
                        "offline"),
            make_target(PAPER.reviews[2], None, PAPER, options, "raw")]
    assert [nonempty_parts(t) for t in kept] == [4, 3, 2, 0]
    meta = targets_meta(kept)
    assert (meta["four_part"], meta["with_empty_part"], meta["raw"]) == (1, 2, 1)
    assert meta["by_route_parts"] == {"fields": {"four_nonempty": 1, "with_empty_part": 1},
                                      "offline": {"with_empty_part": 1}, "raw": {"raw": 1}}
    assert meta["by_route"] == {"fields": 2, "offline": 1, "raw": 1}


def test_min_parts_drops_targets_with_fewer_non_empty_parts():
    stats: Counter = Counter()
    kept = make_targets([PAPER], FormatOptions(min_parts=4), LLMOptions(), cache=None, classifier=None, stats=stats)
    assert [t.review.id for t in kept["f"]] == ["full"]
    assert stats["targets dropped: fewer than 4 non-empty parts"] == 2 and stats["targets fields"] == 1
    every = make_targets([PAPER], FormatOptions(), LLMOptions(), cache=None, classifier=None, stats=Counter())
    assert [t.route for t in every["f"]] == ["fields", "raw", "raw"]


def test_min_parts_has_its_own_funnel_row_in_a_build(tmp_path, tiny_model):
    """Targets dropped by --min-parts were counted under "reviews over the token reserve"; they get their own row.
    One venue of the bundled sample (ICLR 2022, where one review leaves a part empty)."""
    from conftest import REPO

    from preprocess.dataset.__main__ import main

    venue = "ICLR.cc_2022_Conference"
    shutil.copytree(REPO / "data" / "sample" / venue, tmp_path / "raw" / venue)
    out = tmp_path / "out"
    main(["--raw", str(tmp_path / "raw"), "--out", str(out), "--name", "m", "--tokenizer", str(tiny_model),
          "--cutoff", "1024", "--min-parts", "4"])
    meta = json.loads((out / "m.meta.json").read_text())
    rows = {r["step"]: r for r in meta["funnel"]}
    dropped = rows["targets with fewer than 4 non-empty parts"]["reviews_dropped"]
    assert dropped == meta["counts"]["targets dropped: fewer than 4 non-empty parts"] > 0
    reserve = next(r for step, r in rows.items() if step.startswith("reviews over the"))
    assert reserve["reviews_dropped"] == 0
