"""The offline four-part classifier: sentence units, training on structured reviews, save and load, the
fallback to the bundled sample (bench/parts.py end to end: tests/e2e/test_benchmarks_e2e.py)."""

from __future__ import annotations

from conftest import REPO

from preprocess.core.record import Paper, Review
from preprocess.notes.read import read_papers
from preprocess.targets.parts import MIN_REVIEWS, PartsClassifier, join_units, labelled, structured, train_for, units

SAMPLE = REPO / "data" / "sample"


def sample_reviews() -> list[Review]:
    return [r for p in read_papers(SAMPLE).papers for r in p.reviews if structured(r)]


def test_units_keep_lines_and_join_back():
    text = "First point. Second point!\n- A bullet line\n\nLast one? Yes."
    found = units(text)
    assert [s for _, s in found] == ["First point.", "Second point!", "- A bullet line", "Last one?", "Yes."]
    assert join_units(found) == "First point. Second point!\n- A bullet line\nLast one? Yes."


def test_a_structured_review_labels_its_own_sentences():
    review = Review(id="r", summary="It does this. It does that.", strengths="Clear.", weaknesses="Small data.",
                    questions="Why Z?")
    assert labelled(review) == (["It does this.", "It does that.", "Clear.", "Small data.", "Why Z?"], [0, 0, 1, 2, 3])
    assert not structured(Review(id="free", text="All in one paragraph."))


def test_saved_and_loaded_classifiers_agree(tmp_path):
    model = PartsClassifier("hashing").fit(sample_reviews(), "sample")
    assert model.info["reviews"] == len(sample_reviews()) and sum(model.info["sentences"].values()) > 300
    path = model.save(tmp_path / "m.parts.npz")
    again = PartsClassifier.load(path)
    blocks = [["The paper proposes a new loss.", "The experiments are too small.", "Please add baselines."]]
    assert again.predict(blocks) == model.predict(blocks) and again.info == model.info
    assert model.predict(blocks)[0][0] == 0 and model.predict(blocks)[0][-1] == 3  # summary first, asks last


def test_too_few_structured_reviews_fall_back_to_the_bundled_model():
    few = [Paper(forum="f", venue="v", year=None, api="v1", title="t", reviews=sample_reviews()[: MIN_REVIEWS - 1])]
    fallback = train_for(few, SAMPLE)
    assert fallback.info["source"].startswith("bundled: 1000 genuine structured reviews")  # shipped weights
    assert fallback.info["reviews"] > 1000 and fallback.transitions is not None
    enough = [Paper(forum="f", venue="v", year=None, api="v1", title="t", reviews=sample_reviews())]
    assert train_for(enough, SAMPLE).info["source"] == "crawl"
