"""Run every metric the inputs allow and gather them into one metrics dict (see `eval/__main__.py`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval import injection
from eval.committee.metrics import COMMITTEE_FILE, committee_metrics
from eval.inputs import EvalInputs, load_inputs
from eval.scores import concerns, hitrate, judge, ratings, similarity, structure
from preprocess.core.jsonl import read_jsonl, write_jsonl
from preprocess.core.llm import ChatClient

log = logging.getLogger(__name__)

PAPER_RULE = "first prediction per forum (test order); a paper counts once"
API_KEY_ENV = "EVAL_API_KEY"  # the bearer key for --llm-url, read from the environment only


@dataclass
class EvalConfig:
    predictions: Path
    references: Path
    out: Path
    hitrate_matcher: str = "embed"  # embed | llm | none
    hit_threshold: float = hitrate.EMBED_THRESHOLD
    concerns: str = "heuristic"  # heuristic | llm
    judge: bool = False
    judge_against: Path | None = None  # another system's generated_predictions.jsonl
    llm_url: str | None = None
    llm_model: str | None = None
    llm_cache: Path | None = None  # default <out>/llm_cache
    llm_workers: int = 4
    llm_max_tokens: int = 1024
    seed: int = 0
    injected: Path | None = None  # predictions of the prompt-injected test split (eval/injection.py)

    def needs_llm(self) -> bool:
        return self.judge or self.hitrate_matcher == "llm" or self.concerns == "llm"


def make_client(config: EvalConfig) -> ChatClient:
    if not config.llm_url or not config.llm_model:
        raise ValueError("--judge, --hitrate-matcher llm and --concerns llm need --llm-url and --llm-model")
    return ChatClient(config.llm_url, config.llm_model, config.llm_cache or config.out / "llm_cache",
                      key_env=API_KEY_ENV, workers=config.llm_workers, max_tokens=config.llm_max_tokens)


def run_hitrate(inputs: EvalInputs, config: EvalConfig, client: ChatClient | None) -> dict[str, Any]:
    papers = inputs.papers()
    model_texts = [row.predict for row in papers]
    human_texts = [[r.text for r in row.refs.reviews] for row in papers]
    fallbacks = None
    if config.concerns == "llm":
        flat = model_texts + [t for texts in human_texts for t in texts]
        extracted, fallbacks = concerns.llm_concerns(client, flat)
        model, rest = extracted[: len(papers)], extracted[len(papers):]
        humans = []
        for texts in human_texts:
            humans.append(rest[: len(texts)])
            rest = rest[len(texts):]
    else:
        model = [concerns.extract_concerns(t) for t in model_texts]
        humans = [[concerns.extract_concerns(t) for t in texts] for texts in human_texts]
    if config.hitrate_matcher == "llm":
        matcher = hitrate.LLMMatcher(client)
        detail = f"LLM `{config.llm_model}`, pairs rated >= {matcher.min_similarity} of 10"
    else:
        matcher = hitrate.EmbedMatcher(config.hit_threshold)
        detail = f"all-MiniLM-L6-v2 cosine >= {config.hit_threshold}"
    result = hitrate.hit_rates(model, humans, matcher, seed=config.seed)
    result["matcher_detail"] = f"{detail}; concerns: {config.concerns}"
    result["concerns"] = config.concerns
    if isinstance(matcher, hitrate.LLMMatcher):
        result["llm_unusable_replies"] = matcher.invalid
        result["llm_match_calls"] = matcher.asked
    if fallbacks is not None:
        result["llm_extraction_fallbacks"] = fallbacks
    return result


def run_judge(inputs: EvalInputs, config: EvalConfig, client: ChatClient) -> tuple[dict[str, Any], list]:
    papers = inputs.papers()
    if config.judge_against is not None:
        other = read_jsonl(config.judge_against)
        if len(other) != len(inputs.rows):
            raise ValueError(f"row counts differ: {len(inputs.rows)} predictions in "
                             f"{inputs.predictions_path} but {len(other)} in {config.judge_against}")
        cases = [judge.JudgeCase(row.refs, row.predict, str(other[row.index].get("predict", "")))
                 for row in papers]
        opponent = f"`{config.judge_against}`"
    else:
        cases = []
        for row in papers:
            target = next((r for r in row.refs.reviews if r.id == row.refs.target_review_id), None)
            text = target.text if target is not None else row.label
            cases.append(judge.JudgeCase(row.refs, row.predict, text, row.refs.target_review_id))
        opponent = "the human target review (withheld from the reference)"
    summary, details = judge.run_judge(client, cases)
    summary["opponent"] = opponent
    summary["judge_model"] = config.llm_model
    return summary, details


def evaluate(config: EvalConfig) -> dict[str, Any]:
    """All metrics for one batch prediction; writes judge details beside the report when judging."""
    started = time.monotonic()
    inputs = load_inputs(config.predictions, config.references)
    preds = [row.predict for row in inputs.rows]
    labels = [row.label for row in inputs.rows]
    notes = list(inputs.notes)
    metrics: dict[str, Any] = {
        "inputs": {"predictions": str(config.predictions),
                   "references": str(inputs.sidecar_path or inputs.test_path),
                   "test": str(inputs.test_path) if inputs.test_path else None, "n_rows": len(inputs.rows),
                   "n_papers": len(inputs.papers()) if inputs.has_refs else None, "paper_rule": PAPER_RULE},
        "similarity": similarity.corpus_similarity(preds, labels),
        "structure": {"predictions": structure.structure_metrics(preds),
                      "labels": structure.structure_metrics(labels)},
        "ratings": None, "decisions": None, "committee": None, "injection": None, "hit_rate": None, "judge": None,
        "notes": notes,
    }
    client = make_client(config) if config.needs_llm() else None
    if inputs.has_refs:
        scores = ratings.score_papers(inputs.papers())
        metrics["ratings"] = ratings.rating_metrics(scores)
        metrics["decisions"] = ratings.decision_metrics(scores)
        committee_file = config.predictions.parent / COMMITTEE_FILE
        if committee_file.exists():
            try:
                metrics["committee"] = committee_metrics(inputs, committee_file)
            except ValueError as exc:
                notes.append(f"Committee not scored: {exc}")
        if config.hitrate_matcher != "none":
            metrics["hit_rate"] = run_hitrate(inputs, config, client)
        if config.judge:
            metrics["judge"], details = run_judge(inputs, config, client)
            write_jsonl(config.out / "judge_verdicts.jsonl", details)
    elif config.needs_llm() or config.hitrate_matcher != "none":
        notes.append("Hit rate and judge skipped: they need the human reviews of the sidecar.")
    if config.injected is not None:
        metrics["injection"] = injection.injection_metrics(inputs, config.injected)
    if client is not None:
        metrics["llm"] = {"url": client.url, "model": client.model, "requests": client.calls,
                          "cache_hits": client.cache_hits, "cache_dir": str(client.cache_dir)}
    metrics["elapsed_s"] = round(time.monotonic() - started, 2)
    return metrics
