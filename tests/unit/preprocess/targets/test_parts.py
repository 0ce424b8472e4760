"""The offline four-part classifier: sentence units, training on structured reviews, save and load, the
fallback to the bundled sample, and bench/parts.py end to end on the sample."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_the_bench_measures_crawl_trained_and_bundled_models(tmp_path):
    """bench/parts.py --crawl on a few structured reviews (tiny: the figures are in the README, measured on
    genuine NeurIPS reviews)."""
    out = tmp_path / "parts.json"
    done = subprocess.run([sys.executable, "bench/parts.py", "--crawl", str(SAMPLE), "--features", "hashing",
                           "--folds", "2", "--max-reviews", "8", "--json", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    crawl, bundle = json.loads(out.read_text())
    assert crawl["model"] == "trained on the other folds" and bundle["model"].startswith("bundled: ")
    for result in (crawl, bundle):
        assert result["sentences"] > 30 and 0.5 < result["accuracy"] <= 1
        assert set(result["f1"]) == {"summary", "strengths", "weaknesses", "suggestions"}
    assert "crawl-trained (hashing" in done.stdout and "bundled (hashing" in done.stdout
