"""A review read as a sequence: transitions learned from structured reviews, Viterbi decoding, heading masks,
and the bundled model on genuine-shaped free text."""

from __future__ import annotations

import numpy as np

from preprocess.targets.parts import bundled, units
from preprocess.targets.sequence import learn_transitions, viterbi


def test_transitions_are_learned_from_label_sequences():
    table = np.exp(learn_transitions([[0, 0, 1, 2, 2, 3], [0, 1, 1, 2, 3, 3]]))
    assert np.allclose(table.sum(axis=1), 1.0)
    assert table[0].argmax() == 0 and table[1 + 2, 3] > table[1 + 2, 0]  # start at the summary; weaknesses -> questions


def test_a_weak_sentence_inside_a_run_takes_the_run_s_part():
    transitions = learn_transitions([[0, 0, 1, 1, 2, 2, 2, 3]] * 20)
    scores = np.array([[3, 0, 0, 0], [0, 0, 3, 0], [0, 0.6, 0.5, 0], [0, 0, 3, 0]], dtype=np.float32)
    assert scores.argmax(axis=1).tolist() == [0, 2, 1, 2]  # alone, the hedge reads as praise
    assert viterbi(scores, transitions) == [0, 2, 2, 2]
    assert viterbi(scores, transitions, allowed=[(0,), (2, 3), (3,), (2, 3)])[2] == 3  # a heading's mask wins


def test_the_bundled_model_files_a_confusion_about_the_evaluation_as_a_weakness():
    """A genuine free-text review (issue 21: "My biggest confusion is about the evaluation..." became a reason to
    accept) read in order by the bundled model, trained on genuine NeurIPS reviews. Our own words, same shape."""
    text = ("This paper proposes a routing rule for mixture-of-experts models and evaluates it on language "
            "modelling. The idea is simple and the paper is easy to follow. My biggest confusion is about the "
            "evaluation: the baselines are trained for fewer steps, so the gains may come from compute. Could "
            "the authors report results at equal compute?")
    found = [s for _, s in units(text)]
    labels = bundled("hashing").predict([found])[0]
    assert labels[0] == 0 and labels[found.index(next(s for s in found if s.startswith("My biggest")))] == 2
    assert labels[-1] == 3
