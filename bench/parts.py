"""Benchmark the offline four-part classifier: sentence accuracy on held-out structured reviews flattened to prose.

    python bench/parts.py                          # the bundled sample, hashed n-grams and MiniLM
    python bench/parts.py --raw data/crawl --features hashing --folds 5
    python bench/parts.py --crawl DIR --features hashing   # genuine held-out reviews: crawl-trained and bundled

`--crawl DIR` measures on a crawl of genuine structured reviews (e.g. `bench/peerread_crawl.py` over NeurIPS
reviews): the crawl-trained model in folds by paper (as `train_for` trains it on a crawl), and the bundled
fallback model (`parts.bundled`) on every review of DIR.

Structured reviews (summary / strengths / weaknesses / questions fields) are split into folds by paper; the
classifier is trained on the other folds' reviews and each held-out review is flattened to one paragraph of
prose (its fields joined in order, headings gone), the way a free-text review reads. Every sentence's predicted
part is compared with the field it came from. Prints accuracy (goal >= 85 %), per-part F1 and sentences/s.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preprocess.core.target import ROLES  # noqa: E402
from preprocess.notes.read import read_papers  # noqa: E402
from preprocess.targets.parts import FIELDS, MAX_TRAIN_REVIEWS, PartsClassifier, bundled, structured, units  # noqa: E402

GOAL = 0.85


def folds(raw: Path, k: int, limit: int | None = None) -> list[list]:
    """Structured reviews grouped into k folds by paper (a paper's reviews stay together); with `limit`, the
    papers (in forum order) whose structured reviews make the first `limit`."""
    papers = sorted(read_papers(raw).papers, key=lambda p: p.forum)
    groups: list[list] = [[] for _ in range(k)]
    taken = 0
    for i, paper in enumerate(papers):
        if limit is not None and taken >= limit:
            break
        found = [r for r in paper.reviews if structured(r)]
        groups[i % k] += found
        taken += len(found)
    return [g for g in groups if g]


def f1(truth: list[int], pred: list[int], label: int) -> float:
    tp = sum(t == p == label for t, p in zip(truth, pred, strict=True))
    fp = sum(p == label != t for t, p in zip(truth, pred, strict=True))
    fn = sum(t == label != p for t, p in zip(truth, pred, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def flattened(review) -> tuple[list[str], list[int]]:
    """A structured review as one paragraph of prose, cut into sentences as free text is; each sentence's
    label is the field its first character came from."""
    texts = [" ".join(getattr(review, f).split()) for f in FIELDS]
    prose, spans, at = " ".join(texts), [], 0
    for label, text in enumerate(texts):
        spans.append((at, at + len(text), label))
        at += len(text) + 1
    sentences, labels, cursor = [], [], 0
    for _, sentence in units(prose):
        start = prose.find(sentence, cursor)
        cursor = start + len(sentence)
        sentences.append(sentence)
        labels.append(next(label for a, b, label in spans if a <= start < b))
    return sentences, labels


def evaluate(groups: list[list], features: str, bundled: PartsClassifier | None = None) -> dict:
    """Sentence accuracy and per-part F1 over the held-out folds: each fold by a model trained on the others
    (at most `MAX_TRAIN_REVIEWS` of them, seeded, as a build trains), or by `bundled` when given."""
    truth, pred, seconds, sentences = [], [], 0.0, 0
    for k, held in enumerate(groups):
        if bundled is None:
            train = [r for j, g in enumerate(groups) if j != k for r in g]
            train = random.Random(0).sample(train, MAX_TRAIN_REVIEWS) if len(train) > MAX_TRAIN_REVIEWS else train
        model = bundled or PartsClassifier(features).fit(train, "bench")
        blocks = [flattened(r) for r in held]
        start = time.perf_counter()
        guesses = model.predict([sents for sents, _ in blocks])
        seconds += time.perf_counter() - start
        for (sents, labels), guess in zip(blocks, guesses, strict=True):
            truth += labels
            pred += guess
            sentences += len(sents)
    accuracy = sum(t == p for t, p in zip(truth, pred, strict=True)) / max(len(truth), 1)
    return {"features": features, "model": (bundled.info.get("source", "bundled") if bundled else "trained on the "
            "other folds"), "sentences": len(truth), "accuracy": round(accuracy, 4),
            "f1": {role: round(f1(truth, pred, i), 4) for i, role in enumerate(ROLES)},
            "sentences_per_s": round(sentences / max(seconds, 1e-9), 1), "goal_met": accuracy >= GOAL}


def report(name: str, result: dict) -> str:
    return (f"{name} ({result['features']}, {result['model']}): sentence accuracy {result['accuracy']:.1%} on "
            f"{result['sentences']} sentences (goal {GOAL:.0%}: {'met' if result['goal_met'] else 'NOT met'}); F1 "
            + ", ".join(f"{k} {v:.2f}" for k, v in result["f1"].items())
            + f"; {result['sentences_per_s']:,.0f} sentences/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REPO / "data" / "sample", help="crawl folder (folds)")
    parser.add_argument("--crawl", type=Path, default=None,
                        help="a crawl of genuine structured reviews: crawl-trained (folds) and bundled models")
    parser.add_argument("--features", default="hashing,minilm", help="comma-separated: hashing, minilm")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--max-reviews", type=int, default=None, help="use only the first N structured reviews")
    parser.add_argument("--models", default="crawl,bundled", help="with --crawl: crawl (folds), bundled, or both")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    groups = folds(args.crawl or args.raw, args.folds, args.max_reviews)
    print(f"{sum(map(len, groups))} structured reviews in {len(groups)} folds from {args.crawl or args.raw}")
    results = []
    for features in args.features.split(","):
        if not args.crawl or "crawl" in args.models:
            result = evaluate(groups, features)
            results.append(result)
            print(report("crawl-trained" if args.crawl else "sample folds", result))
        if args.crawl and "bundled" in args.models:
            result = evaluate(groups, features, bundled(features))
            results.append(result)
            print(report("bundled", result))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
