"""Pure converters: literal OpenReview notes in (both API shapes), literal records out."""

from preprocess.core.record import Paper, Section
from preprocess.core.venues import api_version, reply_kind, venue_slug
from preprocess.notes import decisions, scales
from preprocess.notes.normalize import leading_int, normalize_note
from preprocess.prompt.formats import FormatOptions, make_target
from preprocess.prompt.layout import paper_text
from preprocess.targets.restructure import rule_based

V1_NOTE = {
    "id": "Hk1", "forum": "Hk1", "invitation": "ICLR.cc/2021/Conference/-/Blind_Submission",
    "content": {"title": "Sparse Attention", "abstract": "We study ...", "keywords": ["attention", " "],
                "TL;DR": "Sparse is enough."},
    "details": {"directReplies": [
        {"id": "r1", "invitation": "ICLR.cc/2021/Conference/Paper12/-/Official_Review",
         "signatures": ["ICLR.cc/2021/Conference/Paper12/AnonReviewer1"],
         "content": {"title": "Good", "review": "The paper is clear.",
                     "rating": "6: Marginally above acceptance threshold",
                     "confidence": "4: The reviewer is confident but not absolutely certain"}},
        {"id": "c1", "invitation": "ICLR.cc/2021/Conference/Paper12/-/Official_Comment",
         "signatures": ["ICLR.cc/2021/Conference/Paper12/Authors"],
         "content": {"title": "Response", "comment": "We thank the reviewers."}},
        {"id": "d1", "invitation": "ICLR.cc/2021/Conference/Paper12/-/Decision",
         "content": {"title": "Paper Decision", "decision": "Accept (Poster)", "comment": "Solid."}},
    ]},
}

V2_NOTE = {
    "id": "Xy2", "forum": "Xy2", "domain": "ICLR.cc/2025/Conference",
    "invitations": ["ICLR.cc/2025/Conference/-/Submission", "ICLR.cc/2025/Conference/-/Post_Submission"],
    "content": {"title": {"value": "Mixture of Experts"}, "abstract": {"value": "Experts ..."},
                "keywords": {"value": ["moe"]}, "TLDR": {"value": "Route well."},
                "venueid": {"value": "ICLR.cc/2025/Conference/Rejected_Submission"}},
    "details": {"replies": [
        {"id": "r2", "invitations": ["ICLR.cc/2025/Conference/Submission7/-/Official_Review",
                                     "ICLR.cc/2025/Conference/-/Edit"],
         "signatures": ["ICLR.cc/2025/Conference/Submission7/Reviewer_ab12"],
         "content": {"summary": {"value": "S."}, "strengths": {"value": "P."}, "weaknesses": {"value": "W."},
                     "questions": {"value": "Q?"}, "rating": {"value": 3}, "confidence": {"value": 5},
                     "soundness": {"value": 2}}},
        {"id": "m2", "invitations": ["ICLR.cc/2025/Conference/Submission7/-/Meta_Review"],
         "content": {"metareview": {"value": "Reviewers agree it is not ready."}}},
        {"id": "d2", "invitations": ["ICLR.cc/2025/Conference/Submission7/-/Decision"],
         "content": {"decision": {"value": "Reject"}}},
    ]},
}


def test_v1_note_becomes_record_without_author_comments():
    paper = normalize_note(V1_NOTE)
    assert (paper.forum, paper.venue, paper.year, paper.api) == ("Hk1", "ICLR.cc/2021/Conference", 2021, "v1")
    assert paper.keywords == ["attention"] and paper.tldr == "Sparse is enough."
    assert [r.id for r in paper.reviews] == ["r1"]
    review = paper.reviews[0]
    assert (review.rating, review.confidence, review.text, review.title) == (6, 4, "The paper is clear.", "Good")
    assert review.rating_scale == tuple(range(1, 11))
    assert (paper.decision, paper.decision_text) == ("accepted", "Accept (Poster)")


def test_v2_note_becomes_record_with_structured_review():
    paper = normalize_note(V2_NOTE)
    assert (paper.venue, paper.year, paper.api, paper.title) == ("ICLR.cc/2025/Conference", 2025, "v2",
                                                                 "Mixture of Experts")
    review = paper.reviews[0]
    assert (review.summary, review.strengths, review.weaknesses, review.questions) == ("S.", "P.", "W.", "Q?")
    assert (review.rating, review.confidence, review.signature.endswith("Reviewer_ab12")) == (3, 5, True)
    assert review.rating_scale == (1, 3, 5, 6, 8, 10)
    assert paper.meta_review == "Reviewers agree it is not ready."
    assert paper.decision == "rejected" and not paper.withdrawn


def test_four_part_target_from_structured_fields_and_free_text_fallback():
    v2, v1_paper = normalize_note(V2_NOTE).reviews[0], normalize_note(V1_NOTE)
    v1 = v1_paper.reviews[0]
    assert rule_based(v2) == ("## Significance and novelty\nS.\n\n## Reasons for acceptance\nP.\n\n"
                              "## Reasons for rejection\nW.\n\n## Suggestions for improvement\nQ?")
    assert rule_based(v1) is None
    target = make_target(v1, None, v1_paper, FormatOptions(with_rating=True, with_decision=True))
    assert v1_paper.decision == "accepted" and not target.four_part
    assert target.text == "Good\n\nThe paper is clear.\n\nRating: 6\nDecision: Accept"  # the v1 title first


def test_paper_layout_is_the_reference_designs():
    paper = Paper(forum="f", venue="v", year=None, api="v1", title="T", abstract="A", keywords=["k1", "k2"],
                  sections=[Section("1 Introduction", "Intro."), Section("2 Method", "M.")])
    assert paper_text(paper) == "title: T\nabstract: A\nkeywords: k1, k2\nmain: 1 Introduction\nIntro.\n\n2 Method\nM."


def test_small_helpers():
    assert [leading_int(v) for v in ("6: ok", 8, "3 good", "n/a", None, True, 5.0)] == [6, 8, 3, None, None, None, 5]
    assert [decisions.label(t) for t in ("Accept (Oral)", "Reject", "Invite to workshop", "Submitted to ICLR")] == [
        "accepted", "rejected", "rejected", None]
    assert venue_slug("ICLR.cc/2024/Conference") == "ICLR.cc_2024_Conference"
    assert venue_slug("../../etc/passwd") == "etc_passwd"
    assert api_version("ICLR.cc/2023/Conference") == "v1" and api_version("ICLR.cc/2024/Conference") == "v2"
    assert scales.from_table("ICLR.cc/2020/Conference", "rating") == (1, 3, 6, 8)
    assert reply_kind({"invitations": ["X/-/Edit", "X/Submission1/-/Official_Review"]}) == "official_review"


def test_withdrawn_and_desk_rejected_are_flagged_from_replies_or_venueid():
    withdrawn = {**V1_NOTE, "details": {"directReplies": [
        {"id": "w", "invitation": "ICLR.cc/2021/Conference/Paper12/-/Withdrawal", "content": {}}]}}
    assert normalize_note(withdrawn).withdrawn
    desk = {**V2_NOTE, "content": {**V2_NOTE["content"],
                                   "venueid": {"value": "ICLR.cc/2025/Conference/Desk_Rejected_Submission"}}}
    assert normalize_note(desk).withdrawn


def test_acceptance_decision_invitation_and_decision_from_venueid():
    note = {**V1_NOTE, "details": {"directReplies": [
        {"id": "d", "invitation": "ICLR.cc/2021/Conference/Paper12/-/Acceptance_Decision",
         "content": {"decision": "Reject"}}]}}
    assert normalize_note(note).decision == "rejected"
    no_decision = {**V2_NOTE, "details": {"replies": []}}
    assert (normalize_note(no_decision).decision_text, normalize_note(no_decision).decision) == (
        "ICLR.cc/2025/Conference/Rejected_Submission", "rejected")
    accepted = {**no_decision, "content": {**V2_NOTE["content"], "venueid": {"value": "ICLR.cc/2025/Conference"}}}
    assert normalize_note(accepted).decision == "accepted"


def test_missing_and_odd_fields_do_not_crash():
    import pytest

    from preprocess.notes.normalize import NoteError

    sparse = {"id": "S1", "invitation": "ICLR.cc/2022/Conference/-/Blind_Submission",
              "content": {"title": "Only a title", "keywords": "a, b ,", "abstract": None},
              "details": {"directReplies": ["junk", {"invitation": "ICLR.cc/2022/Conference/Paper1/-/Official_Review",
                                                      "content": None}]}}
    paper = normalize_note(sparse)
    assert (paper.abstract, paper.keywords, paper.decision) == ("", ["a", "b"], "unknown")
    assert len(paper.reviews) == 1 and paper.reviews[0].body() == "" and paper.reviews[0].rating is None
    for bad in ({"id": "x", "content": {}}, {"content": {"title": "t"}}, ["not", "a", "note"]):
        with pytest.raises(NoteError):
            normalize_note(bad)


def test_rating_field_names_and_types_come_from_the_table():
    v1_2022 = {**V1_NOTE, "invitation": "ICLR.cc/2022/Conference/-/Blind_Submission", "details": {"directReplies": [
        {"id": "r", "invitation": "ICLR.cc/2022/Conference/Paper1/-/Official_Review",
         "content": {"recommendation": "8: accept, good paper", "main_review": "Strengths:\nA.\n\nWeaknesses:\nB.",
                     "summary_of_the_paper": "S."}}]}}
    review = normalize_note(v1_2022).reviews[0]
    assert (review.rating, review.summary) == (8, "S.")
    assert review.strengths_and_weaknesses == "Strengths:\nA.\n\nWeaknesses:\nB."
    assert review.rating_scale == (1, 3, 5, 6, 8, 10)
