"""Pairwise LLM judge: the model's review against an opponent's, human reviews shown as reference.

Each paper is judged twice, the model's review shown first and then second. A verdict is the single
distinct `[[A]]` / `[[B]]` / `[[C]]` token in the reply; none or several make that order invalid.
Combined per paper (Zheng et al. 2023): a win or loss only when both orders agree, a tie otherwise; a
paper with an invalid order counts as invalid and is left out of the rates.
The opponent is another system's predictions or, by default, the human review the row's label is
(that review is then withheld from the reference).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from preprocess.core import prompts
from preprocess.core.llm import ChatClient
from preprocess.core.refs import PaperRefs

MAX_REVIEW_CHARS = 6000  # per review in the judge prompt; keeps prompts inside small context windows
_VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")


@dataclass(frozen=True)
class JudgeCase:
    refs: PaperRefs
    model_review: str
    opponent_review: str
    withhold_review_id: str | None = None  # the opponent's review when it is a human one


def parse_verdict(reply: str) -> str | None:
    """`A`, `B` or `C` when exactly one distinct verdict token appears in the reply, else None."""
    found = set(_VERDICT.findall(reply))
    return found.pop() if len(found) == 1 else None


def combine(first: str | None, second: str | None) -> str:
    """Outcome for the model from (verdict with model as A, verdict with model as B)."""
    if first is None or second is None:
        return "invalid"
    as_a = {"A": "win", "B": "loss", "C": "tie"}[first]
    as_b = {"A": "loss", "B": "win", "C": "tie"}[second]
    return as_a if as_a == as_b else "tie"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n[truncated]"


def judge_prompt(case: JudgeCase, review_a: str, review_b: str, limit: int = MAX_REVIEW_CHARS) -> str:
    shown = [r for r in case.refs.reviews if r.id != case.withhold_review_id]
    references = "\n\n".join(prompts.REFERENCE_LAYOUT.format(n=n, text=_clip(r.text, limit))
                             for n, r in enumerate(shown, start=1)) or "(none)"
    return prompts.JUDGE_PAIRWISE.format(references=references, review_a=_clip(review_a, limit),
                                         review_b=_clip(review_b, limit))


def run_judge(client: ChatClient, cases: Sequence[JudgeCase], limit: int = MAX_REVIEW_CHARS,
              ) -> tuple[dict[str, object], list[dict[str, object]]]:
    """(summary, one detail row per paper): win/tie/loss for the model, in both orders."""
    conversations = []
    for case in cases:
        for a, b in ((case.model_review, case.opponent_review), (case.opponent_review, case.model_review)):
            conversations.append([{"role": "user", "content": judge_prompt(case, a, b, limit)}])
    replies = client.chat_many(conversations)
    details = []
    for k, case in enumerate(cases):
        first, second = parse_verdict(replies[2 * k]), parse_verdict(replies[2 * k + 1])
        details.append({"forum": case.refs.forum, "model_first": first, "model_second": second,
                        "outcome": combine(first, second)})
    return summarize(details), details


def summarize(details: Sequence[dict[str, object]]) -> dict[str, object]:
    """Counts and rates over valid papers; position consistency and first-position preference."""
    counts = Counter(d["outcome"] for d in details)
    valid = [d for d in details if d["outcome"] != "invalid"]
    n = len(valid)
    verdicts = [v for d in details for v in (d["model_first"], d["model_second"]) if v is not None]
    agree = sum((d["model_first"], d["model_second"]) in {("A", "B"), ("B", "A"), ("C", "C")} for d in valid)
    return {
        "n_papers": len(details),
        "n_valid": n,
        "win": counts["win"], "tie": counts["tie"], "loss": counts["loss"], "invalid": counts["invalid"],
        "win_rate": counts["win"] / n if n else None,
        "tie_rate": counts["tie"] / n if n else None,
        "loss_rate": counts["loss"] / n if n else None,
        "win_rate_ties_half": (counts["win"] + counts["tie"] / 2) / n if n else None,
        "position_consistency": agree / n if n else None,
        "first_position_preferred": sum(v == "A" for v in verdicts) / len(verdicts) if verdicts else None,
        "invalid_replies": sum(v is None for d in details for v in (d["model_first"], d["model_second"])),
    }
