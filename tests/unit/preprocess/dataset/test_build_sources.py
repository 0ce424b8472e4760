"""Public datasets and a crawl in one build: a crawled paper without text is kept from a source that has it, and
a dataset's repeated rows are not bad lines. `make data SOURCE=...` over a crawl and every format, through make:
tests/e2e/test_make_data_e2e.py. Writes under tmp only."""

from __future__ import annotations

import genuine_shapes as genuine
import source_shapes as shapes

from preprocess.core.jsonl import read_jsonl
from preprocess.dataset.build import build
from preprocess.dataset.clean import CleanConfig
from preprocess.dataset.config import BuildConfig


def test_a_crawled_paper_without_text_is_kept_from_a_source_and_repeats_are_not_bad_lines(tmp_path, tiny_model):
    # the crawl's copy has no PDF and no parse; SEA holds the same paper with its text: the choice across inputs
    # is made after the text pass, so the paper is kept from SEA (it was lost: SEA's copy dropped as a duplicate,
    # then the crawl's for no text)
    genuine.write_crawl(tmp_path / "raw", [genuine.iclr2024("ICLR24a")], tmp_path / "parsed")
    (tmp_path / "parsed" / "ICLR24a.json").unlink()
    sea = shapes.sea(tmp_path / "sea", [("h1", "Poster routing", "Accept (poster)"), ("h2", "Audio codecs", "Reject")])
    dr = shapes.deepreview(tmp_path / "dr", [("d1", "Vision tokens merge", "Accept")])  # one paper, two rows
    meta = build(BuildConfig(raw=tmp_path / "raw", parsed=tmp_path / "parsed", out=tmp_path / "out", name="x",
                             tokenizer=str(tiny_model), cutoff=1024, sources=(f"sea:{sea}", f"deepreview:{dr}"),
                             cleaning=CleanConfig(min_body_words=50), parts="none"))
    assert meta.cross_source_duplicates == [{
        "title": "Poster Routing", "kept": "sea:sea-h1", "dropped": "crawl:ICLR24a",
        "where": f"{tmp_path}/raw/ICLR.cc_2024_Conference/notes.jsonl:1",
        "why": "the kept copy has usable paper text, this one none"}]
    rows = read_jsonl(tmp_path / "out" / "x_train.jsonl") + read_jsonl(tmp_path / "out" / "x_test.jsonl")
    assert sum("Poster routing" in r["input"] for r in rows) == 2  # SEA's two reviews, from SEA's text
    steps = {r["step"]: r for r in meta.funnel}
    assert steps["repeated rows (same paper)"]["papers_dropped"] == 1  # DeepReview's second mode
    assert steps["bad lines, notes without id or title"]["papers_dropped"] == 0
    assert steps["no parsed text"]["papers_dropped"] == 1
    assert steps["duplicate papers across inputs (same title)"]["papers_dropped"] == 0  # the crawl's: gone above
