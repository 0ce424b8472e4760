"""Four-part structure: hand-made reviews with known answers."""

import pytest

from eval.scores.structure import parts_in_order, parts_present, structure_metrics
from preprocess.core.prompts import FOUR_PARTS, PART_HEADING
from preprocess.core.target import split_parts

FULL = "\n\n".join(f"{PART_HEADING.format(part=p)}\nText about {p.lower()}." for p in FOUR_PARTS)


def test_full_review_has_all_parts_in_order():
    assert parts_present(FULL) == dict.fromkeys(FOUR_PARTS, True)
    assert parts_in_order(FULL)
    assert split_parts(FULL)["Reasons for rejection"] == "Text about reasons for rejection."


def test_heading_without_body_does_not_count():
    text = FULL.replace("Text about suggestions for improvement.", "")
    assert parts_present(text)["Suggestions for improvement"] is False
    assert not parts_in_order(text)


def test_rating_and_decision_lines_are_not_part_of_the_last_body():
    text = FULL.replace("Text about suggestions for improvement.", "") + "\n\nRating: 6\nDecision: Accept"
    assert parts_present(text)["Suggestions for improvement"] is False
    assert split_parts(FULL + "\n\nRating: 6")["Suggestions for improvement"].endswith("improvement.")


def test_tolerated_heading_forms():
    text = ("# significance and novelty:\nA.\n\n**Reasons for acceptance**\nB.\n\n"
            "### REASONS FOR REJECTION\nC.\n\n## Suggestions for improvement ##\nD.")
    assert all(parts_present(text).values())


def test_other_headings_are_text_of_their_part_and_prose_is_not_a_heading():
    text = "## Reasons for rejection\nWeak.\n## Summary\nLong summary.\nReasons for acceptance: many."
    assert split_parts(text) == {"Reasons for rejection": text.split("\n", 1)[1]}


def test_out_of_order_is_present_but_not_in_order():
    parts = [f"## {p}\nx" for p in FOUR_PARTS]
    text = "\n".join([parts[1], parts[0], parts[2], parts[3]])
    assert all(parts_present(text).values())
    assert not parts_in_order(text)


def test_metrics_shares():
    texts = [FULL, FULL, "no structure at all", "## Reasons for rejection\nOnly this."]
    m = structure_metrics(texts)
    assert m["n"] == 4
    assert m["all_four"] == 0.5
    assert m["in_order"] == 0.5
    assert m["per_part"]["Reasons for rejection"] == 0.75
    assert m["per_part"]["Significance and novelty"] == 0.5
    with pytest.raises(ValueError):
        structure_metrics([])
