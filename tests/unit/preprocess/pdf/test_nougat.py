"""The nougat backend: Nougat-shaped Markdown to the record, what it says when something is missing, and the whole
backend on a real fixture PDF with a tiny random-init model of Nougat's architecture (a Donut-Swin encoder at
nougat-base's 896 x 672 input, an MBart decoder, a BPE tokenizer built here), in the children `make parse` uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import shared_fixture

from preprocess.core.record import SECTION_KINDS
from preprocess.pdf.__main__ import main
from preprocess.pdf.backends import backend_problem
from preprocess.pdf.errors import PdfError
from preprocess.pdf.optional import nougat
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.workers.batch import parse_batch
from preprocess.pdf.workers.child import parse_in_child

FIXTURE = "pdf_tei/s2orc-doc2json/N18-3011.pdf"  # 8 pages, A4 (ACL Anthology)
DECODER_POSITIONS = 8  # the tiny decoder's max_position_embeddings: 7 tokens a page (nougat-base: 4,096)

# Nougat's output shape, after facebookresearch/nougat examples/*/doc.mmd (title `#`, `###### Abstract`,
# numbered `##` sections, LaTeX math, `* [n]` references, `[MISSING_PAGE_EMPTY:n]`); the text is ours.
PAGES = [
    "# Reading Scanned Proceedings with Small Models\n\nAda Writer\\({}^{1}\\)\n\nada@example.org\n\n"
    "###### Abstract\n\nWe read scanned proceedings with a small model and keep formulas as LaTeX.\n\n"
    "## 1 Introduction\n\nScanned papers have no text layer, so a reader must look at the page. Each pixel "
    "\\(x_{i}\\) counts.",
    "The introduction goes on over the page break.\n\n## 2 Method\n\n\\[y=Wx+b \\tag{1}\\]\n\n"
    "* The encoder sees the whole page.\n* The decoder writes Markdown.\n\n## Acknowledgments\n\n"
    "We thank the reviewers.\n\n## References\n\n* [1] A. Author. A first study of page reading. In _Venue_, 2020.\n"
    "* [2] B. Builder. Another study of page reading. _Journal_, 2021.",
    "\n\n[MISSING_PAGE_EMPTY:3]\n\n",
    "## Appendix A Proofs\n\nThe proof is short.",
]


def test_nougat_markdown_pages_to_the_record():
    paper = nougat.pages_to_paper(PAGES)
    assert paper.title == "Reading Scanned Proceedings with Small Models"
    assert paper.abstract == "We read scanned proceedings with a small model and keep formulas as LaTeX."
    assert [(s.heading, s.kind) for s in paper.sections] == [
        ("Introduction", "body"), ("Method", "body"), ("Acknowledgments", "acknowledgements"),
        ("Appendix A Proofs", "appendix")]
    assert "\\(x_{i}\\) counts." in paper.sections[0].text
    assert paper.sections[0].text.endswith("The introduction goes on over the page break.")
    assert "\\[y=Wx+b \\tag{1}\\]" in paper.sections[1].text
    assert paper.references == ["[1] A. Author. A first study of page reading. In Venue, 2020.",
                                "[2] B. Builder. Another study of page reading. Journal, 2021."]
    assert (paper.pages, paper.backend, paper.warnings) == (4, "nougat", ["nougat read nothing on page(s) 3"])


def test_missing_package_or_weights_is_said_once(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "Levenshtein", None)  # as if not installed
    assert backend_problem("nougat") == "the nougat backend needs pip install levenshtein==0.27.5"
    monkeypatch.delitem(sys.modules, "Levenshtein")
    monkeypatch.setenv(nougat.MODEL_ENV, str(tmp_path))
    assert backend_problem("nougat") == (
        f"the nougat weights folder {tmp_path} has no config.json, preprocessor_config.json, tokenizer.json "
        "(expected a model and processor saved with save_pretrained, or a hub id such as facebook/nougat-base)")
    with pytest.raises(ValueError, match="has no config.json"):
        parse_batch(tmp_path, tmp_path / "out", backend="nougat", show_progress=False)
    monkeypatch.setenv(nougat.MODEL_ENV, "example-org/no-such-nougat")
    assert "`hf download example-org/no-such-nougat`" in backend_problem("nougat")
    monkeypatch.delenv(nougat.MODEL_ENV)
    with pytest.raises(SystemExit):  # argparse's error, naming the missing folder
        main(["--in", str(tmp_path), "--out", str(tmp_path / "out"), "--backend", "nougat",
              "--nougat-model", str(tmp_path / "absent")])


def build_tiny_nougat(out: Path) -> Path:
    """Nougat's architecture at toy size, random weights, saved as a processor + model folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        DonutSwinConfig,
        DonutSwinModel,
        MBartConfig,
        MBartForCausalLM,
        NougatImageProcessor,
        NougatProcessor,
        NougatTokenizerFast,
        VisionEncoderDecoderModel,
    )

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer, core.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],  # nougat's ids
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(PAGES * 4, trainer=trainer)
    tokenizer = NougatTokenizerFast(tokenizer_object=core)
    # nougat-base: image 896 x 672, patch 4, window 7, embed 128, depths [2, 2, 14, 2]; MBart d_model 1024, 10 layers
    encoder = DonutSwinConfig(image_size=[896, 672], patch_size=4, embed_dim=8, depths=[1, 1, 1, 1],  # 4 stages:
                              num_heads=[1, 1, 1, 1], window_size=7, mlp_ratio=1.0)  # 28 x 21 features, as nougat-base
    decoder = MBartConfig(is_decoder=True, is_encoder_decoder=False, add_cross_attention=True, d_model=64,
                          decoder_layers=2, decoder_attention_heads=2, decoder_ffn_dim=128,
                          max_position_embeddings=DECODER_POSITIONS, vocab_size=len(tokenizer), scale_embedding=True,
                          add_final_layer_norm=True, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(encoder=DonutSwinModel(encoder), decoder=MBartForCausalLM(decoder))
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id, config.bos_token_id, config.pad_token_id, config.eos_token_id = 0, 0, 1, 2
    model.save_pretrained(out)
    images = NougatImageProcessor(size={"height": 896, "width": 672}, do_align_long_axis=False)  # nougat-base's
    NougatProcessor(images, tokenizer).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_nougat(tmp_path_factory) -> Path:
    shared_fixture(FIXTURE)  # skip before building when the fixture PDF is absent (never under CI=true)
    return build_tiny_nougat(tmp_path_factory.mktemp("nougat") / "model")


def test_pages_are_rendered_at_nougats_resolution():
    pdf = shared_fixture(FIXTURE)
    batches = list(nougat.rendered_pages(pdf, 3))
    assert [len(b) for b in batches] == [3, 3, 2]
    assert {image.size for b in batches for image in b} == {(794, 1123)}  # A4 at 96 dpi


def test_whole_backend_on_a_real_pdf_in_a_child(tiny_nougat, monkeypatch, tmp_path):
    pdf = shared_fixture(FIXTURE)
    monkeypatch.setenv(nougat.MODEL_ENV, str(tiny_nougat))
    assert backend_problem("nougat") is None
    paper = parse_in_child(pdf, "nougat")  # the backend's own limits (`backends`), as make review runs it
    assert isinstance(paper, ParsedPaper) and (paper.pages, paper.backend) == (8, "nougat")
    assert ParsedPaper.from_dict(json.loads(json.dumps(paper.to_dict()))) == paper
    assert all(s.kind in SECTION_KINDS and s.text for s in paper.sections)
    assert paper.sections or paper.warnings[0] == "no section headings found"
    with pytest.raises(PdfError, match=r"N18-3011.pdf: parser timed out after 0.5 s"):
        parse_in_child(pdf, "nougat", timeout=0.5)


def test_cli_names_the_weights_and_a_timeout_is_the_files_error(tiny_nougat, monkeypatch, tmp_path, capsys):
    pdf = shared_fixture(FIXTURE)
    monkeypatch.delenv(nougat.MODEL_ENV, raising=False)  # restored after the test; main sets it
    assert main(["--in", str(pdf), "--out", str(tmp_path), "--backend", "nougat", "--nougat-model",
                 str(tiny_nougat), "--workers", "1", "--timeout", "0.5"]) == 0
    assert "'errors': 1" in capsys.readouterr().out
    rows = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert rows == [{"file": str(pdf), "reason": "timeout after 0.5 s"}]
