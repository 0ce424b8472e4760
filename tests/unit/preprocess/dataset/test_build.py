"""`make data` on a hand-made bad crawl with the tiny tokenizer, and the refusals (the whole builds of the
bundled sample: tests/e2e/test_build_e2e.py). Every build writes under pytest's temp dir.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, tree_digest

from preprocess.core.jsonl import read_jsonl, write_json
from preprocess.dataset.__main__ import main
from preprocess.dataset.build import build
from preprocess.dataset.config import BuildConfig
from preprocess.dataset.funnel import Funnel

SAMPLE = REPO / "data" / "sample"


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
