"""Which content key of a review, meta-review or decision plays which role, per venue family, as data.

Add a venue by adding its keys here; `normalize` only applies the table. A role's keys are tried in order
and every one present is kept (joined by blank lines). Sources: the venues' review forms and forum pages,
e.g. ICLR 2017-2021 `review` (+ a `title`), 2022 `summary_of_the_paper` / `main_review` /
`summary_of_the_review`, 2023 `strength_and_weaknesses` / `clarity,_quality,_novelty_and_reproducibility`,
2024+ `summary` / `strengths` / `weaknesses` / `questions`; NeurIPS 2021-2025 (`limitations`, 2025's
`final_justification`); ICML 2025's assessment fields; TMLR's `requested_changes`.
"""

from __future__ import annotations

import re

REVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "rating": ("rating", "recommendation", "overall_recommendation", "overall_assessment", "overall_rating",
               "final_rating"),
    "confidence": ("confidence",),
    "title": ("title",),
    "summary": ("summary", "summary_of_the_paper", "summary_of_contributions", "paper_summary"),
    "strengths": ("strengths",),
    "weaknesses": ("weaknesses", "limitations", "broader_impact_concerns"),
    "strengths_and_weaknesses": ("strength_and_weaknesses", "strengths_and_weaknesses",
                                 "other_strengths_and_weaknesses", "main_review"),
    "questions": ("questions", "questions_for_authors", "requested_changes", "suggestions",
                  "other_comments_or_suggestions"),
    # Free text: the whole review (older forms) or assessments that mix praise and criticism (ICML 2025).
    "text": ("review", "clarity,_quality,_novelty_and_reproducibility", "claims_and_evidence",
             "methods_and_evaluation_criteria", "theoretical_claims", "experimental_designs_or_analyses",
             "relation_to_broader_scientific_literature", "essential_references_not_discussed"),
    "verdict": ("summary_of_the_review", "final_justification"),
}
META_REVIEW_FIELDS = ("metareview", "metareview:_summary,_strengths_and_weaknesses", "comment")
DECISION_FIELDS = ("decision", "recommendation")

# A review title that says nothing the form did not (ICLR 2020 "Official Blind Review #3").
GENERIC_TITLE = re.compile(r"(?:official\s+)?(?:blind\s+)?review(?:\s+(?:#|of\s+paper)\s*\w+)?\.?", re.IGNORECASE)
# A field answered from a fixed choice, not in words (TMLR `claims_and_evidence: "Yes"`): not review text.
ENUM_ANSWER = re.compile(r"(?:yes|no|n/?a)\.?", re.IGNORECASE)
# An answer field (NeurIPS `limitations`, TMLR `broader_impact_concerns`) that says there is nothing to worry
# about: "The authors have adequately addressed the limitations", "There does not seem to be any negative societal
# impact". It is not a reason for rejection; a "but"/"however" after it means a concern follows, so it stays.
_QUALIFIER = r"(?:(?:potential|obvious|direct|significant|major|apparent|immediate|foreseeable|serious)\s+)*"
_VERB = r"(?:addressed|discussed|acknowledged|described|stated|mentioned|covered)"
NO_CONCERN = re.compile(
    r"^(?!.*\b(?:but|however|although|though|except|unless|lacks?|missing|insufficient|should|could|would)\b)"
    r"(?!.*\bnot\s+(?:\w+\s+)?" + _VERB + r"\b)(?=.{0,400}$)"
    r"(?:.*\b(?:adequately|sufficiently|properly|appropriately|clearly|thoroughly|well|already|honestly)\s+"
    + _VERB + r"\b"
    r"|.*(?:\bno\s+|\bnot(?:\s+\w+){0,4}\s+any\s+|n't(?:\s+\w+){0,4}\s+any\s+)" + _QUALIFIER
    + r"(?:negative|societal|social|ethical)\b"
    r"|\s*(?:none|n/?a|not applicable|nothing|no concerns?|no limitations?)\b.{0,80}$)",
    re.IGNORECASE | re.DOTALL)
