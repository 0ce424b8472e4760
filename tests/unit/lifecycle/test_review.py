"""`make review`, the fast pieces: the PDF parsed in a child process, typed fields winning over parsed ones,
errors naming the file, the setup read from the recorded run and the training data, the turns per format.
The prompt against LLaMA-Factory's own training prompt is in tests/e2e/test_review_e2e.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import generated_pdf, run_cmd

from lifecycle.recipe import RecipeError, load_recipe
from lifecycle.review.paper import build_paper
from lifecycle.review.setup import review_setup
from preprocess.core import prompts
from preprocess.core.target import review_markdown
from preprocess.pdf.errors import PdfError
from preprocess.pdf.workers.child import parse_in_child
from preprocess.prompt.budget import default_review_tokens
from preprocess.prompt.formats import FORMATS

TYPED_TITLE = 'Typed "quoted" title: it\'s the one that counts'
TYPED_ABSTRACT = "A typed abstract, short on purpose, so the body keeps room in the tiny context."


@pytest.fixture()
def fake_saves(tmp_path: Path, monkeypatch) -> Path:
    """A SAVES_DIR whose tiny 'merged model' is only a config: enough for everything before model loading."""
    (tmp_path / "saves" / "tiny" / "merged").mkdir(parents=True)
    (tmp_path / "saves" / "tiny" / "merged" / "config.json").write_text("{}")
    monkeypatch.setenv("SAVES_DIR", str(tmp_path / "saves"))
    return tmp_path / "saves"


def test_typed_title_and_abstract_override_the_parsed_ones(tmp_path: Path):
    record = parse_in_child(generated_pdf(tmp_path / "paper.pdf"))
    parsed = build_paper(record)
    assert parsed.title == record.title.strip() and parsed.title, "the parsed title is the fallback"
    assert parsed.abstract == record.abstract.strip() and parsed.abstract
    typed = build_paper(record, f"  {TYPED_TITLE} ", TYPED_ABSTRACT, " a, b ,, ")
    assert (typed.title, typed.abstract, typed.keywords) == (TYPED_TITLE, TYPED_ABSTRACT, ["a", "b"])
    assert [s.text for s in typed.sections] == [s.text for s in parsed.sections], "the body comes from the PDF"
    assert build_paper(record, "   ", "\n").title == parsed.title, "blank boxes do not override"


def test_typed_main_text_without_a_pdf_and_no_body_is_an_error():
    paper = build_paper(None, "T", "A", main_text="  Our method works.  ")
    assert [(s.heading, s.text) for s in paper.sections] == [("", "Our method works.")]
    with pytest.raises(ValueError, match="no paper body"):
        build_paper(None, "T", "A", main_text=" ")


def test_a_file_that_is_not_a_pdf_is_a_pdf_error_naming_it(tmp_path: Path):
    bad = tmp_path / "page.pdf"
    bad.write_text("<!doctype html><html>login</html>")
    with pytest.raises(PdfError, match="page.pdf: not a PDF"):
        parse_in_child(bad)


def test_a_parser_that_overruns_its_timeout_is_stopped_and_named(tmp_path: Path):
    pdf = generated_pdf(tmp_path / "slow.pdf")
    with pytest.raises(PdfError, match="slow.pdf: parser timed out after 0.001 s"):
        parse_in_child(pdf, timeout=0.001)  # the child is killed; the caller goes on
    assert parse_in_child(pdf).sections, "a normal parse still works afterwards"


def test_cli_error_names_the_file_and_exits_2(tmp_path: Path, fake_saves: Path):
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"0" * 100)
    proc = run_cmd([sys.executable, "-m", "lifecycle.review", "--recipe", "tiny", "--pdf", bad],
               env={"SAVES_DIR": str(fake_saves)}, ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"error: {bad}: truncated PDF" in proc.stderr


def test_reserve_comes_from_the_cutoff_unless_overridden(fake_saves: Path):
    setup = review_setup("tiny")
    assert (setup.cutoff, setup.review_tokens) == (1024, default_review_tokens(1024))
    assert setup.model["model_name_or_path"] == str(fake_saves / "tiny" / "merged")
    assert setup.model["template"] == "mistral" and setup.model["infer_backend"] == "huggingface"
    setup = review_setup("tiny", {"cutoff_len": 2048, "review_tokens": 500})
    assert (setup.cutoff, setup.review_tokens) == (2048, 500)


def test_review_uses_the_recorded_run_and_refuses_a_rope_scaled_adapter(fake_saves: Path):
    run_dir = fake_saves / "tiny"
    (run_dir / "train.yaml").write_text(yaml.safe_dump({**load_recipe("tiny"), "cutoff_len": 2048}))
    assert review_setup("tiny").cutoff == 2048  # the ARGS the model was trained with, not the file's 1024
    (run_dir / "merged" / "config.json").unlink()  # adapter only, trained with linear RoPE scaling
    (run_dir / "adapter_config.json").write_text("{}")
    (run_dir / "train.yaml").write_text(yaml.safe_dump({**load_recipe("tiny"), "cutoff_len": 2048,
                                                        "rope_scaling": "linear"}))
    with pytest.raises(RecipeError, match="make export RECIPE=tiny"):
        review_setup("tiny")


def test_format_and_reserve_checks_come_from_the_recipes_dataset(tmp_path: Path, fake_saves: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset_info.json").write_text(json.dumps({"x_train": {"file_name": "x_train.jsonl",
                                                                    "formatting": "sharegpt"}}))
    (data / "x.meta.json").write_text(json.dumps({"args": {"cutoff": 2048, "review_tokens": 682}}))
    setup = review_setup("tiny", {"dataset_dir": str(data), "dataset": "x_train"})
    assert setup.format == "sharegpt"
    assert len(setup.warnings) == 1 and "fitted to cutoff 2048, reserve 682" in setup.warnings[0]
    setup = review_setup("tiny", {"dataset_dir": str(data), "dataset": "x_train", "cutoff_len": 2048})
    assert setup.warnings == [] and setup.review_tokens == 682
    setup = review_setup("tiny", {"dataset_dir": str(data), "dataset": "unknown_train", "format": "alpaca"})
    assert setup.format == "alpaca" and "not registered" in setup.warnings[0]


def test_conversation_turns_per_format_and_the_review_as_markdown():
    alpaca = FORMATS["alpaca"].conversation("title: T")
    assert alpaca.system is None
    assert alpaca.messages == [{"role": "user", "content": prompts.REVIEW_INSTRUCTION + "\ntitle: T"}]
    sharegpt = FORMATS["sharegpt"].conversation("title: T")
    assert sharegpt.system == prompts.REVIEW_INSTRUCTION
    assert [m["role"] for m in sharegpt.messages] == ["user", "assistant", "user"]
    assert sharegpt.messages[-1]["content"] == prompts.PAPER_TURN.format(paper="title: T")
    answer = prompts.REVIEW_REPLY.format(review="## Significance and novelty\nNew.\n\nRating: 6\nDecision: Accept")
    assert review_markdown(answer) == ("## Significance and novelty\nNew.\n\n**Rating:** 6\n\n"
                                       "**Decision:** Accept\n")
    assert review_markdown("  plain text  ") == "plain text\n"
