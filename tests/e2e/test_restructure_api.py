"""LLM restructuring against a real `llamafactory-cli api` on 127.0.0.1 serving the tiny model.

The tiny model writes noise, so this checks the plumbing, not the prose: what the server was asked and
answered (as the cache records it), the cache (a second pass sends nothing), validation (noise is refused) and
the fallback (a build with --llm-url gives those reviews the offline route's parts and counts them).
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from preprocess.core import prompts
from preprocess.core.jsonl import write_json
from preprocess.core.llm import ChatClient
from preprocess.core.target import canonical_parts
from preprocess.dataset.build import build
from preprocess.dataset.config import BuildConfig
from preprocess.targets import restructure
from preprocess.targets.targets import LLMOptions

pytestmark = pytest.mark.slow

REVIEWS = ["Strengths: clear. Weaknesses: small benchmarks.", "The proofs look right but the experiments are thin.",
           "I like the idea; please add ablations."]


def test_requests_cache_validation_against_a_real_server(tiny_api, tmp_path):
    def client() -> ChatClient:
        return ChatClient(tiny_api, "tiny", tmp_path / "cache", workers=3, max_tokens=8)

    first = restructure.LLMRestructurer(client())
    assert first.restructure_many(REVIEWS) == [None, None, None]  # noise lacks the four `## ` parts
    assert dict(first.stats) == {"requests": 3, "invalid": 3}
    entries = [json.loads(p.read_text()) for p in (tmp_path / "cache").rglob("*.json")]
    assert sorted(e["messages"][1]["content"] for e in entries) == sorted(REVIEWS)
    for entry in entries:
        assert entry["model"] == "tiny" and entry["messages"][0] == {"role": "system",
                                                                      "content": restructure.RESTRUCTURE_PROMPT}
        assert isinstance(entry["reply"], str)

    again = restructure.LLMRestructurer(client())
    assert again.restructure_many(REVIEWS) == [None, None, None]
    assert dict(again.stats) == {"cache hits": 3, "invalid": 3}

    four = "\n".join(f"## {p}\nok" for p in prompts.FOUR_PARTS)
    seeded = again.client.cache_path(again.messages("seeded"))
    write_json(seeded, {"model": "tiny", "messages": again.messages("seeded"), "reply": four})
    assert again.restructure_many(["seeded"]) == [canonical_parts(four)]
    assert again.client.calls == 0


def test_build_with_llm_url_falls_back_to_the_offline_route_and_counts(tiny_api, tiny_model, tmp_path):
    meta = build(BuildConfig(raw=REPO / "data" / "sample", out=tmp_path, name="llm", tokenizer=str(tiny_model),
                             cutoff=1024, llm=LLMOptions(tiny_api, "tiny", max_tokens=8, workers=4)))
    counts = meta.counts
    assert counts["llm requests"] == 11 and counts["llm invalid"] == 11  # the ICLR 2023 reviews the rules left
    assert counts["targets offline"] == 11 and meta.targets["raw"] == 0  # noise refused: the classifier places them
    assert len(list((tmp_path / "cache" / "restructure").rglob("*.json"))) == 11
