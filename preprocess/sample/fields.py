"""What each ICLR year looks like on OpenReview: score strings, review/meta-review field builders, `YEARS`.

This is the only place that knows the per-year content shapes; each year is one `Year` row of `YEARS`.
A field builder maps a schema review (or paper) to one content value of that year's note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
Field = Callable[[Json, int], Any]  # (schema review, reviewer number) -> content value

# ---- Score strings as OpenReview shows them --------------------------------------------------------
RATING_2020 = {1: "1: Reject", 3: "3: Weak Reject", 6: "6: Weak Accept", 8: "8: Accept"}
RATING_2021 = dict(enumerate((
    "Trivial or wrong", "Strong rejection", "Clear rejection", "Ok but not good enough - rejection",
    "Marginally below acceptance threshold", "Marginally above acceptance threshold", "Good paper, accept",
    "Top 50% of accepted papers, clear accept", "Top 15% of accepted papers, strong accept",
    "Top 5% of accepted papers, seminal paper"), start=1))
RECOMMENDATION = {
    1: "strong reject", 3: "reject, not good enough", 5: "marginally below the acceptance threshold",
    6: "marginally above the acceptance threshold", 8: "accept, good paper",
    10: "strong accept, should be highlighted at the conference"}
CONFIDENCE_2021 = dict(enumerate((
    "The reviewer's evaluation is an educated guess",
    "The reviewer is willing to defend the evaluation, but it is quite likely that the reviewer did not "
    "understand central parts of the paper",
    "The reviewer is fairly confident that the evaluation is correct",
    "The reviewer is confident but not absolutely certain that the evaluation is correct",
    "The reviewer is absolutely certain that the evaluation is correct and very familiar with the "
    "relevant literature"), start=1))
_UNSURE = ("did not understand some parts of the submission or that you are unfamiliar with some pieces of "
           "related work.")
_UNCHECKED = "Math/other details were not carefully checked."
CONFIDENCE_2022 = dict(enumerate((
    "You are unable to assess this paper and have alerted the ACs to seek an opinion from different "
    "reviewers.",
    "You are willing to defend your assessment, but it is quite likely that you did not understand the "
    "central parts of the submission or that you are unfamiliar with some pieces of related work. "
    f"{_UNCHECKED}",
    f"You are fairly confident in your assessment. It is possible that you {_UNSURE} {_UNCHECKED}",
    f"You are confident in your assessment, but not absolutely certain. It is unlikely, but not impossible, "
    f"that you {_UNSURE}",
    "You are absolutely certain about your assessment. You are very familiar with the related work and "
    "checked the math/other details carefully."), start=1))
EXPERIENCE_2020 = {1: "I do not know much about this area.", 2: "I do not know much about this area.",
                   3: "I have read many papers in this area.",
                   4: "I have published one or two papers in this area.",
                   5: "I have published in this field for several years."}
CORRECTNESS = dict(enumerate((
    "The main claims of the paper are incorrect or not at all supported by theory or empirical results.",
    "Several of the paper’s claims are incorrect or not well-supported.",
    "Some of the paper’s claims have minor issues. A few statements are not well-supported, or require small "
    "changes to be made correct.",
    "All of the claims and statements are well-supported and correct."), start=1))
NOVELTY = dict(enumerate((
    "The contributions are neither significant nor novel.",
    "The contributions are only marginally significant or novel.",
    "The contributions are significant and somewhat new. Aspects of the contributions exist in prior work.",
    "The contributions are significant, and do not exist in prior works."), start=1))
SCORE_WORDS = {1: "poor", 2: "fair", 3: "good", 4: "excellent"}
# The schema gives one rating per review; the other per-year scores follow from it.
# rating -> (correctness, technical novelty, empirical novelty) for 2022-23,
#           (soundness, presentation, contribution) for 2024-25.
SUBSCORES_2022 = {1: (1, 1, 1), 3: (2, 2, 2), 5: (3, 2, 2), 6: (3, 3, 2), 8: (4, 3, 3), 10: (4, 4, 4)}
SUBSCORES_2024 = {1: (1, 2, 1), 3: (2, 2, 2), 5: (2, 3, 2), 6: (3, 3, 2), 8: (3, 3, 3), 10: (4, 4, 4)}
VERDICT = {  # rating -> one-line verdict (2021 review title, 2022-23 summary_of_the_review)
    1: "The central claims are not supported; the paper is not ready for publication.",
    2: "The paper has fundamental problems; I recommend rejection.",
    3: "The weaknesses clearly outweigh the strengths; I recommend rejection.",
    4: "Interesting direction, but the evidence is not yet sufficient for acceptance.",
    5: "A reasonable idea, but the evaluation leaves too many open questions; I lean towards rejection.",
    6: "The strengths slightly outweigh the weaknesses; I lean towards acceptance.",
    7: "A good paper with convincing experiments; I recommend acceptance.",
    8: "A solid contribution with convincing evidence; I recommend acceptance.",
    9: "A strong paper that I would like to see at the conference.",
    10: "An excellent paper that should be highlighted at the conference."}
AC_TEXT = {  # accepted? -> decision comment, why not higher, why not lower
    True: ("The paper is accepted. Please address the reviewers' remaining comments in the final version.",
           "Some reviewer concerns about scope and evaluation were only partially addressed.",
           "All reviewers agree that the contribution is sound and of interest to the community."),
    False: ("The paper is rejected. We hope the reviews help the authors improve the work.",
            "The main concerns raised by the reviewers were not resolved in the discussion.",
            "The direction is relevant and parts of the analysis are interesting.")}
DISCUSSION = ("The authors responded to the reviews; the discussion clarified several points but did not "
              "change the overall assessment.")


def lookup(table: dict[int, Any], key: str, fmt: str = "{n}: {s}") -> Field:
    """Field rendering `review[key]` through `table` as e.g. `"6: marginally above ..."`."""
    return lambda r, _k: fmt.format(n=r[key], s=table[r[key]])


def subscore(scores: dict[int, tuple[int, ...]], i: int, words: dict[int, Any] | None, fmt: str) -> Field:
    """Field for the `i`-th score derived from the rating: `fmt` over `words`, or the bare int if no words."""
    def value(r: Json, _k: int) -> Any:
        n = scores[r["rating"]][i]
        return n if words is None else fmt.format(n=n, s=words[n])

    return value


def const(value: Any) -> Field:
    """Field with a fixed value."""
    return lambda _r, _k: value


def prose(*parts: str) -> Field:
    """Field joining review parts as paragraphs under short headings (`Strengths:` ...)."""
    return lambda r, _k: "\n\n".join(f"{p.capitalize()}:\n{r[p].strip()}" for p in parts)


def part(name: str) -> Field:
    """Field copying one review part."""
    return lambda r, _k: r[name]


ALL_PARTS = ("summary", "strengths", "weaknesses", "questions")
SCORES_2022: dict[str, Field] = {
    "correctness": subscore(SUBSCORES_2022, 0, CORRECTNESS, "{n}: {s}"),
    "technical_novelty_and_significance": subscore(SUBSCORES_2022, 1, NOVELTY, "{n}: {s}"),
    "empirical_novelty_and_significance": subscore(SUBSCORES_2022, 2, NOVELTY, "{n}: {s}"),
    "flag_for_ethics_review": const(["NO."]),
    "recommendation": lookup(RECOMMENDATION, "rating"), "confidence": lookup(CONFIDENCE_2022, "confidence")}


def review_v2(as_int: bool) -> dict[str, Field]:
    """API v2 review fields; 2025 stores the scores as bare ints (`as_int`)."""
    def score(i: int) -> Field:
        return subscore(SUBSCORES_2024, i, None if as_int else SCORE_WORDS, "{n} {s}")

    def scale(table: dict[int, str], key: str) -> Field:
        return part(key) if as_int else lookup(table, key)

    return {"summary": part("summary"), "soundness": score(0), "presentation": score(1),
            "contribution": score(2), "strengths": part("strengths"), "weaknesses": part("weaknesses"),
            "questions": part("questions"), "flag_for_ethics_review": const(["No ethics review needed."]),
            "rating": scale(RECOMMENDATION, "rating"), "confidence": scale(CONFIDENCE_2022, "confidence"),
            "code_of_conduct": const("Yes")}


# Meta-review fields: (paper, that year's decision string) -> value.
META_V1: dict[str, Callable[[Json, str], Any]] = {
    "metareview": lambda p, d: p["meta_review"], "recommendation": lambda p, d: d}
META_2023: dict[str, Callable[[Json, str], Any]] = {
    "metareview:_summary,_strengths_and_weaknesses": lambda p, d: p["meta_review"],
    "justification_for_why_not_higher_score": lambda p, d: AC_TEXT[d.startswith("Accept")][1],
    "justification_for_why_not_lower_score": lambda p, d: AC_TEXT[d.startswith("Accept")][2],
    "recommendation": lambda p, d: d}
META_V2: dict[str, Callable[[Json, str], Any]] = {
    "metareview": lambda p, d: p["meta_review"],
    "additional_comments_on_reviewer_discussion": lambda p, d: DISCUSSION,
    "justification_for_why_not_higher_score": lambda p, d: AC_TEXT[d.startswith("Accept")][1]}
TIERS = ("Poster", "Spotlight", "Oral")
SAME = {f"Accept ({t})": f"Accept ({t})" for t in TIERS} | {"Reject": "Reject"}


@dataclass(frozen=True)
class Year:
    """What one ICLR year looks like on OpenReview."""

    api: int
    dates: tuple[str, str, str, str, str]  # submission, reviews, author response, meta-review, decision
    ratings: frozenset[int]
    decisions: dict[str, str]  # schema decision -> that year's decision string
    review: dict[str, Field]
    meta: dict[str, Callable[[Json, str], Any]]
    hashed_ids: bool  # Reviewer_abcd / Area_Chair_abcd, else AnonReviewerK / Area_Chair1
    line_numbers: bool  # under-review PDF with margin line numbers


SCALE_2022 = frozenset(RECOMMENDATION)
YEARS: dict[int, Year] = {
    2020: Year(1, ("2019-09-26", "2019-10-28", "2019-11-14", "2019-12-10", "2019-12-19"),
               frozenset(RATING_2020), SAME | {"Accept (Oral)": "Accept (Talk)"},
               {"title": lambda _r, k: f"Official Blind Review #{k}", "review": prose(*ALL_PARTS),
                "rating": lookup(RATING_2020, "rating", "{s}"),
                "experience_assessment": lookup(EXPERIENCE_2020, "confidence", "{s}"),
                "review_assessment:_checking_correctness_of_derivations_and_theory":
                    const("I assessed the sensibility of the derivations and theory."),
                "review_assessment:_checking_correctness_of_experiments":
                    const("I carefully checked the experiments."),
                "review_assessment:_thoroughness_in_paper_reading": const("I read the paper thoroughly.")},
               META_V1, hashed_ids=False, line_numbers=False),
    2021: Year(1, ("2020-10-02", "2020-10-27", "2020-11-19", "2020-12-20", "2021-01-12"),
               frozenset(RATING_2021), SAME,
               {"title": lambda r, _k: VERDICT[r["rating"]].split(";")[0].rstrip("."),
                "review": prose(*ALL_PARTS), "rating": lookup(RATING_2021, "rating"),
                "confidence": lookup(CONFIDENCE_2021, "confidence")},
               META_V1, hashed_ids=False, line_numbers=False),
    2022: Year(1, ("2021-10-06", "2021-11-01", "2021-11-20", "2021-12-20", "2022-01-24"), SCALE_2022, SAME,
               {"summary_of_the_paper": part("summary"),
                "main_review": prose("strengths", "weaknesses", "questions"),
                "summary_of_the_review": lookup(VERDICT, "rating", "{s}"), **SCORES_2022},
               META_V1, hashed_ids=True, line_numbers=True),
    2023: Year(1, ("2022-09-22", "2022-11-02", "2022-11-16", "2022-12-18", "2023-01-21"), SCALE_2022,
               {"Accept (Poster)": "Accept: poster", "Accept (Spotlight)": "Accept: notable-top-25%",
                "Accept (Oral)": "Accept: notable-top-5%", "Reject": "Reject"},
               {"summary_of_the_paper": part("summary"),
                "strength_and_weaknesses": prose("strengths", "weaknesses"),
                "clarity,_quality,_novelty_and_reproducibility": part("questions"),
                "summary_of_the_review": lookup(VERDICT, "rating", "{s}"), **SCORES_2022},
               META_2023, hashed_ids=True, line_numbers=True),
    **{year: Year(2, dates, SCALE_2022, {k: v.capitalize() for k, v in SAME.items()},
                  review_v2(as_int=year >= 2025), META_V2, hashed_ids=True, line_numbers=False)
       for year, dates in ((2024, ("2023-09-22", "2023-10-30", "2023-11-18", "2023-12-15", "2024-01-16")),
                           (2025, ("2024-09-27", "2024-11-01", "2024-11-24", "2024-12-20", "2025-01-22")))},
}
