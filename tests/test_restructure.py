"""Four-part restructuring: rules on literal reviews; the LLM client's cache, validation and fallback
against a stub session (the real `llamafactory-cli api` run is in test_restructure_api.py)."""

import json

import pytest
import requests

from preprocess import prompts, restructure
from preprocess.record import Review

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
    assert restructure.parse_four_parts(messy) == FOUR
    assert restructure.parse_four_parts(FOUR.replace("## Reasons for rejection\nRej.\n\n", "")) is None
    assert restructure.parse_four_parts(FOUR.replace("Rej.", "")) is None  # a heading with nothing under it
    assert restructure.parse_four_parts("no headings") is None


class StubSession(requests.Session):
    """Answers /chat/completions from a list, records every request body."""

    def __init__(self, answers, log):
        super().__init__()
        self.answers, self.log = answers, log

    def post(self, url, json=None, headers=None, timeout=None):
        self.log.append({"url": url, "body": json, "headers": headers})
        answer = self.answers.pop(0)
        resp = requests.Response()
        if isinstance(answer, int):
            resp.status_code, resp._content = answer, b"{}"
        else:
            resp.status_code = 200
            resp._content = json_dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]})
        return resp


def json_dumps(obj) -> bytes:
    return json.dumps(obj).encode()


def client(tmp_path, answers, log, **kw):
    config = restructure.LLMConfig(url="http://127.0.0.1:9/v1/", model="m", cache_dir=tmp_path / "cache",
                                   workers=1, retries=1, **kw)
    return restructure.LLMRestructurer(config, session_factory=lambda: StubSession(answers, log))


def test_llm_requests_cache_validation_and_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_LLM_API_KEY", "sk-test")
    monkeypatch.setattr(restructure.time, "sleep", lambda s: None)
    log = []
    first = client(tmp_path, [FOUR, "only prose", 503, FOUR], log)
    assert first.restructure_many(["review one", "review two", "review three"]) == [FOUR, None, FOUR]
    assert [e["url"] for e in log] == ["http://127.0.0.1:9/v1/chat/completions"] * 4  # one retry after the 503
    body = log[0]["body"]
    assert body["model"] == "m" and body["messages"][0] == {"role": "system", "content": restructure.RESTRUCTURE_PROMPT}
    assert body["messages"][1] == {"role": "user", "content": "review one"}
    assert log[0]["headers"] == {"Authorization": "Bearer sk-test"}
    assert dict(first.stats) == {"requests": 4, "valid": 2, "invalid": 1}
    key = restructure.cache_key("m", restructure.RESTRUCTURE_PROMPT, "review two")
    cached = tmp_path / "cache" / key[:2] / f"{key}.json"
    assert json.loads(cached.read_text()) == {"model": "m", "answer": "only prose"}

    again = client(tmp_path, [], log)  # no answers left: any request would fail the test
    assert again.restructure_many(["review one", "review two", "review three"]) == [FOUR, None, FOUR]
    assert dict(again.stats) == {"cache hits": 3, "valid": 2, "invalid": 1} and len(log) == 4
    other_model = restructure.cache_key("m2", restructure.RESTRUCTURE_PROMPT, "review one")
    assert other_model != restructure.cache_key("m", restructure.RESTRUCTURE_PROMPT, "review one")


def test_llm_failures_fall_back_and_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEW_LLM_API_KEY", raising=False)
    monkeypatch.setattr(restructure.time, "sleep", lambda s: None)
    log = []
    c = client(tmp_path, [500, 500], log)
    assert c.restructure("r") is None
    assert c.stats["errors"] == 1 and log[0]["headers"] == {}
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("bad", ["{not json", '{"answer": 1}'])
def test_unreadable_cache_entry_is_asked_again(tmp_path, bad):
    log = []
    c = client(tmp_path, [FOUR], log)
    key = restructure.cache_key("m", restructure.RESTRUCTURE_PROMPT, "r")
    path = tmp_path / "cache" / key[:2] / f"{key}.json"
    path.parent.mkdir(parents=True)
    path.write_text(bad)
    assert c.restructure("r") == FOUR and len(log) == 1
