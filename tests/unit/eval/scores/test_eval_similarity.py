"""ROUGE/BLEU: parity with LLaMA-Factory's own ComputeSimilarity on the same rows, and known answers."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import REPO

from eval.scores.similarity import SIMILARITY_KEYS, corpus_similarity, row_similarity
from preprocess.core.jsonl import read_jsonl

FIXTURES = REPO / "tests" / "fixtures_eval"


class ListTokenizer:
    """Stands in for a tokenizer: row k of the id matrix decodes to texts[k] (ids are k + 1)."""

    pad_token_id = 0

    def __init__(self, texts: list[str]):
        self.texts = texts

    def batch_decode(self, ids, skip_special_tokens=True):
        return [self.texts[int(row[0]) - 1] for row in ids]


def llamafactory_scores(preds: list[str], labels: list[str]) -> dict[str, float]:
    """Run LLaMA-Factory 0.9.5's ComputeSimilarity on decoded texts (predictions and labels)."""
    from llamafactory.train.sft.metric import ComputeSimilarity

    texts = preds + labels
    pred_ids = np.arange(1, len(preds) + 1).reshape(-1, 1)
    label_ids = np.arange(len(preds) + 1, len(texts) + 1).reshape(-1, 1)
    metric = ComputeSimilarity(tokenizer=ListTokenizer(texts))
    return metric(SimpleNamespace(predictions=pred_ids, label_ids=label_ids))


@pytest.mark.parametrize("name", ["parity_predictions.jsonl", "generated_predictions.jsonl"])
def test_parity_with_llamafactory_on_the_same_file(name):
    rows = read_jsonl(FIXTURES / name)
    preds, labels = [r["predict"] for r in rows], [r["label"] for r in rows]
    theirs = llamafactory_scores(preds, labels)
    ours = corpus_similarity(preds, labels)
    assert set(theirs) == set(SIMILARITY_KEYS)
    assert ours == theirs  # exact equality, not approximate


def test_identical_text_scores_100():
    assert row_similarity("the method is novel", "the method is novel") == {
        "rouge-1": 100.0, "rouge-2": 100.0, "rouge-l": 100.0, "bleu-4": 100.0}


def test_empty_side_scores_zero_rouge():
    scores = row_similarity("", "a real label")
    assert scores["rouge-1"] == scores["rouge-2"] == scores["rouge-l"] == 0.0


def test_known_unigram_overlap():
    # words {a, b} vs {a, c}: unigram P = R = 1/2, no shared bigram, LCS 1 of 2
    scores = row_similarity("a b", "a c")
    assert scores["rouge-1"] == pytest.approx(50.0, abs=1e-3)
    assert scores["rouge-2"] == 0.0
    assert scores["rouge-l"] == pytest.approx(50.0, abs=1e-3)
    assert 0 < scores["bleu-4"] < 100


def test_corpus_is_the_row_mean_and_checks_lengths():
    rows = corpus_similarity(["a b", "x"], ["a b", "y"])
    assert rows["rouge-1"] == pytest.approx(50.0, abs=1e-3)
    with pytest.raises(ValueError, match="2 predictions but 1 labels"):
        corpus_similarity(["a", "b"], ["a"])
