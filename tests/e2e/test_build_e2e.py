"""`make data` end to end on the bundled sample with the tiny tokenizer: the outputs, the meta and the
registration, the split, a byte-identical rerun, every row within the cutoff under LLaMA-Factory's own encoding,
and the temporal holdout. Each is a whole build of the sample, so they live in this layer; the hand-made bad crawl
and the refusals are in tests/unit/preprocess/dataset/test_build.py.

Every build writes under pytest's temp dir. The fit check encodes each built row the way LLaMA-Factory will:
its own dataset converter (from our dataset_info.json entry) and its `mistral` template.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, tree_digest

from preprocess.core.jsonl import read_jsonl, write_json
from preprocess.dataset.build import BuildMeta, build
from preprocess.dataset.config import BuildConfig
from preprocess.prompt.formats import FORMATS, FormatOptions

pytestmark = pytest.mark.slow
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="module")
def parsed_sample(tmp_path_factory) -> Path:
    """The sample's PDFs parsed once into a --parsed folder (<stem>.json), so later builds skip parsing."""
    from preprocess.pdf.backends import parse_pdf

    out = tmp_path_factory.mktemp("parsed")
    for pdf in SAMPLE.glob("*/pdfs/*.pdf"):
        write_json(out / f"{pdf.stem}.json", parse_pdf(pdf).to_dict())
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory, tiny_model) -> tuple[Path, BuildMeta]:
    """The sample built as `make data` builds it (PDFs parsed during the build)."""
    out = tmp_path_factory.mktemp("data")
    before = tree_digest(SAMPLE)
    meta = build(BuildConfig(raw=SAMPLE, out=out, name="sample", tokenizer=str(tiny_model), cutoff=1024))
    assert tree_digest(SAMPLE) == before, "the build modified the raw crawl"
    return out, meta


def test_outputs_meta_and_registration(sample):
    out, meta = sample
    names = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.endswith(".lock"))
    locks = sorted(p.name for p in out.glob("*.lock"))  # flocks, left in place (gitignored): a stale one blocks nothing
    assert set(locks) <= {".sample.build.lock", "dataset_info.json.lock"} and ".sample.build.lock" in locks
    assert names == ["dataset_info.json", "sample.funnel.png", "sample.meta.json", "sample.parts.json",
                     "sample.parts.npz", "sample_test.jsonl", "sample_test.refs.jsonl", "sample_train.jsonl",
                     "sample_train.ratings.jsonl"]
    assert json.loads((out / "sample.meta.json").read_text()) == json.loads(json.dumps(meta.to_json()))
    assert list(meta.to_json()) == ["args", "git_commit", "seed", "funnel", "counts", "targets", "paper_tokens",
                                    "test_forums", "skipped", "warnings", "parts_model"]
    assert meta.args["cutoff"] == 1024 and meta.seed == 42 and len(meta.git_commit) in (7, 40)
    assert set(meta.paper_tokens["before_fit"]) == {"p50", "p95", "max"}
    assert meta.paper_tokens["after_fit"]["max"] <= meta.paper_tokens["budget"]
    assert meta.funnel[0] == {"step": "notes read", "papers": 24, "reviews": 87, "papers_dropped": 0,
                                 "reviews_dropped": 0, "fixed": None}
    counts = meta.counts
    kept = counts["train rows"] + counts["test rows"]
    targets = meta.targets
    assert kept == targets["four_part"] + targets["with_empty_part"] + targets["raw"] \
        == sum(targets["by_route"].values())
    assert kept >= 86 and meta.targets["raw"] == 0, "every review four-part, ICLR 2023's free text included"
    assert meta.targets["by_route"]["offline"] >= 10, "ICLR 2023's clarity/quality text placed by the classifier"
    assert meta.parts_model["reviews"] == 45 and meta.parts_model["source"] == "crawl"  # ICLR 2024-2025's
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["sample_train"] == {"file_name": "sample_train.jsonl", "formatting": "alpaca",
                                    "columns": FORMATS["alpaca"].columns}
    assert info["sample_test"]["file_name"] == "sample_test.jsonl"


def test_split_by_paper_and_refs_line_up_with_test_rows(sample):
    out, meta = sample
    train, test = read_jsonl(out / "sample_train.jsonl"), read_jsonl(out / "sample_test.jsonl")
    refs = read_jsonl(out / "sample_test.refs.jsonl")
    title = lambda row: row["input"].split("\n", 1)[0]  # noqa: E731
    assert not {title(r) for r in train} & {title(r) for r in test}, "a paper is in both splits"
    assert len(refs) == len(test) and {r["forum"] for r in refs} == set(meta.test_forums)
    for row, ref in zip(test, refs, strict=True):
        assert row["input"].startswith(f"title: {ref['title']}\n")
        target = next(r for r in ref["reviews"] if r["id"] == ref["target_review_id"])
        assert row["output"].startswith(target["text"])
        assert {"forum", "venue", "year", "decision", "rating_scale"} <= set(ref)
    # the train split's ratings: one line a train paper, its human ratings and decision (the committee's rule)
    ratings = read_jsonl(out / "sample_train.ratings.jsonl")
    assert len(ratings) == meta.counts["train papers"] == len({r["forum"] for r in ratings})
    assert not {r["forum"] for r in ratings} & set(meta.test_forums)
    assert all(r["decision"] in ("accepted", "rejected") and r["ratings"] and r["rating_scale"] for r in ratings)


def test_rerun_is_byte_identical(sample, parsed_sample, tiny_model, tmp_path):
    out, _ = sample
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    build(BuildConfig(raw=SAMPLE, out=out, name="sample", tokenizer=str(tiny_model), cutoff=1024))
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == first
    other = tmp_path / "from_parsed"
    build(BuildConfig(raw=SAMPLE, out=other, name="sample", tokenizer=str(tiny_model), cutoff=1024,
                      parsed=parsed_sample))
    assert (other / "sample_train.jsonl").read_bytes() == first["sample_train.jsonl"]


def lf_lengths(out: Path, dataset: str, tokenizer: Path) -> list[tuple[int, int]]:
    """(tokens, assistant turns) per row, encoded by LLaMA-Factory's own converter and `mistral` template."""
    from llamafactory.data import get_template_and_fix_tokenizer
    from llamafactory.data.converter import get_dataset_converter
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams import DataArguments
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tokenizer)
    data_args = DataArguments(template="mistral", dataset_dir=str(out))
    template = get_template_and_fix_tokenizer(tok, data_args)
    (attr,) = get_dataset_list([dataset], str(out))
    convert = get_dataset_converter(attr.formatting, attr, data_args)
    lengths = []
    for row in read_jsonl(out / attr.dataset_name):
        ex = convert(row)
        assert ex["_prompt"] and ex["_response"], f"LLaMA-Factory could not read a row of {dataset}"
        prompt, response = template.encode_oneturn(tok, ex["_prompt"] + ex["_response"], ex["_system"])
        lengths.append((len(prompt) + len(response), 1 + sum(m["role"] == "assistant" for m in ex["_prompt"])))
    return lengths


def test_every_row_fits_cutoff_under_llamafactory_encoding(sample, parsed_sample, tiny_model, tmp_path):
    out, _ = sample
    for split in ("train", "test"):
        assert max(n for n, _ in lf_lengths(out, f"sample_{split}", tiny_model)) <= 1024
    multi = tmp_path / "sharegpt"
    meta = build(BuildConfig(raw=SAMPLE, out=multi, name="multi", tokenizer=str(tiny_model), cutoff=2048,
                             review_tokens=1100, parsed=parsed_sample,
                             options=FormatOptions("sharegpt", "paper", with_rating=True, with_decision=True)))
    info = json.loads((multi / "dataset_info.json").read_text())["multi_train"]
    assert info["columns"] == FORMATS["sharegpt"].columns and info["tags"] == FORMATS["sharegpt"].tags
    lengths = lf_lengths(multi, "multi_train", tiny_model)
    assert max(n for n, _ in lengths) <= 2048
    assert max(turns for _, turns in lengths) >= 3, "no multi-turn row: the reserve should hold several reviews"
    n_refs = len(read_jsonl(multi / "multi_test.refs.jsonl"))
    assert n_refs == meta.counts["test rows"] == meta.counts["test papers"]


def test_temporal_holdout_by_venue(parsed_sample, tiny_model, tmp_path):
    meta = build(BuildConfig(raw=SAMPLE, out=tmp_path, name="t", tokenizer=str(tiny_model), cutoff=1024,
                             parsed=parsed_sample, test_venues=("ICLR.cc_2025_Conference",)))
    refs = read_jsonl(tmp_path / "t_test.refs.jsonl")
    assert {r["venue"] for r in refs} == {"ICLR.cc/2025/Conference"} and meta.counts["test papers"] == 6
    with pytest.raises(ValueError, match="no kept paper"):
        build(BuildConfig(raw=SAMPLE, out=tmp_path, name="t", tokenizer=str(tiny_model), cutoff=1024,
                          parsed=parsed_sample, test_venues=("NeurIPS.cc/2030/Conference",)))
