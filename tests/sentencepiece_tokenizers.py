"""A SentencePiece BPE tokenizer trained here on the bundled sample's prose, converted the way transformers converts
Llama's and Mistral's (tests of `SpacePieces` and of a build that counts with it), and bench/build.py as a module."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import REPO

from preprocess.prompt.tokenizer import Tokenizer, load_tokenizer


def bench_build():
    """bench/build.py as a module: its synthetic crawl generator and sentence pool (the sample's own prose)."""
    spec = importlib.util.spec_from_file_location("bench_build", REPO / "bench" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus() -> list[str]:
    """Sentences of the bundled sample source's prose."""
    return bench_build().sentence_pool()


def train_sp_model(work: Path) -> Path:
    """A SentencePiece BPE model trained on the sample's prose, with whitespace-run pieces ("▁▁") and byte
    fallback, as Llama's and Mistral's have (skips without sentencepiece)."""
    spm = pytest.importorskip("sentencepiece")
    lines = [t.replace("\n", " ") for t in corpus()]
    lines += ["x  y   z    w", "a  b  c", "    indented  code  here"] * 50  # runs of spaces to learn
    (work / "corpus.txt").write_text("\n".join(lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(work / "corpus.txt"), model_prefix=str(work / "m"), vocab_size=600,
                                   model_type="bpe", byte_fallback=True, allow_whitespace_only_pieces=True,
                                   split_digits=True, remove_extra_whitespaces=False, minloglevel=2,
                                   normalization_rule_name="identity", character_coverage=0.9995)
    return work / "m.model"


def convert(sp_model: Path, legacy: bool, out: Path) -> Tokenizer:
    """The model as transformers converts it: Metaspace pre-tokenizer, or (legacy) Replace normalizers."""
    from transformers import LlamaTokenizerFast

    LlamaTokenizerFast(vocab_file=str(sp_model), legacy=legacy).save_pretrained(out)
    return load_tokenizer(str(out))
