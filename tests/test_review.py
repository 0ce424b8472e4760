"""`make review`: paper in, review out, with the prompt a training row of the same paper gets.

Fast tests drive the pieces (parse in a child process, typed fields winning, errors naming the file).
Slow tests build a one-paper crawl from a PDF, run `preprocess.build` and LLaMA-Factory's own SFT data
pipeline on it, and check the review CLI's prompt against that training prompt: the user turn as a
string, the templated prompt as token ids and as text. Everything is written under pytest's temp dir.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, shared_fixture

from preprocess.build import main as build_main
from preprocess.crawl_pdf import pdf_filename
from preprocess.make_sample import render_pdf
from preprocess.parse_pdf import PdfError

FORUM = "reviewCliPaper1"
VENUE = "ICLR.cc_2024_Conference"
FIXTURE_PDF = "pdf_only/futoma2017improved.pdf"
TYPED_TITLE = 'Typed "quoted" title: it\'s the one that counts'
TYPED_ABSTRACT = "A typed abstract, short on purpose, so the body keeps room in the tiny context."
KEYWORDS = ["sepsis", "gaussian-processes"]

_SENTENCES = ("We study {t} under distribution shift and report results on three benchmarks. ",
              "The method of section {i} combines a sparse encoder with a learned prior over {t}. ",
              "Ablations show that removing the prior costs between two and five points of accuracy. ",
              "Our analysis bounds the error of {t} by the sum of a bias and a variance term. ")


def generated_pdf(path: Path, sections: int = 5, sentences: int = 24) -> Path:
    """A synthetic paper rendered the way the bundled sample is, long enough to need truncation."""
    body = [{"heading": heading, "text": "".join(_SENTENCES[k % 4].format(i=i, t=heading.lower())
                                                for k in range(sentences))}
            for i, heading in enumerate(["Introduction", "Related Work", "Method", "Experiments",
                                         "Conclusion"][:sections], start=1)]
    paper = {"title": "Sparse Priors for Robust Transfer", "references": ["A. Author. A paper. 2020."],
             "abstract": "We propose sparse priors for robust transfer and evaluate them on three benchmarks.",
             "sections": body}
    path.write_bytes(render_pdf(paper, 2024))
    return path


def run(cmd: list, env: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    if ok:
        assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture()
def fake_saves(tmp_path: Path, monkeypatch) -> Path:
    """A SAVES_DIR whose tiny 'merged model' is only a config: enough for everything before model loading."""
    import recipes.run

    (tmp_path / "saves" / "tiny" / "merged").mkdir(parents=True)
    (tmp_path / "saves" / "tiny" / "merged" / "config.json").write_text("{}")
    monkeypatch.setattr(recipes.run, "SAVES", tmp_path / "saves")
    return tmp_path / "saves"


# ----------------------------------------------------------------------------------------- fast


def test_typed_title_and_abstract_override_the_parsed_ones(tmp_path: Path):
    from recipes.review import build_paper, read_pdf

    record = read_pdf(generated_pdf(tmp_path / "paper.pdf"))
    parsed = build_paper(record)
    assert parsed.title == record["title"].strip() and parsed.title, "the parsed title is the fallback"
    assert parsed.abstract == record["abstract"].strip() and parsed.abstract
    typed = build_paper(record, f"  {TYPED_TITLE} ", TYPED_ABSTRACT, " a, b ,, ")
    assert (typed.title, typed.abstract, typed.keywords) == (TYPED_TITLE, TYPED_ABSTRACT, ["a", "b"])
    assert [s.text for s in typed.sections] == [s.text for s in parsed.sections], "the body comes from the PDF"
    assert build_paper(record, "   ", "\n").title == parsed.title, "blank boxes do not override"


def test_typed_main_text_without_a_pdf_and_no_body_is_an_error():
    from recipes.review import build_paper

    paper = build_paper(None, "T", "A", main_text="  Our method works.  ")
    assert [(s.heading, s.text) for s in paper.sections] == [("", "Our method works.")]
    with pytest.raises(ValueError, match="no paper body"):
        build_paper(None, "T", "A", main_text=" ")


def test_a_file_that_is_not_a_pdf_is_a_pdf_error_naming_it(tmp_path: Path):
    from recipes.review import read_pdf

    bad = tmp_path / "page.pdf"
    bad.write_text("<!doctype html><html>login</html>")
    with pytest.raises(PdfError, match="page.pdf: not a PDF"):
        read_pdf(bad)


def test_a_parser_that_overruns_its_timeout_is_stopped_and_named(tmp_path: Path):
    from recipes.review import read_pdf

    pdf = generated_pdf(tmp_path / "slow.pdf")
    with pytest.raises(PdfError, match="slow.pdf: parser timed out after 0.001 s"):
        read_pdf(pdf, timeout=0.001)  # the child is killed; the caller goes on
    assert read_pdf(pdf)["sections"], "a normal parse still works afterwards"


def test_cli_error_names_the_file_and_exits_2(tmp_path: Path, fake_saves: Path):
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"0" * 100)
    proc = run([sys.executable, "-m", "recipes.review", "--recipe", "tiny", "--pdf", bad],
               env={"SAVES_DIR": str(fake_saves)}, ok=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"error: {bad}: truncated PDF" in proc.stderr


def test_reserve_comes_from_the_cutoff_unless_overridden(fake_saves: Path):
    from preprocess.budget import default_review_tokens
    from recipes.review import review_setup

    setup = review_setup("tiny")
    assert (setup.cutoff, setup.review_tokens) == (1024, default_review_tokens(1024))
    assert setup.model["model_name_or_path"] == str(fake_saves / "tiny" / "merged")
    assert setup.model["template"] == "mistral" and setup.model["infer_backend"] == "huggingface"
    setup = review_setup("tiny", {"cutoff_len": 2048, "review_tokens": 500})
    assert (setup.cutoff, setup.review_tokens) == (2048, 500)


def test_review_uses_the_recorded_run_and_refuses_a_rope_scaled_adapter(fake_saves: Path):
    import yaml

    from recipes.review import review_setup
    from recipes.run import RecipeError, load_recipe

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
    from recipes.review import review_setup

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
    from preprocess import prompts
    from recipes.review import conversation, review_markdown

    alpaca = conversation("title: T")
    assert alpaca.system is None
    assert alpaca.messages == [{"role": "user", "content": prompts.REVIEW_INSTRUCTION + "\ntitle: T"}]
    sharegpt = conversation("title: T", "sharegpt")
    assert sharegpt.system == prompts.REVIEW_INSTRUCTION
    assert [m["role"] for m in sharegpt.messages] == ["user", "assistant", "user"]
    assert sharegpt.messages[-1]["content"] == prompts.PAPER_TURN.format(paper="title: T")
    answer = prompts.REVIEW_REPLY.format(review="## Significance and novelty\nNew.\n\nRating: 6\nDecision: Accept")
    assert review_markdown(answer) == ("## Significance and novelty\nNew.\n\n**Rating:** 6\n\n"
                                       "**Decision:** Accept\n")
    assert review_markdown("  plain text  ") == "plain text\n"


# ----------------------------------------------------------------------------------------- slow


def one_paper_crawl(root: Path, pdf: Path, title: str, abstract: str, keywords: list[str]) -> Path:
    """A crawl folder (`<venue>/notes.jsonl` + `pdfs/`) holding one paper: a bundled sample note with
    this paper's title, abstract, keywords and PDF (its reviews only fill the training rows' outputs)."""
    first = (REPO / "data" / "sample" / VENUE / "notes.jsonl").read_text(encoding="utf-8").splitlines()[0]
    old = json.loads(first)["id"]
    note = json.loads(first.replace(old, FORUM))
    note["content"].update(title={"value": title}, abstract={"value": abstract}, keywords={"value": keywords})
    (root / VENUE / "pdfs").mkdir(parents=True)
    (root / VENUE / "notes.jsonl").write_text(json.dumps(note) + "\n", encoding="utf-8")
    shutil.copy(pdf, root / VENUE / "pdfs" / pdf_filename(FORUM))
    return root


def training_prompts(model: Path, data_dir: Path, work: Path) -> tuple[list[dict], list[list[int]]]:
    """The rows `make data` wrote and the prompt ids LLaMA-Factory's SFT pipeline makes of each (the
    tokens before the review, the last supervised run of labels), as `llamafactory-cli train` sees them."""
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.extras.constants import IGNORE_INDEX
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    model_args, data_args, training_args, _, _ = get_train_args(dict(
        stage="sft", do_train=True, finetuning_type="lora", model_name_or_path=str(model), template="mistral",
        dataset="one_train", dataset_dir=str(data_dir), cutoff_len=1024, output_dir=str(work / "out"),
        cache_dir=str(work / "hf_cache"), overwrite_cache=True, preprocessing_num_workers=1, report_to="none"))
    tokenizer_module = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
    dataset = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    encoded = dataset["train_dataset"]
    prompts = []
    for labels, ids in zip(encoded["labels"], encoded["input_ids"], strict=True):
        starts = [i for i, label in enumerate(labels)
                  if label != IGNORE_INDEX and (i == 0 or labels[i - 1] == IGNORE_INDEX)]
        prompts.append(ids[:starts[-1]])
    rows = [json.loads(line) for line in (data_dir / "one_train.jsonl").read_text().splitlines()]
    return rows, prompts


@pytest.fixture(scope="module")
def saves(tmp_path_factory, tiny_model: Path) -> Path:
    """A SAVES_DIR where the tiny model stands in as `saves/tiny/merged` (an exported model)."""
    root = tmp_path_factory.mktemp("review_saves")
    (root / "tiny").mkdir()
    (root / "tiny" / "merged").symlink_to(tiny_model)
    return root


@pytest.mark.slow
@pytest.mark.parametrize(("source", "fmt"), [("fixture", "alpaca"), ("generated", "alpaca"),
                                             ("generated", "sharegpt")])
def test_cli_prompt_is_byte_identical_to_the_training_prompt(source: str, fmt: str, tmp_path: Path, saves: Path,
                                                             tiny_model: Path, monkeypatch):
    import recipes.run
    from recipes.review import Reviewer, build_paper, conversation, fit_for_review, read_pdf, review_setup

    if source == "fixture":  # typed title/abstract (the recommended way), body from a real paper
        pdf, title, abstract = shared_fixture(FIXTURE_PDF), TYPED_TITLE, TYPED_ABSTRACT
        parsed_title = read_pdf(pdf)["title"].strip()
        typed = [title, abstract]
    else:  # PDF only: title and abstract as the parser reads them
        pdf = generated_pdf(tmp_path / "generated.pdf")
        record = read_pdf(pdf)
        title, abstract, parsed_title = record["title"].strip(), record["abstract"].strip(), None
        typed = ["", ""]
    data = tmp_path / "data"
    crawl = one_paper_crawl(tmp_path / "crawl", pdf, title, abstract, KEYWORDS)
    build_main([str(a) for a in ["--raw", crawl, "--out", data, "--name", "one", "--tokenizer", tiny_model,
                                 "--cutoff", 1024, "--test-size", 0, "--format", fmt]])  # in process: torch is loaded
    rows, train_ids = training_prompts(tiny_model, data, tmp_path)
    assert rows and len(train_ids) == len(rows)

    # The review CLI's prompt, as text (`--print-prompt`): through `make review` for the fixture. The
    # recipe is pointed at the built dataset, so the row format is read from its registration.
    overrides = [f"dataset_dir={data}", "dataset=one_train"]
    options = ["--print-prompt", f"--keywords={','.join(KEYWORDS)}", *overrides]
    if source == "fixture":
        proc = run(["make", "--no-print-directory", "review", "RECIPE=tiny", f"SAVES_DIR={saves}", f"PDF={pdf}",
                    f"TITLE={TYPED_TITLE}", f"ABSTRACT={TYPED_ABSTRACT}", f"ARGS={' '.join(options)}"])
    else:
        proc = run([sys.executable, "-m", "recipes.review", "--recipe", "tiny", "--pdf", pdf, *options],
                   env={"SAVES_DIR": str(saves)})
    cli_prompt = proc.stdout
    assert "warning: " not in proc.stderr, proc.stderr

    # The same pieces in process: the turns as strings, the templated prompt as token ids.
    monkeypatch.setattr(recipes.run, "SAVES", saves)
    setup = review_setup("tiny", {"dataset_dir": str(data), "dataset": "one_train"})
    assert setup.format == fmt and setup.warnings == []
    reviewer = Reviewer(setup, load_model=False)
    paper = build_paper(read_pdf(pdf), *typed, ",".join(KEYWORDS))
    fitted = fit_for_review(paper, reviewer.fit_tok, setup)
    assert 0 < fitted.kept_tokens < fitted.full_tokens, "the paper should need the section-aware fit"
    conv = conversation(fitted.text, fmt)
    for row, ids in zip(rows, train_ids, strict=True):
        if fmt == "alpaca":
            assert conv.messages == [{"role": "user", "content": row["instruction"] + "\n" + row["input"]}]
            assert conv.system is None and row["system"] == ""
        else:
            turns = [{"role": {"human": "user", "gpt": "assistant"}[t["from"]], "content": t["value"]}
                     for t in row["conversations"]]
            assert conv.messages == turns[:3] and conv.system == row["system"]
        assert reviewer.prompt_ids(conv) == ids
        assert cli_prompt == reviewer.tokenizer.decode(ids, skip_special_tokens=False)
    assert cli_prompt.startswith("<s>[INST] ") and cli_prompt.endswith("[/INST]")
    assert f"title: {title}\nabstract: {abstract}\nkeywords: {', '.join(KEYWORDS)}\nmain: " in cli_prompt
    if parsed_title:
        assert parsed_title != title and f"title: {parsed_title}" not in cli_prompt

    # Generation: a non-empty review, from a prompt of exactly the training prompt's length.
    out = tmp_path / "review.md"
    proc = run([sys.executable, "-m", "recipes.review", "--recipe", "tiny", "--pdf", pdf, "--title", typed[0],
                "--abstract", typed[1], f"--keywords={','.join(KEYWORDS)}", "--max-new-tokens", 8, "--out", out,
                *overrides], env={"SAVES_DIR": str(saves)})
    assert proc.stdout.strip(), "empty review"
    assert out.read_text(encoding="utf-8") == proc.stdout
    assert f"prompt {len(train_ids[0])} tokens" in proc.stderr
    assert f"Paper tokens kept: {fitted.kept_tokens:,} of {fitted.full_tokens:,}" in proc.stderr
