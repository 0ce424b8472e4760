"""`make data` as a user runs it, through make and a fresh Python: a small crawl and all six public-dataset formats
(files in their publishers' layouts: `tests/published_shapes.py` and `tests/source_shapes.py` name where each was
read) through the same cleaning, targets, budget, split and registration, in one run; and a source that reads no
review stops the build naming its format, file and reason, and writes nothing. Writes under tmp only. The readers
themselves are tested in-process in tests/unit/preprocess/sources/."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

import published_shapes as pub
import pytest
import source_shapes as shapes
from conftest import REPO

from preprocess.core.jsonl import read_jsonl
from preprocess.sources.common import SourceError
from preprocess.sources.registry import SOURCES, parse_specs, read_source

pytestmark = pytest.mark.slow
SAMPLE_VENUE = REPO / "data" / "sample" / "ICLR.cc_2020_Conference"


def read(fmt: str, path):
    return read_source(parse_specs([f"{fmt}:{path}"])[0])


def test_a_source_with_no_review_stops_the_build_naming_format_file_and_reason(tmp_path, tiny_model):
    with pytest.raises(SourceError, match=r"no review read as deepreview from .*pr.*reviews"):
        read("deepreview", shapes.peerread(tmp_path / "pr", [("1", "A paper", True)]))
    out = tmp_path / "out"
    done = subprocess.run(["make", "--no-print-directory", "data", "SOURCE=peerread:/etc/passwd", "NAME=bad",
                           f"TOKENIZER={tiny_model}", f"BUILD_ARGS=--out {out}"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "peerread" in done.stderr and "/etc/passwd" in done.stderr and "not readable JSON" in done.stderr
    assert not (out / "dataset_info.json").exists() and not list(out.glob("bad*"))


def test_make_data_with_a_crawl_and_every_source(tmp_path, tiny_model):
    crawl = tmp_path / "crawl"
    shutil.copytree(SAMPLE_VENUE, crawl / SAMPLE_VENUE.name)
    crawled = [json.loads(line)["content"]["title"] for line in (crawl / SAMPLE_VENUE.name / "notes.jsonl").open()]
    src = tmp_path / "src"
    sources = {
        "peerread": shapes.peerread(src / "pr", [("398", "Chaos free recurrent nets", True),
                                                 ("400", "Shared Title Across Imports", False)]),
        "asap": shapes.asap(src / "asap", [("0001", "Graph pooling revisited", "Accept (Poster)"),
                                           ("0002", "shared title across imports.", "Reject")]),
        "deepreview": pub.deepreview_rows(src / "dr", [("abcdEFGH12", "Vision tokens merge", "Accept", [8, 6, 6]),
                                                       ("ijklMNOP34", "Learned optimizers at scale", "Reject",
                                                        [3, 5, 3])]),
        "sea": shapes.sea(src / "sea", [("x1", "Robot grasp priors", "Accept (poster)"),
                                        ("x2", "Audio codecs compared", "Reject")]),
        "reviewmt": pub.reviewmt(src / "rmt", 2024, [("Protein folding tricks", "Accept")],
                                 [("Molecule graphs again", "Reject")]),
        "reviewer2": pub.reviewer2(src / "r2", [(crawled[0].upper(), "ICLR_2020", 1),
                                                ("Anomaly scores for streams", "NeurIPS_2021", 2)]),
    }
    pub.peerread_section(src / "pr", "acl_2017", [("37", "Sequential matching networks", ["4", "3"])])
    assert set(sources) == set(SOURCES)
    out = tmp_path / "data"
    spec = ",".join(f"{fmt}:{path}" for fmt, path in sources.items())
    done = subprocess.run(["make", "--no-print-directory", "data", f"RAW={crawl}", f"SOURCE={spec}", "NAME=mix",
                           f"TOKENIZER={tiny_model}", f"BUILD_ARGS=--out {out} --min-body-words 50"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "duplicate papers across inputs (same title)" in done.stdout
    meta = json.loads((out / "mix.meta.json").read_text())

    # every source read, in the meta with its counts; DeepReview's second mode counted as repeats
    by_format = {s["format"]: s for s in meta["sources"]}
    assert set(by_format) == set(SOURCES) and all(s["skipped"] == 0 for s in by_format.values())
    assert {f: s["papers"] for f, s in by_format.items()} == {f: 2 for f in SOURCES} | {"peerread": 3}
    assert by_format["deepreview"]["repeats"] == 2
    # per source, what came in and what reached the rows (the cross-source duplicates went to the crawl/peerread)
    assert all(s["papers_out"] > 0 and s["reviews_out"] > 0 for s in by_format.values())
    assert by_format["peerread"]["papers_out"] == 3 and by_format["reviewer2"]["papers_out"] == 1
    assert "papers out" in done.stdout and f"deepreview:{sources['deepreview']}" in done.stdout
    assert meta["args"]["sources"] == [spec]
    # cross-source duplicates: the crawl's copy beats the import, the first source beats the later one
    dups = {(d["kept"].split(":")[0], d["dropped"].split(":")[0]) for d in meta["cross_source_duplicates"]}
    assert dups == {("crawl", "reviewer2"), ("peerread", "asap")}
    row = next(r for r in meta["funnel"] if r["step"] == "duplicate papers across inputs (same title)")
    assert row["papers_dropped"] == 2
    assert meta["funnel"][0]["step"] == "notes read + imported rows"
    assert meta["funnel"][0]["papers"] == 3 + sum(s["rows"] for s in meta["sources"])

    # rows from every input, four-part targets, split by paper, registered
    train, test = read_jsonl(out / "mix_train.jsonl"), read_jsonl(out / "mix_test.jsonl")
    refs = read_jsonl(out / "mix_test.refs.jsonl")
    forums = {r["forum"] for r in refs} | set(meta["test_forums"])
    kinds = Counter(f.split("-")[0] if "-" in f and f.split("-")[0] in SOURCES else "crawl" for f in forums)
    assert kinds and len(train) + len(test) == meta["counts"]["train rows"] + meta["counts"]["test rows"]
    title = lambda row: row["input"].split("\n", 1)[0]  # noqa: E731
    assert not {title(r) for r in train} & {title(r) for r in test}
    seen = {title(r).removeprefix("title: ").lower() for r in train + test}
    for fmt, name in [("peerread", "chaos free recurrent nets"), ("peerread", "sequential matching networks"),
                      ("asap", "graph pooling revisited"), ("deepreview", "vision tokens merge"),
                      ("sea", "robot grasp priors"), ("reviewmt", "protein folding tricks"),
                      ("reviewmt", "molecule graphs again"), ("reviewer2", "anomaly scores for streams")]:
        assert name in seen, f"no row from {fmt}"
    assert meta["targets"]["four_part"] > 0
    info = json.loads((out / "dataset_info.json").read_text())
    assert {"mix_train", "mix_test"} <= set(info)
