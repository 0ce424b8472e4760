"""LLM restructuring against a real `llamafactory-cli api` on 127.0.0.1 serving the tiny model.

The tiny model writes noise, so this checks the plumbing, not the prose: the requests the server gets and
answers, the on-disk cache (a second pass sends nothing), validation (noise is refused) and the fallback
(a build with --llm-url keeps raw targets for those reviews and counts them).
"""

from __future__ import annotations

import json

import pytest
import requests
from conftest import REPO

from preprocess import restructure
from preprocess.build import BuildConfig, build
from preprocess.jsonl import write_json

pytestmark = pytest.mark.slow

REVIEWS = ["Strengths: clear. Weaknesses: small benchmarks.", "The proofs look right but the experiments are thin.",
           "I like the idea; please add ablations."]


def recording_session(log: list) -> requests.Session:
    session = requests.Session()
    session.hooks["response"].append(lambda resp, *a, **k: log.append((json.loads(resp.request.body), resp)))
    return session


def test_requests_cache_validation_against_a_real_server(tiny_api, tmp_path):
    log: list = []
    config = restructure.LLMConfig(url=tiny_api, model="tiny", cache_dir=tmp_path / "cache", workers=3, max_tokens=8)
    first = restructure.LLMRestructurer(config, session_factory=lambda: recording_session(log))
    assert first.restructure_many(REVIEWS) == [None, None, None]  # noise lacks the four `## ` parts
    assert dict(first.stats) == {"requests": 3, "invalid": 3}
    assert sorted(body["messages"][1]["content"] for body, _ in log) == sorted(REVIEWS)
    for body, resp in log:
        assert resp.status_code == 200 and body["model"] == "tiny" and body["max_tokens"] == 8
        assert body["messages"][0] == {"role": "system", "content": restructure.RESTRUCTURE_PROMPT}
        answer = resp.json()["choices"][0]["message"]["content"]
        key = restructure.cache_key("tiny", restructure.RESTRUCTURE_PROMPT, body["messages"][1]["content"])
        assert json.loads((tmp_path / "cache" / key[:2] / f"{key}.json").read_text())["answer"] == answer

    again = restructure.LLMRestructurer(config, session_factory=lambda: recording_session(log))
    assert again.restructure_many(REVIEWS) == [None, None, None]
    assert dict(again.stats) == {"cache hits": 3, "invalid": 3} and len(log) == 3

    four = "\n".join(f"## {p}\nok" for p in restructure.prompts.FOUR_PARTS)
    key = restructure.cache_key("tiny", restructure.RESTRUCTURE_PROMPT, "seeded")
    write_json(tmp_path / "cache" / key[:2] / f"{key}.json", {"model": "tiny", "answer": four})
    assert again.restructure("seeded") == restructure.parse_four_parts(four) and len(log) == 3


def test_build_with_llm_url_falls_back_to_raw_and_counts(tiny_api, tiny_model, tmp_path):
    meta = build(BuildConfig(raw=REPO / "data" / "sample", out=tmp_path, name="llm", tokenizer=str(tiny_model),
                             cutoff=1024, llm_url=tiny_api, llm_model="tiny", llm_max_tokens=8, llm_workers=4))
    counts = meta["counts"]
    assert counts["llm requests"] == 11 and counts["llm invalid"] == 11  # the ICLR 2023 reviews the rules left
    assert counts["targets raw"] == 11 and meta["targets"]["raw"] == 11
    assert len(list((tmp_path / "cache" / "restructure").rglob("*.json"))) == 11
