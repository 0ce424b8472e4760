"""`make data` without `PARSED` parses each PDF in `make parse`'s pool: bounded in time and memory, cached.
Five builds of one venue with their PDFs parsed, so this lives in the e2e layer; the pool's own limits are in
tests/unit/preprocess/pdf/test_limits.py and test_parse_pdf.py.

The crawl is the bundled sample's ICLR 2024 folder (six rendered papers) with one PDF swapped for a deflate
bomb and, later, one for a page that takes seconds to extract (`raw_pdfs`).
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from conftest import REPO
from raw_pdfs import deflate_bomb, slow_pdf

from preprocess.dataset.__main__ import main

pytestmark = pytest.mark.slow
VENUE = "ICLR.cc_2024_Conference"


def build(raw, out, tiny_model, *extra: str) -> dict:
    main(["--raw", str(raw), "--out", str(out), "--name", "p", "--tokenizer", str(tiny_model), "--cutoff", "1024",
          *extra])
    return json.loads((out / "p.meta.json").read_text())


def test_hostile_pdfs_cost_one_worker_each_and_the_build_goes_on(tmp_path, tiny_model):
    """The memory limit and the timeout each get a build of their own, so neither races the other under load:
    the bomb meets 512 MB under a timeout it cannot reach, and the slow page (seconds, whatever the load) is
    the one PDF parsed under a 1.5 s timeout."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(REPO / "data" / "sample" / VENUE, raw / VENUE)
    pdfs = sorted((raw / VENUE / "pdfs").glob("*.pdf"))
    deflate_bomb(pdfs[0], 600)
    start = time.monotonic()
    meta = build(raw, out, tiny_model, "--max-memory-mb", "512", "--parse-timeout", "300")
    assert time.monotonic() - start < 250, "the bomb waited for the 300 s timeout instead of meeting the memory limit"
    where = {s["item"]: s["reason"] for s in meta["skipped"]}
    notes = raw / VENUE / "notes.jsonl"
    lines = {json.loads(text)["id"]: n for n, text in enumerate(notes.read_text().splitlines(), 1)}
    bomb, slow = pdfs[0].stem, pdfs[1].stem
    assert where[f"{notes}:{lines[bomb]}: paper {bomb}"].startswith(
        "no parsed text: exceeds the 512 MB memory limit (")
    cache = out / "cache" / "parsed" / VENUE
    assert sorted(p.stem for p in cache.glob("*.json")) == sorted(p.stem for p in pdfs[1:])
    assert meta["args"]["parse"] == {"backend": "default", "timeout_s": 300, "memory_mb": 512, "workers": 2}
    rows = (out / "p_train.jsonl").read_bytes()

    stamps = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    os.utime(pdfs[2], ns=(time.time_ns(), time.time_ns()))  # a PDF crawled again after its parse
    pdfs[0].write_bytes((REPO / "data" / "sample" / VENUE / "pdfs" / pdfs[0].name).read_bytes())  # bomb fixed
    build(raw, out, tiny_model, "--max-memory-mb", "512", "--parse-timeout", "300")
    again = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert {n for n in stamps if again[n] != stamps[n]} == {f"{pdfs[2].stem}.json"}, "the rest came from the cache"
    assert f"{bomb}.json" in again
    assert (out / "p_train.jsonl").read_bytes() != rows  # the mended paper joined

    slow_pdf(pdfs[1], 200_000)  # crawled again as a page that takes ~6 s to extract: the only PDF to parse
    meta = build(raw, out, tiny_model, "--max-memory-mb", "0", "--parse-timeout", "1.5")
    where = {s["item"]: s["reason"] for s in meta["skipped"]}
    assert where[f"{notes}:{lines[slow]}: paper {slow}"] == "no parsed text: timeout after 1.5 s"
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")} == again, "only the slow page was parsed"
    assert meta["args"]["parse"] == {"backend": "default", "timeout_s": 1.5, "memory_mb": 0, "workers": 2}


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
