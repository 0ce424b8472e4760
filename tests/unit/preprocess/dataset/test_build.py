"""`make data` end to end on the bundled sample and on a hand-made bad crawl, with the tiny tokenizer.

Every build writes under pytest's temp dir. The fit check encodes each built row the way LLaMA-Factory will:
its own dataset converter (from our dataset_info.json entry) and its `mistral` template.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import REPO

from preprocess.core.jsonl import read_jsonl, write_json
from preprocess.dataset.__main__ import main
from preprocess.dataset.build import BuildConfig, build
from preprocess.dataset.funnel import Funnel
from preprocess.prompt.formats import FORMATS, FormatOptions

SAMPLE = REPO / "data" / "sample"


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def parsed_sample(tmp_path_factory) -> Path:
    """The sample's PDFs parsed once into a --parsed folder (<stem>.json), so later builds skip parsing."""
    from preprocess.pdf.backends import parse_pdf

    out = tmp_path_factory.mktemp("parsed")
    for pdf in SAMPLE.glob("*/pdfs/*.pdf"):
        write_json(out / f"{pdf.stem}.json", parse_pdf(pdf).to_dict())
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory, tiny_model) -> tuple[Path, dict]:
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
    assert set(meta) >= {"args", "git_commit", "seed", "funnel", "counts", "targets", "paper_tokens", "skipped",
                         "warnings"}
    assert meta["args"]["cutoff"] == 1024 and meta["seed"] == 42 and len(meta["git_commit"]) in (7, 40)
    assert set(meta["paper_tokens"]["before_fit"]) == {"p50", "p95", "max"}
    assert meta["paper_tokens"]["after_fit"]["max"] <= meta["paper_tokens"]["budget"]
    assert meta["funnel"][0] == {"step": "notes read", "papers": 24, "reviews": 87, "papers_dropped": 0,
                                 "reviews_dropped": 0, "fixed": None}
    counts = meta["counts"]
    kept = counts["train rows"] + counts["test rows"]
    targets = meta["targets"]
    assert kept == targets["four_part"] + targets["with_empty_part"] + targets["raw"] \
        == sum(targets["by_route"].values())
    assert kept >= 86 and meta["targets"]["raw"] == 0, "every review four-part, ICLR 2023's free text included"
    assert meta["targets"]["by_route"]["offline"] >= 10, "ICLR 2023's clarity/quality text placed by the classifier"
    assert meta["parts_model"]["reviews"] == 45 and meta["parts_model"]["source"] == "crawl"  # ICLR 2024-2025's
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
    assert len(refs) == len(test) and {r["forum"] for r in refs} == set(meta["test_forums"])
    for row, ref in zip(test, refs, strict=True):
        assert row["input"].startswith(f"title: {ref['title']}\n")
        target = next(r for r in ref["reviews"] if r["id"] == ref["target_review_id"])
        assert row["output"].startswith(target["text"])
        assert {"forum", "venue", "year", "decision", "rating_scale"} <= set(ref)
    # the train split's ratings: one line a train paper, its human ratings and decision (the committee's rule)
    ratings = read_jsonl(out / "sample_train.ratings.jsonl")
    assert len(ratings) == meta["counts"]["train papers"] == len({r["forum"] for r in ratings})
    assert not {r["forum"] for r in ratings} & set(meta["test_forums"])
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
    assert n_refs == meta["counts"]["test rows"] == meta["counts"]["test papers"]


def test_temporal_holdout_by_venue(parsed_sample, tiny_model, tmp_path):
    meta = build(BuildConfig(raw=SAMPLE, out=tmp_path, name="t", tokenizer=str(tiny_model), cutoff=1024,
                             parsed=parsed_sample, test_venues=("ICLR.cc_2025_Conference",)))
    refs = read_jsonl(tmp_path / "t_test.refs.jsonl")
    assert {r["venue"] for r in refs} == {"ICLR.cc/2025/Conference"} and meta["counts"]["test papers"] == 6
    with pytest.raises(ValueError, match="no kept paper"):
        build(BuildConfig(raw=SAMPLE, out=tmp_path, name="t", tokenizer=str(tiny_model), cutoff=1024,
                          parsed=parsed_sample, test_venues=("NeurIPS.cc/2030/Conference",)))


def test_cutoff_too_small_for_a_paper_is_refused(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="leaves under"):
        build(BuildConfig(raw=SAMPLE, out=tmp_path, name="x", tokenizer=str(tiny_model), cutoff=200))


# --------------------------------------------------------------------------- a crawl with every kind of problem

WORDS = ("model data training loss attention sparse dense kernel gradient bound theorem proof ablation baseline "
         "benchmark dataset accuracy robust noise prior posterior sample variance layer token").split()


def prose(seed: int, n: int) -> str:
    import random

    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def review(rid: str, seed: int, words: int = 60, **extra) -> dict:
    parts = ("summary", "strengths", "weaknesses", "questions")
    content = {**{key: {"value": prose(seed + k, words // 4)} for k, key in enumerate(parts)},
               "rating": {"value": 6}, "confidence": {"value": 3}, **extra}
    return {"id": rid, "invitations": ["ICLR.cc/2024/Conference/Submission1/-/Official_Review"], "content": content}


def note(forum: str, replies: list[dict], venueid: str = "ICLR.cc/2024/Conference", title: str | None = None) -> dict:
    return {"id": forum, "forum": forum, "domain": "ICLR.cc/2024/Conference",
            "invitations": ["ICLR.cc/2024/Conference/-/Submission"],
            "content": {"title": {"value": title or f"Paper {forum}"}, "abstract": {"value": "We study things."},
                        "venueid": {"value": venueid}},
            "details": {"replies": replies}}


@pytest.fixture
def bad_crawl(tmp_path) -> tuple[Path, Path]:
    raw, parsed = tmp_path / "raw", tmp_path / "parsed"
    venue = raw / "ICLR.cc_2024_Conference"
    venue.mkdir(parents=True)
    good = [note(f"G{i}", [review(f"g{i}a", 10 * i), review(f"g{i}b", 10 * i + 5)]) for i in range(6)]
    near = dict(good[0]["details"]["replies"][0], id="near")
    near["content"] = {**near["content"], "summary": {"value": near["content"]["summary"]["value"] + " extra"}}
    good[1]["details"]["replies"].append(near)
    messy = note("M", [review("empty", 0, 0, summary={"value": ""}, strengths={"value": ""},
                              weaknesses={"value": ""}, questions={"value": ""}),
                       review("short", 1, 8), review("url", 200, questions={"value": prose(3, 20) + " see https://x.org/p"})])
    lines = [json.dumps(n) for n in good] + [
        "{not json",
        json.dumps(note("W", [review("w", 300)], venueid="ICLR.cc/2024/Conference/Withdrawn_Submission")),
        json.dumps(good[2]),  # the same forum again
        json.dumps(messy),
        json.dumps({"id": "T", "content": {}}),  # no title
        json.dumps(note("NP", [review("np", 400)])),  # neither parsed text nor PDF
        json.dumps(note("TL", [review("tl", 500)])),  # too little text
        json.dumps(note("BAD", [review("bad", 600)])),  # parsed JSON is not UTF-8
    ]
    body = b"\n".join(line.encode() for line in lines[:7]) + b"\n\xff\xfe not utf-8\n" + \
        b"\n".join(line.encode() for line in lines[7:]) + b"\n"
    (venue / "notes.jsonl").write_bytes(body)
    parsed.mkdir()
    for forum in [f"G{i}" for i in range(6)] + ["M", "W"]:
        write_json(parsed / f"{forum}.json", {"sections": [
            {"heading": "1 Introduction", "text": "Under review as a conference paper at ICLR 2024\n" + prose(1, 200)},
            {"heading": "2 Method", "text": prose(2, 200)},
            {"heading": "References", "text": "x", "kind": "references"}]})
    write_json(parsed / "TL.json", {"sections": [{"heading": "1", "text": prose(3, 20)}]})
    (parsed / "BAD.json").write_bytes(b'{"sections": "\xff"}')
    return raw, parsed


def test_bad_crawl_funnel_counts_each_step_and_names_bad_lines(bad_crawl, tiny_model, tmp_path, capsys):
    raw, parsed = bad_crawl
    before = tree_digest(raw)
    main(["--raw", str(raw), "--parsed", str(parsed), "--out", str(tmp_path / "out"), "--name", "bad",
          "--tokenizer", str(tiny_model), "--cutoff", "1024"])
    assert tree_digest(raw) == before
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split()[:3] == ["step", "papers", "reviews"]
    meta = json.loads((tmp_path / "out" / "bad.meta.json").read_text())
    rows = {r["step"].split(" (")[0]: r for r in meta["funnel"]}
    assert rows["notes read"]["papers"] == 15  # 14 JSON lines + 1 non-UTF-8 line
    assert rows["bad lines, notes without id or title"]["papers_dropped"] == 3
    assert rows["withdrawn / desk-rejected"]["papers_dropped"] == 1
    assert rows["duplicate papers"]["papers_dropped"] == 1
    assert rows["URLs / boilerplate fixed in reviews"]["fixed"] == 1
    assert rows["empty reviews"]["reviews_dropped"] == 1 and rows["short reviews"]["reviews_dropped"] == 1
    assert rows["near-duplicate reviews"]["reviews_dropped"] == 1
    assert rows["no parsed text"]["papers_dropped"] == 2 and rows["too little text"]["papers_dropped"] == 1
    assert rows["URLs / boilerplate fixed in paper text"]["fixed"] == 8  # every copy still in, G2's second too
    assert meta["funnel"][-1]["papers"] == 7 and meta["funnel"][-1]["reviews"] == 13
    reasons = " | ".join(s["reason"] for s in meta["skipped"])
    assert "notes.jsonl:7:" in reasons and "notes.jsonl:8:" in reasons and "UnicodeDecodeError" in reasons
    train = read_jsonl(tmp_path / "out" / "bad_train.jsonl") + read_jsonl(tmp_path / "out" / "bad_test.jsonl")
    assert not any("Under review as" in r["input"] or "https://" in r["output"] for r in train)
    assert (tmp_path / "out" / "bad.funnel.png").stat().st_size > 1000
    assert Funnel(meta["funnel"]).table() in printed


def test_the_notes_abstract_wins_and_the_pdfs_fills_in_where_the_note_has_none(tiny_model, tmp_path):
    raw, parsed = tmp_path / "raw", tmp_path / "parsed"
    (raw / "ICLR.cc_2024_Conference").mkdir(parents=True)
    notes = [note(f"P{i}", [review(f"r{i}", 7 * i)]) for i in range(2)]
    notes[1]["content"]["abstract"] = {"value": ""}
    (raw / "ICLR.cc_2024_Conference" / "notes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in notes))
    for i in range(2):
        write_json(parsed / f"P{i}.json", {"abstract": f"Parsed abstract {i} from the PDF.", "sections": [
            {"heading": "1 Introduction", "text": prose(i, 200)}, {"heading": "2 Method", "text": prose(i + 9, 200)}]})
    main(["--raw", str(raw), "--parsed", str(parsed), "--out", str(tmp_path / "out"), "--name", "abs",
          "--tokenizer", str(tiny_model), "--cutoff", "1024", "--test-size", "0"])
    inputs = [r["input"] for r in read_jsonl(tmp_path / "out" / "abs_train.jsonl")]
    assert len(inputs) == 2
    first, second = (next(text for text in inputs if f"Paper P{i}" in text) for i in range(2))
    assert "We study things." in first and "Parsed abstract 0" not in first
    assert "Parsed abstract 1 from the PDF." in second
