"""The LLM paths against a real `llamafactory-cli api` serving the tiny random-init model on 127.0.0.1
(the session fixture `tiny_api` in conftest.py).

A random model answers garbage: these tests check plumbing (both judge orders sent, replies cached,
the CLI finishing) and that unusable judge/matcher output is counted, never fatal; not the prose.
"""

import json
import shutil

import pytest
from conftest import REPO

from eval.__main__ import main
from eval.inputs import load_inputs
from eval.scores.hitrate import LLMMatcher
from eval.scores.judge import JudgeCase, run_judge
from preprocess.core.llm import ChatClient

pytestmark = pytest.mark.slow
FIXTURES = REPO / "tests" / "fixtures_eval"


def _client(url, cache, **kw):
    return ChatClient(url, "tiny", cache, max_tokens=16, retries=1, backoff_s=0.5, timeout_s=120, **kw)


def _cases():
    inputs = load_inputs(FIXTURES / "generated_predictions.jsonl", FIXTURES / "tiny_test.refs.jsonl")
    return [JudgeCase(row.refs, row.predict, row.label, row.refs.target_review_id)
            for row in inputs.papers()[:2]]


def test_judge_sends_both_orders_caches_and_survives_garbage(tiny_api, tmp_path):
    client = _client(tiny_api, tmp_path / "cache", workers=2)
    summary, details = run_judge(client, _cases())
    assert client.calls == 4  # two papers, both orders
    assert summary["n_papers"] == 2 and len(details) == 2
    parsed = sum(v is not None for d in details for v in (d["model_first"], d["model_second"]))
    assert parsed + summary["invalid_replies"] == 4
    assert summary["win"] + summary["tie"] + summary["loss"] + summary["invalid"] == 2
    again = _client(tiny_api, tmp_path / "cache")
    assert run_judge(again, _cases()) == (summary, details)
    assert again.calls == 0 and again.cache_hits == 4


def test_real_reply_is_text_and_greedy(tiny_api, tmp_path):
    first = _client(tiny_api, tmp_path / "a").chat([{"role": "user", "content": "Review this paper."}])
    second = _client(tiny_api, tmp_path / "b").chat([{"role": "user", "content": "Review this paper."}])
    assert isinstance(first, str) and first == second  # temperature 0: greedy, reproducible


def test_llm_matcher_counts_garbage_as_unusable(tiny_api, tmp_path):
    matcher = LLMMatcher(_client(tiny_api, tmp_path / "cache"))
    hits = matcher.match_many([(["The baselines are weak."], ["Baselines are not tuned."]),
                               (["No ablation study."], ["Missing ablations."])])
    assert matcher.asked == 2 and 0 <= matcher.invalid <= 2
    assert [len(a) for a, _ in hits] == [1, 1]


def test_cli_llm_paths_end_to_end(tiny_api, tmp_path):
    for name in ("tiny_test.jsonl", "tiny_test.refs.jsonl", "generated_predictions.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    out = tmp_path / "eval"
    args = ["--predictions", str(tmp_path / "generated_predictions.jsonl"), "--references",
            str(tmp_path / "tiny_test.jsonl"), "--out", str(out), "--judge", "--hitrate-matcher", "llm",
            "--concerns", "llm", "--llm-url", tiny_api, "--llm-model", "tiny", "--llm-max-tokens", "16"]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["judge"]["n_papers"] == 3 and metrics["llm"]["requests"] > 0
    assert metrics["hit_rate"]["llm_extraction_fallbacks"] >= 0
    assert main(args) == 0
    assert json.loads((out / "metrics.json").read_text())["llm"]["requests"] == 0  # all cached
