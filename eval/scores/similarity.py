"""ROUGE-1/2/L and BLEU-4 computed exactly as LLaMA-Factory's `ComputeSimilarity` (0.9.5) does.

Per row: jieba word cut, rouge-chinese F-scores on the space-joined words (0 when either side is
empty), BLEU-4 on characters with NLTK's `method3` smoothing; every score ×100 rounded to 4 places,
then averaged over rows. `tests/unit/eval/scores/test_eval_similarity.py` runs theirs and ours on the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import jieba
import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from rouge_chinese import Rouge

jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading at INFO

SIMILARITY_KEYS = ("rouge-1", "rouge-2", "rouge-l", "bleu-4")


def row_similarity(pred: str, label: str) -> dict[str, float]:
    """The four scores of one prediction against its label, as LLaMA-Factory computes them."""
    hypothesis = list(jieba.cut(pred))
    reference = list(jieba.cut(label))
    if len(" ".join(hypothesis).split()) == 0 or len(" ".join(reference).split()) == 0:
        result = {"rouge-1": {"f": 0.0}, "rouge-2": {"f": 0.0}, "rouge-l": {"f": 0.0}}
    else:
        result = Rouge().get_scores(" ".join(hypothesis), " ".join(reference))[0]
    scores = {key: round(value["f"] * 100, 4) for key, value in result.items()}
    bleu = sentence_bleu([list(label)], list(pred), smoothing_function=SmoothingFunction().method3)
    scores["bleu-4"] = round(bleu * 100, 4)
    return scores


def corpus_similarity(preds: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Mean of each score over rows (LLaMA-Factory's `predict_rouge-1` etc. without the prefix)."""
    if len(preds) != len(labels):
        raise ValueError(f"{len(preds)} predictions but {len(labels)} labels")
    if not preds:
        raise ValueError("no rows to score")
    per_key: dict[str, list[float]] = {key: [] for key in SIMILARITY_KEYS}
    for pred, label in zip(preds, labels, strict=True):
        for key, value in row_similarity(pred, label).items():
            per_key[key].append(value)
    return {key: float(np.mean(values)) for key, values in per_key.items()}
