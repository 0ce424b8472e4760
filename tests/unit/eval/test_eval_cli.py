"""`python -m eval`'s refusals and flags on the hand-made fixtures (its whole runs: tests/e2e/test_eval_cli_e2e.py)."""

import shutil

import pytest
from conftest import REPO

from eval.__main__ import main

FIXTURES = REPO / "tests" / "fixtures_eval"


@pytest.fixture
def data(tmp_path):
    for name in ("tiny_test.jsonl", "tiny_test.refs.jsonl", "generated_predictions.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def test_row_count_mismatch_is_a_clear_error(data, capsys):
    preds = data / "generated_predictions.jsonl"
    preds.write_text("".join(preds.read_text().splitlines(keepends=True)[:2]))
    code = main(["--predictions", str(preds), "--references", str(data / "tiny_test.jsonl"),
                 "--out", str(data / "eval"), "--hitrate-matcher", "none"])
    err = capsys.readouterr().err
    assert code == 2
    assert "generated_predictions.jsonl" in err and "tiny_test.refs.jsonl" in err
    assert not (data / "eval").exists()


def test_judge_flag_takes_make_style_values():
    from eval.__main__ import build_parser

    base = ["--predictions", "p", "--references", "r", "--out", "o"]
    assert build_parser().parse_args(base + ["--judge=True"]).judge is True  # make eval ARGS="judge=true"
    assert build_parser().parse_args(base + ["--judge=false"]).judge is False
    assert build_parser().parse_args(base + ["--judge", "--seed", "3"]).judge is True
    assert build_parser().parse_args(base).judge is False


def test_llm_flags_need_an_endpoint(data, capsys):
    code = main(["--predictions", str(data / "generated_predictions.jsonl"), "--references",
                 str(data / "tiny_test.jsonl"), "--out", str(data / "eval"), "--judge"])
    assert code == 2 and "--llm-url" in capsys.readouterr().err
