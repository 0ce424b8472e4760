"""A whole dataset build on 40 papers from bench/build.py's generator, counting with a converted SentencePiece
tokenizer (`SpacePieces`): every row's paper fits the budget by the backend's own whole-text count. The piecewise
counts themselves are tested in tests/unit/preprocess/prompt/test_budget_pieces.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sentencepiece_tokenizers import bench_build, convert, train_sp_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sp_model(tmp_path_factory) -> Path:
    return train_sp_model(tmp_path_factory.mktemp("spm"))


def test_a_build_with_pieces_fits_every_row_by_the_whole_text_count(sp_model, tmp_path):
    """The dataset build on 40 papers from bench/build.py's generator, with a converted SentencePiece model:
    every row's paper fits the budget by the backend's own whole-text count, and the meta's lengths are exact."""
    from preprocess.dataset.__main__ import parse_args
    from preprocess.dataset.build import _percentiles, build

    bench = bench_build()
    raw, parsed = tmp_path / "raw", tmp_path / "parsed"
    bench.generate(40, raw, parsed, seed=3)
    tok = convert(sp_model, False, tmp_path / "tok")
    assert tok._pieces is not None
    meta = build(parse_args(["--raw", str(raw), "--parsed", str(parsed), "--out", str(tmp_path / "out"),
                             "--tokenizer", str(tmp_path / "tok"), "--cutoff", "16384", "--workers", "1"]))
    budget = meta.paper_tokens["budget"]
    rows = [json.loads(line) for split in ("train", "test")
            for line in (tmp_path / "out" / f"sample_{split}.jsonl").read_text().splitlines()]
    inputs = {row["input"] for row in rows}
    exact = [len(tok._backend.encode(text, add_special_tokens=False)) for text in inputs]
    assert len(inputs) > 20 and max(exact) <= budget
    assert _percentiles(exact) == meta.paper_tokens["after_fit"], "the meta's counts are the exact ones"
    assert meta.paper_tokens["before_fit"]["max"] > budget, "the papers needed fitting"
