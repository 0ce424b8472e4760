"""Published figures of the strongest public reviewers, shown in the report beside ours under the same protocol.

Each figure is quoted as its paper prints it, with the setting it was measured in: they come from other papers'
test sets (hundreds of ICLR/NeurIPS papers, 7B-70B models), so they are yardsticks, not targets a tiny model or
a small sample can be compared with directly. Metric names are the keys of `eval/scores/protocols.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    system: str
    metric: str  # a key of protocols.rating_scores / decision_scores, or "auroc", "hit_rate"
    value: float
    setting: str
    source: str


OPENREVIEWER = "Idahl & Ahmadi 2024, OpenReviewer (arXiv 2412.11948), Table 1"
DEEPREVIEW = "Zhu et al. 2025, DeepReview (arXiv 2503.08569), Table 2"
AI_SCIENTIST = "Lu et al. 2024, The AI Scientist (arXiv 2408.06292), Table 1"
REVIEWERTOO = "ReviewerToo (arXiv 2510.08867v1), abstract"
LIANG = "Liang et al. 2023 (arXiv 2310.01783), abstract"

OR_SET = "400 NeurIPS 2024 / ICLR 2025 papers"
ANCHORS: tuple[Anchor, ...] = (
    Anchor("Llama-OpenReviewer-8B", "exact_match_any_human", 0.555, OR_SET, OPENREVIEWER),
    Anchor("Llama-OpenReviewer-8B", "mae", 0.96, OR_SET, OPENREVIEWER),
    Anchor("GPT-4o", "exact_match_any_human", 0.238, OR_SET, OPENREVIEWER),
    Anchor("GPT-4o", "mae", 2.34, OR_SET, OPENREVIEWER),
    Anchor("DeepReviewer-14B", "mse", 1.3410, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("DeepReviewer-14B", "mae", 0.9243, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("DeepReviewer-14B", "accuracy", 0.6878, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("DeepReviewer-14B", "f1_accept", 0.6227, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("DeepReviewer-14B", "spearman", 0.4047, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("DeepReviewer-14B", "pairwise_accuracy", 0.6402, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("CycleReviewer-70B", "mse", 2.4294, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("CycleReviewer-70B", "mae", 1.2128, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("CycleReviewer-70B", "accuracy", 0.6782, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("CycleReviewer-70B", "spearman", 0.2674, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("CycleReviewer-70B", "pairwise_accuracy", 0.5928, "634 ICLR 2025 papers", DEEPREVIEW),
    Anchor("AI Scientist reviewer (GPT-4o, 5-review ensemble, calibrated)", "balanced_accuracy", 0.65,
           "500 ICLR 2022 papers", AI_SCIENTIST),
    Anchor("AI Scientist reviewer (GPT-4o, 5-review ensemble, calibrated)", "f1_accept", 0.57,
           "500 ICLR 2022 papers", AI_SCIENTIST),
    Anchor("AI Scientist reviewer (GPT-4o, 5-review ensemble, calibrated)", "auroc", 0.65,
           "500 ICLR 2022 papers", AI_SCIENTIST),
    Anchor("AI Scientist reviewer (GPT-4o, 5-review ensemble, calibrated)", "fpr", 0.31,
           "500 ICLR 2022 papers", AI_SCIENTIST),
    Anchor("AI Scientist reviewer (GPT-4o, 5-review ensemble, calibrated)", "fnr", 0.39,
           "500 ICLR 2022 papers", AI_SCIENTIST),
    Anchor("Human reviewers (NeurIPS 2021 consistency experiment)", "balanced_accuracy", 0.66,
           "as quoted by the AI Scientist", AI_SCIENTIST),
    Anchor("Human reviewers (NeurIPS 2021 consistency experiment)", "f1_accept", 0.49,
           "as quoted by the AI Scientist", AI_SCIENTIST),
    Anchor("Human reviewers (NeurIPS 2021 consistency experiment)", "fpr", 0.17,
           "as quoted by the AI Scientist", AI_SCIENTIST),
    Anchor("Human reviewers (NeurIPS 2021 consistency experiment)", "fnr", 0.52,
           "as quoted by the AI Scientist", AI_SCIENTIST),
    Anchor("ReviewerToo (gpt-oss-120b, personas + meta-reviewer)", "accuracy", 0.818,
           "1,963 ICLR 2025 papers", REVIEWERTOO),
    Anchor("Average human reviewer", "accuracy", 0.839, "1,963 ICLR 2025 papers", REVIEWERTOO),
    Anchor("GPT-4 vs human", "hit_rate", 0.3923, "1,709 ICLR papers", LIANG),
    Anchor("Human vs human", "hit_rate", 0.3525, "1,709 ICLR papers", LIANG),
)

# DeepReviewer's prompt-injection result (§5.4): its overall rating rose 0.31 (5.38 -> 5.69) under attack.
INJECTION_ANCHOR = Anchor("DeepReviewer-14B", "rating_shift", 0.31, "ICLR 2024 papers with injected instructions",
                          "Zhu et al. 2025, DeepReview (arXiv 2503.08569), Section 5.4")


def anchors_for(metric: str) -> list[Anchor]:
    return [a for a in ANCHORS if a.metric == metric]
