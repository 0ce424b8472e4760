"""`make data` without `PARSED` parses each PDF in `make parse`'s pool: bounded in time and memory, cached.

The crawl is the bundled sample's ICLR 2024 folder (six rendered papers) with one PDF swapped for a deflate
bomb and one for a page that takes seconds to extract (`raw_pdfs`).
"""

from __future__ import annotations

import json
import os
import shutil
import time

from conftest import REPO
from raw_pdfs import deflate_bomb, slow_pdf

from preprocess.dataset.__main__ import main

VENUE = "ICLR.cc_2024_Conference"


def build(raw, out, tiny_model, *extra: str) -> dict:
    main(["--raw", str(raw), "--out", str(out), "--name", "p", "--tokenizer", str(tiny_model), "--cutoff", "1024",
          *extra])
    return json.loads((out / "p.meta.json").read_text())


def test_hostile_pdfs_cost_one_worker_each_and_the_build_goes_on(tmp_path, tiny_model):
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(REPO / "data" / "sample" / VENUE, raw / VENUE)
    pdfs = sorted((raw / VENUE / "pdfs").glob("*.pdf"))
    deflate_bomb(pdfs[0], 600)
    slow_pdf(pdfs[1])  # ~3 s and ~370 MB to parse
    start = time.monotonic()
    # 1.5 s from the file's start (not the worker's): the bomb meets 512 MB well before, the slow page never
    meta = build(raw, out, tiny_model, "--max-memory-mb", "512", "--parse-timeout", "1.5")
    assert time.monotonic() - start < 30
    where = {s["item"]: s["reason"] for s in meta["skipped"]}
    notes = raw / VENUE / "notes.jsonl"
    lines = {json.loads(text)["id"]: n for n, text in enumerate(notes.read_text().splitlines(), 1)}
    bomb, slow = pdfs[0].stem, pdfs[1].stem
    assert where[f"{notes}:{lines[bomb]}: paper {bomb}"].startswith(
        "no parsed text: exceeds the 512 MB memory limit (")
    assert where[f"{notes}:{lines[slow]}: paper {slow}"] == "no parsed text: timeout after 1.5 s"
    cache = out / "cache" / "parsed" / VENUE
    assert sorted(p.stem for p in cache.glob("*.json")) == sorted(p.stem for p in pdfs[2:])
    assert meta["args"]["parse"] == {"backend": "default", "timeout_s": 1.5, "memory_mb": 512, "workers": 2}
    rows = (out / "p_train.jsonl").read_bytes()

    stamps = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    os.utime(pdfs[2], ns=(time.time_ns(), time.time_ns()))  # a PDF crawled again after its parse
    pdfs[0].write_bytes((REPO / "data" / "sample" / VENUE / "pdfs" / pdfs[0].name).read_bytes())  # bomb fixed
    build(raw, out, tiny_model, "--max-memory-mb", "512", "--parse-timeout", "1.5")
    again = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert {n for n in stamps if again[n] != stamps[n]} == {f"{pdfs[2].stem}.json"}, "the rest came from the cache"
    assert f"{bomb}.json" in again
    assert (out / "p_train.jsonl").read_bytes() != rows  # the mended paper joined


def test_given_parses_are_only_read_and_the_rest_parsed_into_the_cache(tmp_path, tiny_model):
    raw, out, given = tmp_path / "raw", tmp_path / "out", tmp_path / "given"
    shutil.copytree(REPO / "data" / "sample" / VENUE, raw / VENUE)
    first = build(raw, out, tiny_model)
    cache = out / "cache" / "parsed" / VENUE
    shutil.copytree(cache, given)
    shutil.rmtree(out)
    kept = sorted(given.glob("*.json"))
    for extra in kept[3:]:
        extra.unlink()
    before = {p.name: p.stat().st_mtime_ns for p in given.iterdir()}
    second = build(raw, out, tiny_model, "--parsed", str(given))
    assert {p.name: p.stat().st_mtime_ns for p in given.iterdir()} == before
    assert sorted(p.name for p in cache.glob("*.json")) == sorted(p.name for p in kept[3:])
    assert (first["counts"], first["targets"]) == (second["counts"], second["targets"])
