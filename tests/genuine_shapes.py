"""OpenReview notes in the exact shapes genuine ones have, with text written for this project.

Each builder copies a real venue-year's shape (API envelope, content keys, value formats: option strings such
as "6: Marginally above acceptance threshold" or bare integers, lists, `{"value": ...}` wrapping, invitation and
signature naming, where the decision lives), never its reviewers' words: the sources' licences are unknown,
so the review text below is ours. Sources of the shapes, per builder:
- ICLR 2018: openreview/openreview-scripts `venues/ICLR.cc/2018/Conference/python/config.py` (the review,
  meta-review and Acceptance_Decision invitations: keys, option lists, invitation ids `-/Paper<N>/...`).
- ICLR 2020, 2021, 2022, 2024, 2025; NeurIPS 2022, 2023, 2024, 2025; ICML 2025: markdown dumps of OpenReview
  forums in a public code index ("Fetched 2026-06-26", one note per block with its content keys in order and
  values as the API gave them; repository not named by the index). ICLR 2020's form also in
  openreview-scripts `venues/ICLR.cc/2020/Conference/python/setup-stages.py` (no confidence field).
- ICLR 2023: key lists and decision strings quoted by third-party review-analysis code (secondary source).
- TMLR: openreview/openreview-py (MIT) `openreview/journal/invitation.py` review and decision forms.
- NIPS 2018 workshops: openreview-scripts `venues/NIPS.cc/2018/Workshop/*` review forms (1-5 ratings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json
from preprocess.core.venues import venue_slug

# Our own review sentences, by the part a reader would put them in; `{t}` is each builder's own topic, so
# reviews of different papers are not near duplicates of each other.
_SUMMARY = ("The paper proposes {t} and evaluates it on {d} benchmarks. The central claim is that {t} keeps the "
            "quality of the full model while halving the compute needed for {d}.")
_STRENGTHS = ("The treatment of {t} is simple and the ablations isolate each component on {d}. The writing is "
              "clear and the released code for {t} makes the results easy to reproduce.")
_WEAKNESSES = ("The comparison on {d} omits the strongest recent baselines for {t}, so the size of the improvement "
               "is unclear. The theoretical argument for {t} assumes balanced inputs, which {d} does not verify.")
_QUESTIONS = ("Could the authors report {d} results with the stronger baselines and show how {t} behaves during "
              "training? It would also help to explain how {t} is initialised.")
_VERDICT = "Overall {t} is promising but the evaluation on {d} is not yet convincing, so I lean towards rejection."


class Text:
    """One paper's review text on its own topic `t` and data `d`."""

    def __init__(self, t: str, d: str):
        self.summary, self.strengths = _SUMMARY.format(t=t, d=d), _STRENGTHS.format(t=t, d=d)
        self.weaknesses, self.questions = _WEAKNESSES.format(t=t, d=d), _QUESTIONS.format(t=t, d=d)
        self.verdict = _VERDICT.format(t=t, d=d)
        self.free = (f"{self.summary} {self.strengths} However, {self.weaknesses[0].lower()}{self.weaknesses[1:]} "
                     f"I suggest that the authors add the missing baselines. {self.questions}")


def v2(content: dict[str, Any]) -> dict[str, Any]:
    return {k: {"value": v} for k, v in content.items()}


def _submission(venue_id: str, forum: str, api: str, title: str, replies: list[dict], **content: Any) -> dict:
    base = {"title": title, "abstract": "We propose a routing scheme for sparse experts and study its cost.",
            "keywords": ["mixture of experts", "routing"], **content}
    if api == "v1":
        return {"id": forum, "forum": forum, "invitation": f"{venue_id}/-/Blind_Submission", "content": base,
                "details": {"directReplies": replies}, "number": 12, "cdate": 1569439942705}
    return {"id": forum, "forum": forum, "domain": venue_id, "content": v2(base), "number": 12,
            "invitations": [f"{venue_id}/-/Submission", f"{venue_id}/-/Post_Submission"],
            "details": {"replies": replies}}


def _reply(venue: str, forum: str, api: str, rid: str, invitation: str, signature: str, content: dict) -> dict:
    if api == "v1":
        return {"id": rid, "forum": forum, "replyto": forum, "invitation": invitation, "signatures": [signature],
                "content": content}
    return {"id": rid, "forum": forum, "replyto": forum, "invitations": [invitation, f"{venue}/-/Edit"],
            "signatures": [signature], "domain": venue, "content": v2(content)}


def iclr2018(forum: str = "ICLR18a") -> dict:
    x = Text("learned hash routing", "translation")
    venue = "ICLR.cc/2018/Conference"
    review = {"title": "Interesting routing idea, thin evaluation", "review": x.free,
              "rating": "5: Marginally below acceptance threshold",
              "confidence": "4: The reviewer is confident but not absolutely certain that the evaluation is correct"}
    meta = {"title": "ICLR 2018 Conference Meta-Review", "metareview": x.verdict,
            "recommendation": "Invite to Workshop Track", "confidence": "4: The area chair is confident"}
    decision = {"title": "ICLR 2018 Conference Acceptance Decision", "decision": "Invite to Workshop Track",
                "comment": x.verdict}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/-/Paper12/Official_Review",
                      f"{venue}/Paper12/AnonReviewer2", review),
               _reply(venue, forum, "v1", f"{forum}m", f"{venue}/-/Paper12/Meta_Review",
                      f"{venue}/Paper12/Area_Chair", meta),
               _reply(venue, forum, "v1", f"{forum}d", f"{venue}/-/Acceptance_Decision", f"{venue}/Program_Chairs",
                      decision)]
    return _submission(venue, forum, "v1", "Learned Hash Routing for Sparse Experts", replies)


def iclr2020(forum: str = "ICLR20a", rating: str = "3: Weak Reject") -> dict:
    x = Text("gradient sketching", "image classification")
    venue = "ICLR.cc/2020/Conference"
    review = {"experience_assessment": "I have published one or two papers in this area.",
              "rating": rating, "review_assessment:_checking_correctness_of_experiments":
              "I carefully checked the experiments.", "title": "Official Blind Review #3", "review": x.free}
    decision = {"title": "Paper Decision", "decision": "Accept (Poster)", "comment": x.verdict}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/Paper12/-/Official_Review",
                      f"{venue}/Paper12/AnonReviewer3", review),
               _reply(venue, forum, "v1", f"{forum}d", f"{venue}/Paper12/-/Decision", f"{venue}/Program_Chairs",
                      decision)]
    return _submission(venue, forum, "v1", "Routing Experts by Learned Hashes", replies)


def iclr2021(forum: str = "ICLR21a") -> dict:
    x = Text("contrastive pretraining of tabular encoders", "census")
    venue = "ICLR.cc/2021/Conference"
    review = {"title": "Promising but under-evaluated", "review": x.free,
              "rating": "4: Ok but not good enough - rejection",
              "confidence": "3: The reviewer is fairly confident that the evaluation is correct"}
    decision = {"title": "Final Decision", "decision": "Reject", "comment": x.verdict}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/Paper12/-/Official_Review",
                      f"{venue}/Paper12/AnonReviewer1", review),
               _reply(venue, forum, "v1", f"{forum}d", f"{venue}/Paper12/-/Decision", f"{venue}/Program_Chairs",
                      decision)]
    return _submission(venue, forum, "v1", "Hash Routing Revisited", replies)


def iclr2022(forum: str = "ICLR22a") -> dict:
    x = Text("frame averaging", "molecular dynamics")
    venue = "ICLR.cc/2022/Conference"
    review = {"main_review": f"*Strengths*\n- {x.strengths}\n\n*Weaknesses*\n\n- {x.weaknesses}",
              "confidence": "2: You are willing to defend your assessment, but it is quite likely that you did not "
                            "understand the central parts of the submission.",
              "summary_of_the_paper": x.summary, "summary_of_the_review": f"{x.verdict} {x.questions}",
              "correctness": "3: Some of the paper’s claims have minor issues.",
              "flag_for_ethics_review": ["NO."], "recommendation": "8: accept, good paper"}
    decision = {"title": "Paper Decision", "decision": "Accept (Oral)", "comment": x.verdict}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/Paper12/-/Official_Review",
                      f"{venue}/Paper12/Reviewer_5HAS", review),
               _reply(venue, forum, "v1", f"{forum}d", f"{venue}/Paper12/-/Decision", f"{venue}/Program_Chairs",
                      decision)]
    return _submission(venue, forum, "v1", "Frame Routing for Experts", replies, venue="ICLR 2022 Oral")


def iclr2023(forum: str = "ICLR23a") -> dict:
    x = Text("magnitude pruning bounds", "CIFAR-10")
    venue = "ICLR.cc/2023/Conference"
    review = {"summary_of_the_paper": x.summary,
              "strength_and_weaknesses": f"Strength: {x.strengths} Weakness: {x.weaknesses}",
              "clarity,_quality,_novelty_and_reproducibility": f"The paper is clearly written. {x.questions}",
              "summary_of_the_review": x.verdict, "correctness": "3: Some of the paper’s claims have minor issues.",
              "flag_for_ethics_review": ["NO."], "recommendation": "3: reject, not good enough",
              "confidence": "4: You are confident in your assessment, but not absolutely certain."}
    decision = {"title": "Paper Decision", "decision": "Accept: notable-top-25%", "metareview:_summary,"
                "_strengths_and_weaknesses": x.verdict}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/Paper12/-/Official_Review",
                      f"{venue}/Paper12/Reviewer_Ab12", review),
               _reply(venue, forum, "v1", f"{forum}d", f"{venue}/Paper12/-/Decision", f"{venue}/Program_Chairs",
                      decision)]
    return _submission(venue, forum, "v1", "Notable Routing", replies)


def iclr2024(forum: str = "ICLR24a", with_decision: bool = True) -> dict:
    x = Text("prompt replay", "continual learning")
    venue = "ICLR.cc/2024/Conference"
    review = {"summary": x.summary, "strengths": x.strengths, "weaknesses": x.weaknesses.replace(". ", ".&nbsp; ", 1),
              "questions": x.questions, "soundness": "2 fair", "presentation": "3 good", "contribution": "1 poor",
              "rating": "6: marginally above the acceptance threshold",
              "confidence": "3: You are fairly confident in your assessment.",
              "flag_for_ethics_review": ["No ethics review needed."], "code_of_conduct": "Yes"}
    meta = {"metareview": x.verdict, "justification_for_why_not_higher_score": "The evaluation is thin.",
            "justification_for_why_not_lower_score": "The idea is sound."}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission12/-/Official_Review",
                      f"{venue}/Submission12/Reviewer_Sk7T", review),
               _reply(venue, forum, "v2", f"{forum}m", f"{venue}/Submission12/-/Meta_Review",
                      f"{venue}/Submission12/Area_Chair_yULV", meta)]
    if with_decision:
        replies.append(_reply(venue, forum, "v2", f"{forum}d", f"{venue}/Submission12/-/Decision",
                              f"{venue}/Program_Chairs", {"title": "Paper Decision", "decision": "Accept (poster)"}))
    return _submission(venue, forum, "v2", "Poster Routing", replies, venue="ICLR 2024 poster", venueid=venue)


def iclr2025(forum: str = "ICLR25a") -> dict:
    x = Text("shift-invariant time series networks", "ECG")
    venue = "ICLR.cc/2025/Conference"
    review = {"summary": x.summary, "strengths": x.strengths, "weaknesses": x.weaknesses, "questions": x.questions,
              "soundness": 2, "presentation": 3, "contribution": 2, "rating": 6, "confidence": 3,
              "flag_for_ethics_review": ["No ethics review needed."], "code_of_conduct": "Yes"}
    meta = {"metareview": x.verdict, "additional_comments_on_reviewer_discussion": "The authors answered questions."}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission12/-/Official_Review",
                      f"{venue}/Submission12/Reviewer_Se81", review),
               _reply(venue, forum, "v2", f"{forum}m", f"{venue}/Submission12/-/Meta_Review",
                      f"{venue}/Submission12/Area_Chair_x", meta),
               _reply(venue, forum, "v2", f"{forum}d", f"{venue}/Submission12/-/Decision", f"{venue}/Program_Chairs",
                      {"title": "Paper Decision", "decision": "Accept (Poster)"})]
    return _submission(venue, forum, "v2", "Shift Routing", replies, venue="ICLR 2025 Poster", venueid=venue)


def neurips2022(forum: str = "NIPS22a") -> dict:
    x = Text("borderline calibration", "ImageNet")
    venue = "NeurIPS.cc/2022/Conference"
    review = {"summary": x.summary, "strengths_and_weaknesses": f"Strengths: {x.strengths}\nWeaknesses: {x.weaknesses}",
              "questions": x.questions, "limitations": "The authors discuss the limitations adequately.",
              "soundness": "3 good", "presentation": "3 good", "contribution": "2 fair",
              "rating": "5: Borderline accept: Technically solid paper where reasons to accept outweigh reasons to "
                        "reject, e.g., limited evaluation. Please use sparingly.",
              "confidence": "3: You are fairly confident in your assessment.", "ethics_flag": "No",
              "code_of_conduct": "Yes"}
    meta = {"confidence": "Less certain", "metareview": x.verdict, "recommendation": "Accept", "award": "No"}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/Paper11674/-/Official_Review",
                      f"{venue}/Paper11674/Reviewer_nK8B", review),
               _reply(venue, forum, "v1", f"{forum}m", f"{venue}/Paper11674/-/Meta_Review",
                      f"{venue}/Paper11674/Area_Chair_1", meta)]
    return _submission(venue, forum, "v1", "Borderline Routing", replies, venue="NeurIPS 2022 Accept")


def neurips2023(forum: str = "NIPS23a") -> dict:
    x = Text("sparse attention kernels", "long-document")
    venue = "NeurIPS.cc/2023/Conference"
    review = {"summary": x.summary, "strengths": x.strengths, "weaknesses": x.weaknesses, "questions": x.questions,
              "limitations": "The limitations section is adequate.", "soundness": "4 excellent",
              "rating": "7: Accept: Technically solid paper, with high impact on at least one sub-area, or "
                        "moderate-to-high impact on more than one areas, with good-to-excellent evaluation.",
              "confidence": "4: You are confident in your assessment, but not absolutely certain."}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission4/-/Official_Review",
                      f"{venue}/Submission4/Reviewer_q1", review),
               _reply(venue, forum, "v2", f"{forum}b", f"{venue}/Submission4/-/Rebuttal",
                      f"{venue}/Submission4/Authors", {"rebuttal": "We thank the reviewer and add the baselines."}),
               _reply(venue, forum, "v2", f"{forum}d", f"{venue}/Submission4/-/Decision", f"{venue}/Program_Chairs",
                      {"title": "Paper Decision", "decision": "Accept (poster)", "comment": x.verdict})]
    return _submission(venue, forum, "v2", "Solid Routing", replies, venue="NeurIPS 2023 poster", venueid=venue)


def neurips2024(forum: str = "NIPS24a") -> dict:
    """No Decision reply crawled: the decision is only in `venue` ("NeurIPS 2024 spotlight")."""
    x = Text("adaptive randomized smoothing", "robustness")
    venue = "NeurIPS.cc/2024/Conference"
    review = {"summary": x.summary, "strengths": x.strengths, "weaknesses": x.weaknesses, "questions": "-",
              "limitations": "See weaknesses and questions.", "soundness": 4, "presentation": 3,
              "contribution": 4, "rating": 7, "confidence": 3, "flag_for_ethics_review": ["No ethics review needed."],
              "code_of_conduct": "Yes"}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission13697/-/Official_Review",
                      f"{venue}/Submission13697/Reviewer_FN7A", review)]
    return _submission(venue, forum, "v2", "Adaptive Routing", replies, venue="NeurIPS 2024 spotlight")


def neurips2025(forum: str = "NIPS25a") -> dict:
    x = Text("equivariant convolutions", "adversarial")
    venue = "NeurIPS.cc/2025/Conference"
    review = {"summary": x.summary, "strengths_and_weaknesses": f"## Strengths\n- {x.strengths}\n\n## Weaknesses\n- "
              f"{x.weaknesses}", "questions": x.questions, "limitations": "yes", "rating": 5, "confidence": 3,
              "quality": 3, "clarity": 3, "significance": 2, "originality": 2,
              "ethical_concerns": ["NO or VERY MINOR ethics concerns only"],
              "paper_formatting_concerns": "I have no concerns about paper formatting.",
              "code_of_conduct_acknowledgement": "Yes", "responsible_reviewing_acknowledgement": "Yes",
              "final_justification": "After the rebuttal the authors added the baselines, so I now recommend "
                                     "acceptance."}
    ack = {"mandatory_acknowledgement": ["rebuttal_ack", "discussion_ack", "final_justification_ack"]}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission17529/-/Official_Review",
                      f"{venue}/Submission17529/Reviewer_b95s", review),
               _reply(venue, forum, "v2", f"{forum}a", f"{venue}/Submission17529/-/Mandatory_Acknowledgement",
                      f"{venue}/Submission17529/Reviewer_b95s", ack),
               _reply(venue, forum, "v2", f"{forum}d", f"{venue}/Submission17529/-/Decision",
                      f"{venue}/Program_Chairs", {"title": "Paper Decision", "decision": "Accept (oral)"})]
    return _submission(venue, forum, "v2", "Equivariant Routing", replies, venue="NeurIPS 2025 oral", venueid=venue)


def icml2025(forum: str = "ICML25a") -> dict:
    x = Text("orthogonal Lipschitz layers", "certified")
    venue = "ICML.cc/2025/Conference"
    review = {"summary": x.summary, "claims_and_evidence": "The claims are mostly supported by the experiments.",
              "methods_and_evaluation_criteria": "yes", "theoretical_claims": "I checked the routing lemma.",
              "experimental_designs_or_analyses": x.weaknesses,
              "relation_to_broader_scientific_literature": "The work extends hash-based routing.",
              "essential_references_not_discussed": "None.", "other_strengths_and_weaknesses": x.strengths,
              "other_comments_or_suggestions": "Small typo in the second equation.",
              "questions_for_authors": x.questions, "code_of_conduct": "Affirmed.", "overall_recommendation": 4}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Submission559/-/Official_Review",
                      f"{venue}/Submission559/Reviewer_8nWp", review),
               _reply(venue, forum, "v2", f"{forum}d", f"{venue}/Submission559/-/Decision", f"{venue}/Program_Chairs",
                      {"title": "Paper Decision", "decision": "Accept (spotlight poster)"})]
    return _submission(venue, forum, "v2", "Orthogonal Routing", replies, venue="ICML 2025 spotlightposter",
                       venueid=venue)


def tmlr(forum: str = "TMLRa") -> dict:
    x = Text("kernel two-sample tests", "genomics")
    venue = "TMLR"
    review = {"summary_of_contributions": x.summary, "strengths_and_weaknesses": f"{x.strengths}\n\n{x.weaknesses}",
              "requested_changes": x.questions, "broader_impact_concerns": "None.", "claims_and_evidence": "Yes",
              "audience": "Yes"}
    replies = [_reply(venue, forum, "v2", f"{forum}r", f"{venue}/Paper12/-/Review", f"{venue}/Paper12/Reviewer_ab",
                      review),
               _reply(venue, forum, "v2", f"{forum}d", f"{venue}/Paper12/-/Decision", f"{venue}/Paper12/Action_Editors",
                      {"recommendation": "Accept with minor revision", "comment": x.verdict})]
    return _submission(venue, forum, "v2", "Journal Routing", replies, venue="Accepted by TMLR", venueid="TMLR")


def nips2018_workshop(forum: str = "NIPSW18a") -> dict:
    x = Text("low-rank compression", "mobile vision")
    venue = "NIPS.cc/2018/Workshop/CDNNRIA"
    review = {"title": "Useful for compact networks", "review": x.free,
              "rating": "3: Marginally above acceptance threshold",
              "confidence": "2: The reviewer is fairly confident that the evaluation is correct"}
    replies = [_reply(venue, forum, "v1", f"{forum}r", f"{venue}/-/Paper5/Official_Review",
                      f"{venue}/Paper5/AnonReviewer1", review)]
    return _submission(venue, forum, "v1", "Compact Routing", replies)


BUILDERS = (iclr2018, iclr2020, iclr2021, iclr2022, iclr2023, iclr2024, iclr2025, neurips2022, neurips2023,
            neurips2024, neurips2025, icml2025, tmlr, nips2018_workshop)


def write_crawl(root: Path, notes: list[dict], parsed: Path, bom: bool = False) -> None:
    """Notes by venue folder (`notes.jsonl`), each paper's parsed text in `parsed`."""
    by_venue: dict[str, list[dict]] = {}
    for note in notes:
        venue = note.get("domain") or note["invitation"].split("/-/")[0]
        by_venue.setdefault(venue_slug(venue), []).append(note)
    for slug, group in by_venue.items():
        (root / slug).mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(n, ensure_ascii=False) + "\n" for n in group)
        (root / slug / "notes.jsonl").write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    for note in notes:
        body = " ".join(f"Sentence {i} of the paper {note['id']} reports a measured result." for i in range(60))
        write_json(parsed / f"{note['id']}.json", {"sections": [{"heading": "1 Introduction", "text": body},
                                                                 {"heading": "2 Method", "text": body}]})
