"""`SpacePieces`: exact piecewise counts for SentencePiece-style BPE tokenizers (Llama, Mistral), checked
against the whole-text encoding of real converted tokenizers, in both shapes transformers writes them (a whole build
counting with them: tests/e2e/test_budget_pieces_build_e2e.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sentencepiece_tokenizers import convert, corpus, train_sp_model
from tokenizers import Tokenizer as Backend

from preprocess.core.record import Paper, Section
from preprocess.prompt.budget import fit_paper, paper_budget
from preprocess.prompt.layout import paper_text
from preprocess.prompt.tokenizer import SpacePieces, Tokenizer

ODD = ["  ", "   ", "\n", "\n\n", "\t", " \n ", "▁", " ▁ ", "<s>", "</s>", "naïve", "漢字", "😀", "3.14", "  x"]


@pytest.fixture(scope="module")
def sp_model(tmp_path_factory) -> Path:
    """A SentencePiece BPE model trained here on the sample's prose (`sentencepiece_tokenizers`)."""
    return train_sp_model(tmp_path_factory.mktemp("spm"))


@pytest.fixture(scope="module", params=[False, True], ids=["metaspace", "legacy-normalizers"])
def llama_tok(request, sp_model, tmp_path_factory) -> Tokenizer:
    return convert(sp_model, request.param, tmp_path_factory.mktemp("llama"))


def texts(repo, n: int = 120, seed: int = 0) -> list[str]:
    """Sample prose with odd whitespace, literal "▁", added tokens and non-Latin characters mixed in."""
    rng, pool = random.Random(seed), corpus()
    out = []
    for _ in range(n):
        parts = [rng.choice(pool) for _ in range(rng.randint(1, 6))]
        parts = [p if rng.random() < 0.5 else p.replace(" ", rng.choice(ODD), rng.randint(1, 4)) for p in parts]
        out.append(rng.choice(["", " ", "  ", "\n"]) + rng.choice([" ", "\n\n", "  "]).join(parts)
                   + rng.choice(["", " ", "  "]))
    return out + ODD + ["", "▁▁x", "x▁▁ y", " <s> a", "a</s>  b"]


def test_the_shapes_transformers_writes_are_recognised(llama_tok):
    config = json.loads(llama_tok.backend_json())
    assert (config["normalizer"] is None) != (config["pre_tokenizer"] is None), config
    assert any(len(t) > 1 and set(t) == {"▁"} for t in config["model"]["vocab"]), "the model has '▁▁' pieces"
    assert llama_tok._pieces is not None


def test_piece_counts_equal_whole_text_encoding(llama_tok, repo):
    backend = llama_tok._backend
    samples = texts(repo)
    exact = [len(backend.encode(t, add_special_tokens=False)) for t in samples]
    assert [llama_tok._pieces.count(t) for t in samples] == exact
    assert [len(ids) for ids in llama_tok.hf(samples, add_special_tokens=False)["input_ids"]] == exact
    assert [Tokenizer.from_backend(llama_tok.backend_json()).count(t) for t in samples] == exact
    assert llama_tok.count_many(samples) == exact
    for text, n in zip(samples, exact, strict=True):
        if llama_tok._pieces.usable(text):  # else (added tokens, empty text) the backend's own offsets
            offsets = llama_tok._pieces.offsets(text)
            assert len(offsets) == n and offsets[-1][1] == len(text)
            assert all(e == s or e == len(text) or text[e] == " " for s, e in offsets), "cuts end on a piece"


def test_refused_where_a_merge_could_cross_a_space(llama_tok, tiny_model):
    config = json.loads(llama_tok.backend_json())
    config["model"]["vocab"]["e▁t"] = len(config["model"]["vocab"])
    assert SpacePieces.for_backend(Backend.from_str(json.dumps(config))) is None
    bytelevel = Tokenizer.from_backend(Backend.from_file(str(tiny_model / "tokenizer.json")).to_str())
    assert bytelevel._pieces is None, "GPT-2-style byte-level BPE splits words itself; nothing to do"
    config = json.loads(llama_tok.backend_json())
    config["model"]["dropout"] = 0.1
    assert SpacePieces.for_backend(Backend.from_str(json.dumps(config))) is None


def test_fit_with_pieces_keeps_its_guarantees(llama_tok, repo):
    pool = corpus()
    body = [Section(f"{i} Section", "  ".join(pool[i * 7:(i + 1) * 7]) * 4) for i in range(1, 6)]
    paper = Paper(forum="f", venue="v", year=None, api="v2", title="T", abstract="A.", keywords=["k"],
                  sections=[*body, Section("5 Conclusion", pool[0])])
    budget = paper_budget(llama_tok, 1024, 341)
    text, used = fit_paper(paper, llama_tok, 1024, 341)
    exact = len(llama_tok.hf(text, add_special_tokens=False)["input_ids"])
    assert used == exact <= budget < llama_tok.count(paper_text(paper))
    assert used > budget - 64, "trimming stops near the budget, not far below it"
    assert text.endswith(pool[0]) and "1 Section\n" in text
    light = Tokenizer.from_backend(llama_tok.backend_json())  # what the build's workers use
    assert fit_paper(paper, light, 1024, 341) == (text, used), "the same prompt in the build and at review time"


@pytest.mark.parametrize("scheme", ["first", "always", "never"])
def test_every_metaspace_prepend_scheme(sp_model, repo, tmp_path, scheme):
    config = json.loads(convert(sp_model, False, tmp_path).backend_json())
    config["pre_tokenizer"]["prepend_scheme"] = scheme
    backend = Backend.from_str(json.dumps(config))
    pieces = SpacePieces.for_backend(backend)
    samples = texts(repo, n=40, seed=1)
    assert pieces is not None
    assert [pieces.count(t) for t in samples] == [len(backend.encode(t, add_special_tokens=False)) for t in samples]
