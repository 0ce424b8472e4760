"""Every prompt text the project uses, in one place: training data, review CLI and eval read them here."""

from __future__ import annotations

# The reference design's alpaca instruction (kept verbatim, spacing included).
REVIEW_INSTRUCTION = (
    "You are a professional machine learning conference reviewer who reviews a given paper and considers "
    "4 criteria: ** importance and novelty **, ** potential reasons for acceptance **, ** potential "
    "reasons for rejection **, and ** suggestions for improvement **. The given paper is as follows."
)

# The four parts of a restructured review (Liang et al. 2023), in order, as markdown headings.
FOUR_PARTS: tuple[str, ...] = (
    "Significance and novelty",
    "Reasons for acceptance",
    "Reasons for rejection",
    "Suggestions for improvement",
)
PART_HEADING = "## {part}"

# Multi-turn (sharegpt) follow-ups: the user asks for more after the first review.
FIRST_TURN = "Please review this paper or give some suggestions."
FIRST_REPLY = "OK, please provide the paper."
PAPER_TURN = "This is the paper:\n{paper}"
REVIEW_REPLY = "This is the review:\n{review}"
MORE_TURNS: tuple[str, ...] = (
    "Any more?",
    "Do you have any other comments?",
    "Anything else a reviewer would point out?",
    "Please give another review.",
    "More suggestions, please.",
)
MORE_REPLY = "This is some more review/suggestion:\n{review}"

# Paper layout for every model input (training, predict, review CLI).
PAPER_LAYOUT = "title: {title}\nabstract: {abstract}\nkeywords: {keywords}\nmain: {main}"
SECTION_LAYOUT = "{heading}\n{text}"
