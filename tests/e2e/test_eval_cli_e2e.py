"""`python -m eval` end to end on the hand-made fixtures: every output file, known paper-level answers, the
embedding hit rate, the CLI without the sidecar, the LLM judge and matcher through a local endpoint. Each run loads
the embedding model and draws every figure, so these live in this layer; the CLI's refusals are in
tests/unit/eval/test_eval_cli.py."""

import json
import shutil
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures_eval.stub_server import StubChatServer

from eval.__main__ import main

pytestmark = pytest.mark.slow
FIXTURES = REPO / "tests" / "fixtures_eval"
OUTPUTS = ("metrics.json", "report.md", "report.html", "similarity.png", "structure.png")


@pytest.fixture
def data(tmp_path):
    for name in ("tiny_test.jsonl", "tiny_test.refs.jsonl", "generated_predictions.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """One offline default run (embedding hit rate included) shared by the assertions below."""
    data = tmp_path_factory.mktemp("data")
    for name in ("tiny_test.jsonl", "tiny_test.refs.jsonl", "generated_predictions.jsonl"):
        shutil.copy(FIXTURES / name, data / name)
    out = data / "eval"
    assert main(["--predictions", str(data / "generated_predictions.jsonl"),
                 "--references", str(data / "tiny_test.jsonl"), "--out", str(out)]) == 0
    return out, json.loads((out / "metrics.json").read_text())


def test_default_run_writes_every_output(full_run):
    out, metrics = full_run
    for name in (*OUTPUTS, "ratings.png", "hitrate.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "report.png").exists() is False
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    for heading in ("ROUGE and BLEU", "Structure", "Ratings", "Decisions", "Comment overlap"):
        assert f"## {heading}" in md and f"<h2>{heading}" in page
    assert "![Ratings](ratings.png)" in md and '<img src="ratings.png"' in page
    assert metrics["judge"] is None and "llm" not in metrics


def test_known_paper_level_answers(full_run):
    _, m = full_run
    assert m["inputs"]["n_rows"] == 5 and m["inputs"]["n_papers"] == 3
    r, d = m["ratings"], m["decisions"]
    assert r["mae_vs_mean_human"] == pytest.approx(5 / 3)  # F1 |8-7|, F2 |6-11/3|; row 1 (Rating: 1) ignored
    assert r["exact_match_any_human"] == 0.5
    assert r["parsed_share"] == pytest.approx(2 / 3)
    assert d["accuracy"] == 0.5 and d["f1_accept"] == pytest.approx(2 / 3)
    s = m["structure"]
    assert s["predictions"]["all_four"] == pytest.approx(3 / 5)  # rows 0, 1, 4
    assert s["predictions"]["in_order"] == pytest.approx(2 / 5)  # row 4 is out of order
    assert s["labels"]["all_four"] == 1.0


def test_embedding_hit_rate_on_the_fixture(full_run):
    _, m = full_run
    h = m["hit_rate"]
    # F1: 2 of 3 model concerns vs r1, 1 of 3 vs r2; F2: 2/2, 1/2, 1/2; F3: 1/1 (see README)
    assert h["model_vs_human"]["pairwise"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert h["shuffled_control"]["pairwise"] < h["model_vs_human"]["pairwise"]
    assert h["shuffled_control"]["n_papers"] == 3
    assert h["human_vs_human"]["n_papers"] == 2  # F3 has one reviewer


def test_without_sidecar_only_label_metrics(data):
    (data / "tiny_test.refs.jsonl").unlink()
    out = data / "eval"
    args = ["--predictions", str(data / "generated_predictions.jsonl"), "--references",
            str(data / "tiny_test.jsonl"), "--out", str(out)]
    proc = subprocess.run([sys.executable, "-m", "eval", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["ratings"] is None and metrics["hit_rate"] is None
    assert metrics["similarity"]["rouge-1"] > 0
    assert "only ROUGE/BLEU and structure are computed" in (out / "report.md").read_text()
    assert not (out / "ratings.png").exists()


def test_llm_paths_through_a_local_endpoint(data):
    """Judge (default opponent: the human target review) and LLM matcher/extraction via a scripted server."""
    def script(messages):
        content = messages[0]["content"]
        if content.startswith("Please act as an impartial judge"):
            review_a, review_b = content.split("[Review A]\n", 1)[1].split("[Review B]\n", 1)
            # prefers the review with a rating line (the model's for F1 and F2; neither for F3)
            return 200, "[[A]]" if "Rating:" in review_a else "[[B]]" if "Rating:" in review_b else "[[C]]"
        if content.startswith("Your task is to carefully read"):
            return 200, '["One concern about baselines here."]'
        return 200, '[{"a": 1, "b": 1, "similarity": 9}]'

    out = data / "eval"
    with StubChatServer(script) as server:
        args = ["--predictions", str(data / "generated_predictions.jsonl"), "--references",
                str(data / "tiny_test.refs.jsonl"), "--out", str(out), "--judge", "--hitrate-matcher", "llm",
                "--concerns", "llm", "--llm-url", server.url, "--llm-model", "stub"]
        assert main(args) == 0
        sent = len(server.requests)
        assert main(args) == 0  # rerun: everything from the cache
        assert len(server.requests) == sent
    m = json.loads((out / "metrics.json").read_text())
    j = m["judge"]
    assert (j["win"], j["tie"], j["loss"], j["invalid"]) == (2, 1, 0, 0)
    assert j["opponent"].startswith("the human target review")
    assert len((out / "judge_verdicts.jsonl").read_text().splitlines()) == 3
    h = m["hit_rate"]
    assert h["matcher"] == "llm" and h["llm_unusable_replies"] == 0 and h["llm_extraction_fallbacks"] == 0
    assert h["model_vs_human"]["pairwise"] == 1.0 and h["shuffled_control"]["pairwise"] == 1.0
    assert m["llm"]["requests"] == 0 and m["llm"]["cache_hits"] > 0
    assert "## Pairwise judge" in (out / "report.md").read_text() and (out / "judge.png").exists()
