"""Nothing silently dropped: every review field holding the reviewer's words is used or excluded with a reason;
one that is neither is a warning naming the venue and the field."""

from __future__ import annotations

import json

from preprocess.notes.excluded import excluded_reason, unplaced_fields
from preprocess.notes.read import read_papers

# An ICLR 2022 note (API v1) in the shape of the genuine review form: `summary_of_the_paper`, `main_review`,
# `summary_of_the_review`, scores written "3: ..." and the ethics fields. Our own words.
REVIEW = {"id": "r1", "invitation": "ICLR.cc/2022/Conference/Paper7/-/Official_Review", "content": {
    "summary_of_the_paper": "The paper trains a sparse router for mixtures of experts.",
    "main_review": "Strengths: the router is simple.\nWeaknesses: no comparison with hashing routers.",
    "summary_of_the_review": "Promising, but the evaluation is thin.",
    "correctness": "3: Some of the paper's claims have minor issues.",
    "technical_novelty_and_significance": "2: The contributions are only marginally significant or novel.",
    "flag_for_ethics_review": ["NO."], "recommendation": "5: marginally below the acceptance threshold",
    "confidence": "4: You are confident in your assessment, but not absolutely certain.",
    "details_of_ethics_concerns": "The scraped data set may contain personal information of its users."}}
NOTE = {"id": "p7", "forum": "p7", "invitation": "ICLR.cc/2022/Conference/-/Blind_Submission",
        "content": {"title": "Sparse routers"}, "details": {"directReplies": [REVIEW]}}


def test_ethics_details_are_excluded_with_a_reason_not_dropped_without_a_word():
    """ICLR 2022's `details_of_ethics_concerns` text was dropped without a word (issue 21)."""
    assert "ethics reviewers" in excluded_reason("ICLR.cc/2022/Conference", "details_of_ethics_concerns")
    assert unplaced_fields(NOTE, "ICLR.cc/2022/Conference") == []


def test_a_field_neither_used_nor_excluded_is_a_warning_naming_venue_and_field(tmp_path):
    review = {**REVIEW, "content": {**REVIEW["content"], "comments_to_the_area_chair": "I did not check the proofs."}}
    folder = tmp_path / "raw" / "ICLR.cc_2022_Conference"
    folder.mkdir(parents=True)
    (folder / "notes.jsonl").write_text(json.dumps({**NOTE, "details": {"directReplies": [review]}}) + "\n")
    warnings = [w for w in read_papers(tmp_path / "raw").warnings if "neither used" in w]
    assert len(warnings) == 1 and "'comments_to_the_area_chair' (1 review(s))" in warnings[0]
    assert warnings[0].startswith("ICLR.cc/2022/Conference: review field")
