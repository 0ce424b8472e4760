"""`python -m eval --predictions P --references R --out DIR`: score a batch prediction, write the report.

Writes DIR/metrics.json, DIR/report.md, DIR/report.html and PNG plots beside them. The default run is
offline and CPU-only (ROUGE/BLEU, structure, ratings, decisions, embedding hit rate); the LLM paths
(`--judge`, `--hitrate-matcher llm`, `--concerns llm`) talk to any OpenAI-compatible endpoint given by
`--llm-url`/`--llm-model`, with the key in $EVAL_API_KEY.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eval.pipeline import EvalConfig, evaluate
from eval.report.write import write_report
from eval.scores.hitrate import EMBED_THRESHOLD


def _flag(value: str) -> bool:
    """`--judge=true` from `make eval ARGS="judge=true"` as well as a bare `--judge`."""
    lowered = str(value).lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n")[0])
    parser.add_argument("--predictions", type=Path, required=True,
                        help="LLaMA-Factory generated_predictions.jsonl (prompt, predict, label a row)")
    parser.add_argument("--references", type=Path, required=True,
                        help="data/<name>_test.jsonl, its .refs.jsonl sidecar or its .meta.json")
    parser.add_argument("--out", type=Path, required=True, help="output folder (e.g. saves/<recipe>/eval)")
    parser.add_argument("--hitrate-matcher", choices=["embed", "llm", "none"], default="embed",
                        help="comment-overlap matcher (default: embed, offline MiniLM)")
    parser.add_argument("--hit-threshold", type=float, default=EMBED_THRESHOLD,
                        help=f"cosine similarity for an embedding match (default {EMBED_THRESHOLD})")
    parser.add_argument("--concerns", choices=["heuristic", "llm"], default="heuristic",
                        help="how key concerns are extracted (default: items of 'Reasons for rejection')")
    parser.add_argument("--judge", nargs="?", const=True, default=False, type=_flag,
                        help="run the pairwise LLM judge (both orders); `--judge=true` also works (make ARGS)")
    parser.add_argument("--judge-against", type=Path, default=None,
                        help="opponent's generated_predictions.jsonl (default: the human target review)")
    parser.add_argument("--llm-url", default=None, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--llm-model", default=None, help="model name sent to the endpoint")
    parser.add_argument("--llm-cache", type=Path, default=None, help="reply cache (default <out>/llm_cache)")
    parser.add_argument("--llm-workers", type=int, default=4, help="concurrent requests (default 4)")
    parser.add_argument("--llm-max-tokens", type=int, default=1024, help="max_tokens a request")
    parser.add_argument("--injected", type=Path, default=None,
                        help="predictions of the prompt-injected test split (make eval INJECTION=1): rating shift")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffled-pair control (default 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = EvalConfig(
        predictions=args.predictions, references=args.references, out=args.out,
        hitrate_matcher=args.hitrate_matcher, hit_threshold=args.hit_threshold, concerns=args.concerns,
        judge=args.judge, judge_against=args.judge_against, llm_url=args.llm_url, llm_model=args.llm_model,
        llm_cache=args.llm_cache, llm_workers=args.llm_workers, llm_max_tokens=args.llm_max_tokens,
        seed=args.seed, injected=args.injected,
    )
    try:
        metrics = evaluate(config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    written = write_report(metrics, args.out)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
