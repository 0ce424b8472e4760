"""`make review`: paper in, review out, with the prompt a training row of the same paper gets.

These build a one-paper crawl from a PDF, run the dataset build and LLaMA-Factory's own SFT data pipeline on
it, and check the review CLI's prompt against that training prompt: the user turn as a string, the templated
prompt as token ids and as text. Everything is written under pytest's temp dir.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, generated_pdf, run_cmd, shared_fixture

from lifecycle.review.paper import build_paper, fit_for_review
from lifecycle.review.reviewer import Reviewer
from lifecycle.review.setup import review_setup
from preprocess.crawl.pdfs import pdf_filename
from preprocess.dataset.__main__ import main as build_main
from preprocess.pdf.workers.child import parse_in_child
from preprocess.prompt.formats import FORMATS

FORUM = "reviewCliPaper1"
VENUE = "ICLR.cc_2024_Conference"
FIXTURE_PDF = "pdf_only/futoma2017improved.pdf"
TYPED_TITLE = 'Typed "quoted" title: it\'s the one that counts'
TYPED_ABSTRACT = "A typed abstract, short on purpose, so the body keeps room in the tiny context."
KEYWORDS = ["sepsis", "gaussian-processes"]


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
    if source == "fixture":  # typed title/abstract (the recommended way), body from a real paper
        pdf, title, abstract = shared_fixture(FIXTURE_PDF), TYPED_TITLE, TYPED_ABSTRACT
        parsed_title = parse_in_child(pdf).title.strip()
        typed = [title, abstract]
    else:  # PDF only: title and abstract as the parser reads them
        pdf = generated_pdf(tmp_path / "generated.pdf")
        record = parse_in_child(pdf)
        title, abstract, parsed_title = record.title.strip(), record.abstract.strip(), None
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
        proc = run_cmd(["make", "--no-print-directory", "review", "RECIPE=tiny", f"SAVES_DIR={saves}", f"PDF={pdf}",
                    f"TITLE={TYPED_TITLE}", f"ABSTRACT={TYPED_ABSTRACT}", f"ARGS={' '.join(options)}"])
    else:
        proc = run_cmd([sys.executable, "-m", "lifecycle.review", "--recipe", "tiny", "--pdf", pdf, *options],
                   env={"SAVES_DIR": str(saves)})
    cli_prompt = proc.stdout
    assert "warning: " not in proc.stderr, proc.stderr

    # The same pieces in process: the turns as strings, the templated prompt as token ids.
    monkeypatch.setenv("SAVES_DIR", str(saves))
    setup = review_setup("tiny", {"dataset_dir": str(data), "dataset": "one_train"})
    assert setup.format == fmt and setup.warnings == []
    reviewer = Reviewer(setup, load_model=False)
    paper = build_paper(parse_in_child(pdf), *typed, ",".join(KEYWORDS))
    fitted = fit_for_review(paper, reviewer.fit_tok, setup)
    assert 0 < fitted.kept_tokens < fitted.full_tokens, "the paper should need the section-aware fit"
    conv = FORMATS[fmt].conversation(fitted.text)
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
    proc = run_cmd([sys.executable, "-m", "lifecycle.review", "--recipe", "tiny", "--pdf", pdf, "--title", typed[0],
                "--abstract", typed[1], f"--keywords={','.join(KEYWORDS)}", "--max-new-tokens", 8, "--out", out,
                *overrides], env={"SAVES_DIR": str(saves)})
    assert proc.stdout.strip(), "empty review"
    assert out.read_text(encoding="utf-8") == proc.stdout
    assert f"prompt {len(train_ids[0])} tokens" in proc.stderr
    assert f"Paper tokens kept: {fitted.kept_tokens:,} of {fitted.full_tokens:,}" in proc.stderr
