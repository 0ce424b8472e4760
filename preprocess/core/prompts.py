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

# Evaluation (eval/): concern extraction and matching follow Liang et al. 2023 (key concerns as a JSON
# list; matched pairs rated 5-10, a match from 7 up); the pairwise judge sees the human reviews.
EXTRACT_CONCERNS = (
    "Your task is to carefully read the peer review below and list the key concerns (criticisms) the "
    "reviewer raises about the paper. Write each concern as one short, self-contained sentence; skip praise "
    "and summary. Answer with a JSON array of strings only, for example [\"concern 1\", \"concern 2\"].\n\n"
    "Review:\n{review}"
)

MATCH_CONCERNS = (
    "Below are two numbered lists of concerns raised about the same paper by two reviewers. Find the pairs "
    "that raise the same point. For each such pair give a similarity rating from 5 (somewhat related) to 10 "
    "(identical point). Answer with a JSON array only, one object per matched pair, for example "
    "[{{\"a\": 1, \"b\": 3, \"similarity\": 8}}]; answer [] when nothing matches.\n\n"
    "List A:\n{list_a}\n\nList B:\n{list_b}"
)

JUDGE_PAIRWISE = (
    "Please act as an impartial judge and evaluate two peer reviews of the same machine learning paper. "
    "The human reviews of the paper are given as a reference for what the paper's real strengths and "
    "weaknesses are. Prefer the review that is more specific to this paper, raises the concerns the human "
    "reviewers raise, is technically accurate, and gives actionable suggestions. Do not let length or the "
    "order in which the reviews are shown influence you. After a short explanation, give your verdict in "
    "exactly this format: \"[[A]]\" if review A is better, \"[[B]]\" if review B is better, \"[[C]]\" for a "
    "tie.\n\n"
    "[Human reference reviews]\n{references}\n\n"
    "[Review A]\n{review_a}\n\n"
    "[Review B]\n{review_b}"
)
REFERENCE_LAYOUT = "--- Human review {n} ---\n{text}"
