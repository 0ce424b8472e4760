"""One bad item never stops `make data` (issue 24): invitations with integer options or odd shapes give their
scale or none, never a crash; a lone UTF-16 surrogate (half an emoji, as real API dumps carry) in a review, a
title or a paper's parsed text is repaired where it enters; a line that still cannot be written is named."""

from __future__ import annotations

import json

import genuine_shapes as shapes
import pytest

from preprocess.core.jsonl import iter_jsonl, write_json
from preprocess.core.venues import venue_slug
from preprocess.dataset.__main__ import main
from preprocess.dataset.write import unwritable
from preprocess.notes import scales
from preprocess.notes.read import read_papers

# Shapes of openreview/openreview docs/reference/default-forms/default-review-form.md (API v2: `enum` items
# {"value": 10, "description": "10: Top 5% ..."}) and of openreview-py's tests (a review invitation posted with
# 'rating': {'value': {'param': {'type': 'integer', 'enum': [1, ..., 10]}}}, and a field with 'type': 'integer',
# 'enum': [1, 2, 3, 4, 5], 'input': 'radio'); our own labels in the same shapes.
INT_ENUM = {"edit": {"note": {"content": {"rating": {"value": {"param": {
    "type": "integer", "enum": list(range(1, 11)), "input": "radio"}}}}}}}
ITEM_ENUM = {"edit": {"note": {"content": {"rating": {"value": {"param": {
    "type": "integer", "enum": [{"value": v, "description": f"{v}: label {v}"} for v in (10, 8, 6, 3, 1)],
    "input": "select"}}}}}}}
V1_INTS = {"reply": {"content": {"rating": {"value-radio": [1, 2, 3]}}}}
V2_ITEMS = {"edit": {"note": {"content": {"rating": {"value": {"param": {
    "type": "integer", "items": [{"value": v, "description": f"{v}: x"} for v in (1, 2, 3, 4)]}}}}}}}


@pytest.mark.parametrize(("invitation", "scale"), [(INT_ENUM, tuple(range(1, 11))), (ITEM_ENUM, (1, 3, 6, 8, 10)),
                                                   (V1_INTS, (1, 2, 3)), (V2_ITEMS, (1, 2, 3, 4))])
def test_integer_options_give_the_scale(invitation, scale):
    assert scales.from_invitation(invitation, "rating") == scale


@pytest.mark.parametrize("spec", [{"value": {"param": {"enum": 3}}}, {"value-dropdown": 5}, {"value-radio": 7},
                                  {"value": {"param": "${3/content/rating}"}}, {"value": 1}, {"value": [1, 2]},
                                  {"value": {"param": {"enum": {"1": "x"}}}}, {"value": {"param": {"enum": [None]}}}])
def test_odd_option_shapes_say_nothing_and_never_crash(spec):
    """The probe: integer options crashed the build with `TypeError: 'int' object is not iterable`."""
    assert scales.from_invitation({"edit": {"note": {"content": {"rating": spec}}}}, "rating") is None


def test_a_crawl_with_an_integer_form_reads_its_scale_from_it(tmp_path):
    shapes.write_crawl(tmp_path / "raw", [shapes.iclr2024()], tmp_path / "parsed")
    folder = tmp_path / "raw" / venue_slug("ICLR.cc/2024/Conference")
    write_json(folder / "invitations.json", {"review": INT_ENUM})
    got = read_papers(tmp_path / "raw")
    assert got.papers[0].reviews[0].rating_scale == tuple(range(1, 11)) and got.papers[0].reviews[0].rating == 6
    write_json(folder / "invitations.json", {"review": {"edit": {"note": {"content": {"rating": {
        "value": {"param": {"enum": 3}}}}}}}})
    assert read_papers(tmp_path / "raw").papers[0].reviews[0].rating_scale  # the table's, no crash


def test_lone_surrogates_are_repaired_where_notes_are_read(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"a": "half \\ud83d", "b": ["\\udc00x"], "\\ud800k": 1}\n{"pair": "\\ud83d\\ude00"}\n')
    assert list(iter_jsonl(path)) == [{"a": "half \ufffd", "b": ["\ufffdx"], "\ufffdk": 1}, {"pair": "\U0001f600"}]


def test_a_build_with_a_lone_surrogate_in_a_review_a_title_and_a_paper_goes_through(tmp_path, tiny_model, capsys):
    """The probe: `make data` exited 2 with "'utf-8' codec can't encode character '\\ud83d'", no file:line,
    and nothing built. The crawl spells the surrogate as JSON does, an escape."""
    raw, parsed, out = tmp_path / "raw", tmp_path / "parsed", tmp_path / "out"
    notes = [shapes.iclr2024(), shapes.iclr2025()]
    shapes.write_crawl(raw, notes, parsed)
    notes[0]["details"]["replies"][0]["content"]["summary"]["value"] += " Great work \ud83d"
    notes[1]["content"]["title"]["value"] = "Half \udc00 an emoji"
    for note, year in zip(notes, (2024, 2025), strict=True):  # JSON's own spelling (ASCII): an escape
        (raw / venue_slug(f"ICLR.cc/{year}/Conference") / "notes.jsonl").write_text(json.dumps(note) + "\n")
    paper = json.loads((parsed / "ICLR25a.json").read_text())
    paper["sections"][0]["text"] = "A broken glyph \ud83d here. " + paper["sections"][0]["text"]  # before any cut
    (parsed / "ICLR25a.json").write_text(json.dumps(paper))
    main(["--raw", str(raw), "--parsed", str(parsed), "--out", str(out), "--name", "s", "--tokenizer",
          str(tiny_model), "--cutoff", "1024", "--test-size", "0.5"])
    rows = (out / "s_train.jsonl").read_text(encoding="utf-8") + (out / "s_test.jsonl").read_text(encoding="utf-8")
    assert len(rows.splitlines()) == 2
    assert "Half \ufffd an emoji" in rows and "\\ud8" not in rows and "\\udc" not in rows
    assert "continual learning. Great work" in rows and "A broken glyph" in rows  # cleaning drops their U+FFFD


def test_a_line_that_cannot_be_written_is_named():
    assert unwritable({"train": ["fine\n"], "refs": ["ok\n"]}) is None
    why = unwritable({"train": ["fine\n", "half \ud83d\n"]})
    assert why.startswith("cannot be written as UTF-8 (surrogates not allowed: '\\ud83d')")
