"""A review read as a sequence: Viterbi decoding of the classifier's per-sentence part scores with part-to-part
transitions learned from structured reviews.

Reviews run summary -> strengths -> weaknesses -> questions/suggestions, and a part comes in runs; a sentence's
own words are weak evidence ("This is interesting." in a weakness run is still a weakness). The transition table
(start row, 4 x 4, end row; log probabilities, add-`SMOOTHING` counts) is learned from the label sequences of structured
reviews; decoding adds it to the classifier's log-probabilities, `TRANSITION_WEIGHT` times, and takes the best
path. A mask (`allowed`) keeps each sentence among the parts its heading allows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PARTS = 4
SMOOTHING = 1.0  # add-one counts: a free-text review may go back from weaknesses to strengths
TRANSITION_WEIGHT = 1.0


def learn_transitions(sequences: Sequence[Sequence[int]]) -> np.ndarray:
    """(2 + PARTS) x PARTS log-probabilities: row 0 the first sentence's part, row 1 + i the next part after i,
    the last row the last sentence's part (reviews end with questions: a lone closing question is one)."""
    counts = np.full((2 + PARTS, PARTS), SMOOTHING, dtype=np.float64)
    for labels in sequences:
        if len(labels):
            counts[0, labels[0]] += 1
            counts[-1, labels[-1]] += 1
        for before, after in zip(labels, labels[1:], strict=False):
            counts[1 + before, after] += 1
    return np.log(counts / counts.sum(axis=1, keepdims=True)).astype(np.float32)


def allowed_mask(shape: tuple[int, ...], allowed: Sequence[Sequence[int]]) -> np.ndarray:
    """0 where a sentence (row) may take a part (column), -inf elsewhere."""
    mask = np.full(shape, -np.inf, dtype=np.float32)
    for row, parts in enumerate(allowed):
        mask[row, list(parts)] = 0.0
    return mask


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def viterbi(scores: np.ndarray, transitions: np.ndarray, allowed: Sequence[Sequence[int]] | None = None,
            weight: float = TRANSITION_WEIGHT) -> list[int]:
    """The best part sequence for one review: `scores` (sentences x PARTS logits), learned `transitions`, and for
    each sentence the parts it may take (all when `allowed` is None)."""
    if not len(scores):
        return []
    emit = log_softmax(np.asarray(scores, dtype=np.float64))
    if allowed is not None:
        emit = emit + allowed_mask(emit.shape, allowed)
    trans = weight * transitions.astype(np.float64)
    best = trans[0] + emit[0]
    back = np.zeros(emit.shape, dtype=np.int64)
    for t in range(1, len(emit)):
        total = best[:, None] + trans[1: 1 + PARTS]  # from part i (row) to part j (column)
        back[t] = total.argmax(axis=0)
        best = total.max(axis=0) + emit[t]
    if len(transitions) > 1 + PARTS:  # the end row (older models have none)
        best = best + trans[1 + PARTS]
    path = [int(best.argmax())]
    for t in range(len(emit) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
