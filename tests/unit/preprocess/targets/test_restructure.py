"""Four-part restructuring: rules on literal reviews; through the one LLM client, the cache, validation and
fallback against a local stand-in server (the real `llamafactory-cli api` run is in
tests/e2e/test_restructure_api.py)."""

import json

import pytest
from fixtures_eval.stub_server import StubChatServer

from preprocess.core import prompts
from preprocess.core.llm import ChatClient
from preprocess.core.record import Review
from preprocess.core.target import canonical_parts
from preprocess.targets import restructure

FOUR = "\n\n".join(f"## {p}\n{t}" for p, t in zip(prompts.FOUR_PARTS, ("Sig.", "Acc.", "Rej.", "Sug."), strict=True))


def test_structured_fields_become_four_parts():
    review = Review(id="r", summary="S.", strengths="P.", weaknesses="W.", questions="Q?")
    assert restructure.rule_based(review) == ("## Significance and novelty\nS.\n\n## Reasons for acceptance\nP.\n\n"
                                              "## Reasons for rejection\nW.\n\n## Suggestions for improvement\nQ?")


def test_free_text_split_on_headings_in_many_spellings():
    text = ("**Summary:** The paper does X.\n\n1. Pros: fast.\n## Weaknesses\nslow to train\n"
            "Cons:\nno code\n\nQuestions for the authors:\nWhy Y?\n")
    parts, lead = restructure.split_headings(text)
    assert lead == ""
    assert parts == {"summary": "The paper does X.", "strengths": "fast.",
                     "weaknesses": "slow to train\n\nno code", "suggestions": "Why Y?"}
    assert restructure.rule_based(Review(id="r", text=text)).startswith("## Significance and novelty\nThe paper")


def test_iclr_2022_main_review_with_verdict_and_2023_without_questions():
    iclr22 = Review(id="a", summary="Sum.", text="I recommend acceptance.",
                    strengths_and_weaknesses="Strengths:\nGood.\n\nWeaknesses:\nBad.\n\nQuestions:\nWhy?")
    out = restructure.rule_based(iclr22)
    assert out.split("\n\n## ")[0] == "## Significance and novelty\nSum.\n\nI recommend acceptance."
    iclr23 = Review(id="b", summary="Sum.", strengths_and_weaknesses="Strengths:\nGood.\n\nWeaknesses:\nBad.",
                    text="Clarity is fine.")
    assert restructure.rule_based(iclr23) is None  # no suggestions part: stays raw unless an LLM is asked
    assert restructure.rule_based(Review(id="c", text="A plain paragraph with no headings at all.")) is None
    assert restructure.split_headings("Strengths of this paper are many.") == ({}, "Strengths of this paper are many.")


def test_llm_answers_are_validated_and_rendered_canonically():
    messy = "Sure!\n### **Significance and novelty:**\nSig.\n## reasons for acceptance\nAcc.\n" \
            "## Reasons for rejection\nRej.\n## Suggestions for improvement\nSug."
    assert canonical_parts(messy) == FOUR
    assert canonical_parts(FOUR.replace("## Reasons for rejection\nRej.\n\n", "")) is None
    assert canonical_parts(FOUR.replace("Rej.", "")) is None  # a heading with nothing under it
    assert canonical_parts("no headings") is None


def answering(answers: list) -> StubChatServer:
    """A local OpenAI-compatible server answering from `answers` in turn (an int is an HTTP error status)."""
    def script(messages):
        answer = answers.pop(0)
        return (answer, "busy") if isinstance(answer, int) else (200, answer)

    return StubChatServer(script)


def restructurer(server: StubChatServer, tmp_path, **kw) -> restructure.LLMRestructurer:
    kw.setdefault("key_env", "REVIEW_LLM_API_KEY")
    client = ChatClient(server.url + "/", "m", tmp_path / "cache", workers=1, retries=1, backoff_s=0.0, **kw)
    return restructure.LLMRestructurer(client)


def test_llm_requests_cache_validation_and_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_LLM_API_KEY", "sk-test")
    with answering([FOUR, "only prose", 503, FOUR]) as server:
        first = restructurer(server, tmp_path)
        assert first.restructure_many(["review one", "review two", "review three"]) == [FOUR, None, FOUR]
        assert [r["path"] for r in server.requests] == ["/v1/chat/completions"] * 4  # one retry after the 503
        body = server.requests[0]["body"]
        assert body["model"] == "m" and body["messages"][0] == {"role": "system",
                                                                 "content": restructure.RESTRUCTURE_PROMPT}
        assert body["messages"][1] == {"role": "user", "content": "review one"}
        assert server.requests[0]["auth"] == "Bearer sk-test"
        assert dict(first.stats) == {"requests": 4, "valid": 2, "invalid": 1}
        cached = first.client.cache_path(first.messages("review two"))
        assert json.loads(cached.read_text())["reply"] == "only prose"

        again = restructurer(server, tmp_path)  # no answers left: any request would fail the test
        assert again.restructure_many(["review one", "review two", "review three"]) == [FOUR, None, FOUR]
        assert dict(again.stats) == {"cache hits": 3, "valid": 2, "invalid": 1} and len(server.requests) == 4
    other = ChatClient("http://127.0.0.1:9/v1", "m2", tmp_path / "cache")
    assert other.cache_path(first.messages("review one")) != cached


def test_llm_failures_fall_back_and_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEW_LLM_API_KEY", raising=False)
    with answering([500, 500]) as server:
        c = restructurer(server, tmp_path)
        assert c.restructure_many(["r"]) == [None]
        assert c.stats["errors"] == 1 and server.requests[0]["auth"] is None
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("bad", ["{not json", '{"reply": 1}'])
def test_unreadable_cache_entry_is_asked_again(tmp_path, bad):
    with answering([FOUR]) as server:
        c = restructurer(server, tmp_path)
        path = c.client.cache_path(c.messages("r"))
        path.parent.mkdir(parents=True)
        path.write_text(bad)
        assert c.restructure_many(["r"]) == [FOUR] and len(server.requests) == 1
