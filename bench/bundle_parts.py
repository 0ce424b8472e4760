"""Train the bundled fallback four-part model (`preprocess/targets/parts_model/<features>.npz`) on genuine
structured reviews plus the bundled sample's, and save the weights (no review text ships).

    python bench/peerread_crawl.py <10718peerread>/output/neurips_2024/reviews /tmp/n24 \
        --venue NeurIPS.cc/2024/Conference
    python bench/bundle_parts.py /tmp/n24 --features hashing --about "NeurIPS 2024, github.com/djroytburg/..."

The reviews: NeurIPS 2024 reviews vendored in github.com/djroytburg/10718peerread (commit 50b2a04), first
`MAX_TRAIN_REVIEWS` structured ones (seeded sample). Measure the result on other genuine reviews with
`bench/parts.py --crawl` (NeurIPS 2023 there, a venue-year the bundle never saw).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preprocess.notes.read import read_papers  # noqa: E402
from preprocess.targets.parts import BUNDLED, MAX_TRAIN_REVIEWS, SAMPLE, PartsClassifier, structured  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crawls", type=Path, nargs="+", help="crawl folders of genuine structured reviews")
    parser.add_argument("--features", default="hashing")
    parser.add_argument("--out", type=Path, default=BUNDLED)
    parser.add_argument("--about", default="", help="where the genuine reviews come from (default: the folders)")
    args = parser.parse_args()
    genuine = [r for crawl in args.crawls for p in read_papers(crawl).papers for r in p.reviews if structured(r)]
    if len(genuine) > MAX_TRAIN_REVIEWS:
        genuine = random.Random(0).sample(genuine, MAX_TRAIN_REVIEWS)
    sample = [r for p in read_papers(SAMPLE).papers for r in p.reviews if structured(r)]
    about = args.about or ", ".join(c.name for c in args.crawls)
    source = (f"bundled: {len(genuine)} genuine structured reviews ({about}) "
              f"+ {len(sample)} of the bundled sample")
    model = PartsClassifier(args.features).fit(genuine + sample, source)
    args.out.mkdir(parents=True, exist_ok=True)
    path = model.save(args.out / f"{args.features}.npz")
    print(f"{source} -> {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
