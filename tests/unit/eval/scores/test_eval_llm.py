"""The OpenAI-compatible client and the pairwise judge against a scripted local server."""

import json
import threading

import pytest
from fixtures_eval.stub_server import StubChatServer

from eval.scores.judge import JudgeCase, combine, judge_prompt, parse_verdict, run_judge, summarize
from preprocess.core.llm import ChatClient, LLMError, completions_url
from preprocess.core.refs import HumanReview, PaperRefs

HELLO = [{"role": "user", "content": "hello"}]


def client(server, tmp_path, **kw):
    kw.setdefault("backoff_s", 0.0)
    kw.setdefault("key_env", "EVAL_API_KEY")
    return ChatClient(server.url, "judge-model", tmp_path / "cache", **kw)


def test_completions_url():
    assert completions_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert completions_url("http://h:1/v1/chat/completions") == "http://h:1/v1/chat/completions"


def test_reply_is_cached_on_disk_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("EVAL_API_KEY", "sekret")
    with StubChatServer(lambda messages: (200, "reply to " + messages[-1]["content"])) as server:
        first = client(server, tmp_path)
        assert first.chat(HELLO) == "reply to hello"
        assert server.requests[0]["body"]["temperature"] == 0.0
        assert server.requests[0]["auth"] == "Bearer sekret"
        again = client(server, tmp_path)  # a new client, same cache folder
        assert again.chat(HELLO) == "reply to hello"
        assert again.calls == 0 and again.cache_hits == 1
        assert len(server.requests) == 1
        other_model = ChatClient(server.url, "other", tmp_path / "cache", backoff_s=0.0)
        other_model.chat(HELLO)  # the model name is part of the key
        assert len(server.requests) == 2
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2


def test_transient_errors_are_retried_a_bounded_number_of_times(tmp_path):
    statuses = iter([500, 429, 200])
    with StubChatServer(lambda messages: (s := next(statuses), "ok" if s == 200 else "busy")) as server:
        assert client(server, tmp_path, retries=2).chat(HELLO) == "ok"
        assert len(server.requests) == 3
    with StubChatServer(lambda messages: (503, "down")) as server:
        with pytest.raises(LLMError, match="gave up after 3 attempts; last error: HTTP 503"):
            client(server, tmp_path / "fresh", retries=2).chat(HELLO)  # not the cached reply above
        assert len(server.requests) == 3


def test_client_errors_and_bad_bodies_fail_at_once(tmp_path):
    with StubChatServer(lambda messages: (401, '{"detail": "Invalid API key."}')) as server:
        with pytest.raises(LLMError, match="HTTP 401"):
            client(server, tmp_path).chat(HELLO)
        assert len(server.requests) == 1
    with StubChatServer(lambda messages: (299, '{"error": "no choices"}')) as server:
        with pytest.raises(LLMError, match="not a chat completion"):
            client(server, tmp_path).chat(HELLO)
        assert len(server.requests) == 1
    assert not list((tmp_path / "cache").rglob("*.json"))  # failures are never cached


def test_unreachable_endpoint_is_an_error(tmp_path):
    dead = ChatClient("http://127.0.0.1:9/v1", "m", tmp_path / "c", retries=1, backoff_s=0.0, timeout_s=2)
    with pytest.raises(LLMError, match="gave up after 2 attempts"):
        dead.chat(HELLO)


def test_chat_many_keeps_order_and_runs_concurrently(tmp_path):
    in_flight, peak = [0], [0]
    lock = threading.Lock()
    gate = threading.Barrier(3, timeout=10)

    def script(messages):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        gate.wait()  # three requests must be in flight together to pass
        with lock:
            in_flight[0] -= 1
        return 200, messages[0]["content"].upper()

    with StubChatServer(script) as server:
        replies = client(server, tmp_path, workers=3).chat_many(
            [[{"role": "user", "content": c}] for c in ("a", "b", "c")])
    assert replies == ["A", "B", "C"]
    assert peak[0] == 3


# ---- judge ---------------------------------------------------------------------------------------------

REFS = PaperRefs("F1", "ICLR.cc/2021/Conference", 2021, "T", "accepted", (1, 10), "r1",
                 (HumanReview("r1", 6, 4, "TARGET REVIEW TEXT"), HumanReview("r2", 8, 3, "OTHER HUMAN TEXT")))


@pytest.mark.parametrize("reply, verdict", [
    ("Review A is more specific. [[A]]", "A"),
    ("[[B]]", "B"),
    ("Both are equal [[ C ]]", "C"),
    ("I think [[A]] ... no, [[B]]", None),  # two different verdicts
    ("[[A]] and again [[A]]", "A"),
    ("Review A is better.", None),
    ("<unk> <s> [[D]]", None),
    ("", None),
])
def test_parse_verdict(reply, verdict):
    assert parse_verdict(reply) == verdict


def test_combine_needs_both_orders_to_agree():
    assert combine("A", "B") == "win"
    assert combine("B", "A") == "loss"
    assert combine("C", "C") == "tie"
    assert combine("A", "A") == "tie"  # position bias: inconsistent
    assert combine("A", "C") == "tie"
    assert combine(None, "B") == "invalid"


def test_summarize_counts():
    details = [{"model_first": f, "model_second": s, "outcome": combine(f, s)}
               for f, s in [("A", "B"), ("A", "B"), ("B", "A"), ("A", "A"), (None, "A")]]
    s = summarize(details)
    assert (s["win"], s["tie"], s["loss"], s["invalid"]) == (2, 1, 1, 1)
    assert s["win_rate"] == 0.5 and s["win_rate_ties_half"] == pytest.approx(2.5 / 4)
    assert s["position_consistency"] == 0.75
    assert s["first_position_preferred"] == pytest.approx(6 / 9)  # A in 6 of 9 parsed verdicts
    assert s["invalid_replies"] == 1


def test_judge_prompt_withholds_the_opponents_own_review():
    prompt = judge_prompt(JudgeCase(REFS, "MODEL", "TARGET REVIEW TEXT", "r1"), "MODEL", "TARGET REVIEW TEXT")
    assert prompt.count("TARGET REVIEW TEXT") == 1  # only as review B, not as a reference
    assert "OTHER HUMAN TEXT" in prompt
    long = judge_prompt(JudgeCase(REFS, "x" * 50, "y"), "x" * 50, "y", limit=10)
    assert "x" * 10 + "\n[truncated]" in long


def _shown_first(messages):
    content = messages[0]["content"]
    return content.split("[Review A]\n", 1)[1].split("\n\n[Review B]", 1)[0]


def test_judge_runs_both_orders_and_scores_the_model(tmp_path):
    cases = [JudgeCase(REFS, "MODEL review one", "TARGET REVIEW TEXT", "r1"),
             JudgeCase(REFS, "MODEL review two", "TARGET REVIEW TEXT", "r1")]
    # a judge that always prefers the model's review, wherever it is shown
    def prefers_model(messages):
        return 200, "[[A]]" if _shown_first(messages).startswith("MODEL") else "[[B]]"

    with StubChatServer(prefers_model) as server:
        summary, details = run_judge(client(server, tmp_path / "a"), cases)
        firsts = [_shown_first(r["body"]["messages"]) for r in server.requests]
    assert sorted(firsts) == sorted(["MODEL review one", "TARGET REVIEW TEXT", "MODEL review two",
                                     "TARGET REVIEW TEXT"])
    assert summary["win"] == 2 and summary["position_consistency"] == 1.0
    assert details[0] == {"forum": "F1", "model_first": "A", "model_second": "B", "outcome": "win"}
    # a judge that always says A: position bias, so every paper is a tie
    with StubChatServer(lambda m: (200, "[[A]]")) as server:
        summary, _ = run_judge(client(server, tmp_path / "b"), cases)
    assert summary["tie"] == 2 and summary["first_position_preferred"] == 1.0
    # garbage replies: invalid, left out of the rates
    with StubChatServer(lambda m: (200, "<unk><unk> lorem")) as server:
        summary, _ = run_judge(client(server, tmp_path / "c"), cases)
    assert summary["invalid"] == 2 and summary["win_rate"] is None
    assert json.dumps(summary)  # serializable for metrics.json
