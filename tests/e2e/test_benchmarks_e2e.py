"""The benchmarks behind the README's measured rows, each run small end to end: bench/parts.py (the four-part
classifier, crawl-trained and bundled) and bench/parse.py (PDF parsing speed and quality on the real fixtures).
They start Python, train or parse for tens of seconds, so they live in this layer, not in `make test-fast`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, shared_fixture

pytestmark = pytest.mark.slow
SAMPLE = REPO / "data" / "sample"


def test_the_bench_measures_crawl_trained_and_bundled_models(tmp_path):
    """bench/parts.py --crawl on a few structured reviews (tiny: the figures are in the README, measured on
    genuine NeurIPS reviews)."""
    out = tmp_path / "parts.json"
    done = subprocess.run([sys.executable, "bench/parts.py", "--crawl", str(SAMPLE), "--features", "hashing",
                           "--folds", "2", "--max-reviews", "8", "--json", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    crawl, bundle = json.loads(out.read_text())
    assert crawl["model"] == "trained on the other folds" and bundle["model"].startswith("bundled: ")
    for result in (crawl, bundle):
        assert result["sentences"] > 30 and 0.5 < result["accuracy"] <= 1
        assert set(result["f1"]) == {"summary", "strengths", "weaknesses", "suggestions"}
    assert "crawl-trained (hashing" in done.stdout and "bundled (hashing" in done.stdout


def test_parse_benchmark_runs_small(tmp_path: Path):
    """bench/parse.py end to end on a few pages: speed figures, and the quality it reports on the real PDFs."""
    shared_fixture("pdf_tei")  # skips (or fails under CI) with the helper's reason
    out = tmp_path / "parse.json"
    done = subprocess.run([sys.executable, "bench/parse.py", "--backends", "default", "--min-pages", "20",
                           "--workers", "1", "--long-lines", "4000", "--json", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    long = json.loads(out.read_text())["long"]
    assert long["lines"] == 4000 and long["references"] >= 900 and long["seconds"] < 30
    result = json.loads(out.read_text())["backends"]["default"]
    speed = result["speed"]
    assert speed["pages"] >= 20 and speed["errors_1w"] == 0 and speed["pages_per_cpu_s"] > 0
    recalls = [q["heading_recall"] for q in result["quality"] if "heading_recall" in q]
    assert len(recalls) >= 3 and min(recalls) >= 0.9, result["quality"]
    assert all(q["title"] and q["margin_number_runs"] == 0 for q in result["quality"]), result["quality"]
