"""`make data`: a crawl (notes + PDFs) -> LLaMA-Factory datasets, registered in data/dataset_info.json.

    python -m preprocess.build --raw data/sample --name sample --tokenizer models/tiny --cutoff 1024

Writes data/<name>_{train,test}.jsonl (alpaca), data/<name>_test.refs.jsonl (the human reviews each test
row is scored against), data/<name>.meta.json (arguments, commit, seed, counts). The crawl is only read.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from tqdm import tqdm

from preprocess import prompts
from preprocess.budget import (
    MIN_PAPER_TOKENS,
    Tokenizer,
    default_review_tokens,
    fit_paper,
    load_tokenizer,
    paper_budget,
)
from preprocess.crawl_pdf import pdf_filename
from preprocess.jsonl import BadLine, iter_jsonl, write_json, write_jsonl
from preprocess.layout import paper_text, review_text
from preprocess.normalize import NoteError, normalize_note
from preprocess.record import Paper, Section
from preprocess.register import dataset_entry, register

log = logging.getLogger("preprocess.build")


def load_sections(venue_dir: Path, forum: str, parsed_dir: Path | None) -> list[Section]:
    """Body sections for a paper: a parsed JSON if given, else parse the crawled PDF now."""
    from preprocess.parse_pdf import parse_pdf  # imported late: heavy, and only needed here

    pdf = venue_dir / "pdfs" / pdf_filename(forum)  # the crawler's name: a hostile id cannot leave the folder
    parsed = parsed_dir / f"{pdf.stem}.json" if parsed_dir else None
    if parsed and parsed.exists():
        record = json.loads(parsed.read_text(encoding="utf-8"))
    else:
        if not pdf.exists():
            raise FileNotFoundError(f"no parsed text and no PDF for {forum} ({pdf})")
        record = parse_pdf(pdf)
    return [Section(heading=s.get("heading", ""), text=s.get("text", ""), kind=s.get("kind", "body"))
            for s in record.get("sections", []) if s.get("kind", "body") != "references"]


def read_papers(raw: Path, parsed_dir: Path | None, funnel: Counter, skipped: list[dict]) -> list[Paper]:
    """Every paper of every `<raw>/<venue slug>/notes.jsonl`, with its sections attached."""
    papers: list[Paper] = []
    files = sorted(raw.glob("*/notes.jsonl"))
    if not files:
        raise FileNotFoundError(f"no <venue>/notes.jsonl under {raw}: is it a crawl folder?")
    for notes in files:
        errors: list[BadLine] = []
        for note in tqdm(list(iter_jsonl(notes, errors)), desc=notes.parent.name, unit="paper"):
            funnel["notes read"] += 1
            try:
                paper = normalize_note(note)
                paper.sections = load_sections(notes.parent, paper.forum, parsed_dir)
            except (NoteError, FileNotFoundError, ValueError) as exc:
                skipped.append({"item": str(note.get("id")), "file": str(notes), "reason": str(exc)})
                log.warning("skipping %s: %s", note.get("id"), exc)
                continue
            papers.append(paper)
        for bad in errors:
            skipped.append({"item": bad.where, "file": str(notes), "reason": str(bad)})
        funnel["bad lines"] += len(errors)
    return papers


def split_forums(forums: list[str], test_size: float, seed: int) -> set[str]:
    """Seeded split by paper (never by review): the forums that go to test."""
    ordered = sorted(set(forums))
    random.Random(seed).shuffle(ordered)
    n_test = max(1, round(len(ordered) * test_size)) if ordered and test_size > 0 else 0
    return set(ordered[:n_test])


def paper_rows(paper: Paper, tok: Tokenizer, cutoff: int, review_tokens: int,
               skipped: list[dict]) -> tuple[list, list, int]:
    """Alpaca rows (one per review) and their reference records; also the paper's untrimmed length."""
    rows, refs = [], []
    full_len = tok.count(paper_text(paper))
    paper_input, _ = fit_paper(paper, tok, cutoff, review_tokens)
    human = [{"id": r.id, "rating": r.rating, "confidence": r.confidence, "text": review_text(r)}
             for r in paper.reviews]
    for review, ref in zip(paper.reviews, human, strict=True):
        if (n := tok.count(ref["text"])) > review_tokens:
            skipped.append({"item": review.id, "reason": f"review has {n} tokens, over its reserve of {review_tokens}"})
            continue
        rows.append({"instruction": prompts.REVIEW_INSTRUCTION, "input": paper_input, "output": ref["text"],
                     "system": ""})
        refs.append({"forum": paper.forum, "venue": paper.venue, "year": paper.year, "title": paper.title,
                     "decision": paper.decision, "rating_scale": list(review.rating_scale),
                     "target_review_id": review.id, "reviews": human})
    return rows, refs, full_len


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build(raw: Path, out: Path, name: str, tokenizer: str, cutoff: int, seed: int = 42,
          test_size: float = 0.2, parsed: Path | None = None, review_tokens: int | None = None) -> dict[str, Any]:
    """Run the whole build; returns the meta record (also written to `<out>/<name>.meta.json`)."""
    funnel: Counter = Counter()
    skipped: list[dict] = []
    papers = read_papers(raw, parsed, funnel, skipped)
    kept = []
    for paper in papers:
        if paper.withdrawn:
            skipped.append({"item": paper.forum, "reason": "withdrawn or desk-rejected"})
        elif not paper.reviews:
            skipped.append({"item": paper.forum, "reason": "no official reviews"})
        elif not paper.sections:
            skipped.append({"item": paper.forum, "reason": "no body text parsed"})
        else:
            kept.append(paper)
    funnel["papers kept"] = len(kept)
    tok = load_tokenizer(tokenizer)
    review_tokens = review_tokens or default_review_tokens(cutoff)
    if paper_budget(tok, cutoff, review_tokens) < MIN_PAPER_TOKENS:
        raise ValueError(f"cutoff {cutoff} leaves under {MIN_PAPER_TOKENS} tokens for the paper "
                         f"after a {review_tokens}-token review reserve")
    test_forums = split_forums([p.forum for p in kept], test_size, seed)
    split_rows: dict[str, list] = {"train": [], "test": []}
    test_refs: list[dict] = []
    lengths = []
    for paper in sorted(kept, key=lambda p: (p.venue, p.forum)):
        rows, refs, full_len = paper_rows(paper, tok, cutoff, review_tokens, skipped)
        lengths.append(full_len)
        split = "test" if paper.forum in test_forums else "train"
        split_rows[split].extend(rows)
        if split == "test":
            test_refs.extend(refs)
    entries = {}
    for split, rows in split_rows.items():
        write_jsonl(out / f"{name}_{split}.jsonl", rows)
        entries[f"{name}_{split}"] = dataset_entry(f"{name}_{split}.jsonl")
        funnel[f"{split} rows"] = len(rows)
    write_jsonl(out / f"{name}_test.refs.jsonl", test_refs)
    register(out, entries)
    lengths.sort()
    meta = {
        "args": {"raw": str(raw), "name": name, "tokenizer": tokenizer, "cutoff": cutoff,
                 "review_tokens": review_tokens, "seed": seed,
                 "test_size": test_size, "parsed": str(parsed) if parsed else None},
        "git_commit": _git_commit(),
        "funnel": dict(funnel),
        "paper_tokens": {"p50": statistics.median(lengths), "p95": lengths[int(0.95 * (len(lengths) - 1))],
                         "max": lengths[-1]} if lengths else {},
        "test_forums": sorted(test_forums),
        "skipped": skipped,
    }
    write_json(out / f"{name}.meta.json", meta)
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, default=Path("data/sample"), help="crawl folder (<venue>/notes.jsonl)")
    parser.add_argument("--parsed", type=Path, default=None, help="folder of <forum>.json from parse_pdf")
    parser.add_argument("--out", type=Path, default=Path("data"), help="dataset dir (holds dataset_info.json)")
    parser.add_argument("--name", default="sample", help="dataset name prefix")
    parser.add_argument("--tokenizer", default="models/tiny", help="the target model's tokenizer")
    parser.add_argument("--cutoff", type=int, default=1024, help="the recipe's cutoff_len")
    parser.add_argument("--review-tokens", type=int, default=None,
                        help="tokens reserved for the review (default: a third of --cutoff)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--test-size", type=float, default=0.2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    meta = build(args.raw, args.out, args.name, args.tokenizer, args.cutoff, args.seed, args.test_size,
                 args.parsed, args.review_tokens)
    width = max(len(k) for k in meta["funnel"])
    print("\n".join(f"{k:<{width}}  {v}" for k, v in meta["funnel"].items()))
    print(f"skipped {len(meta['skipped'])} item(s); paper tokens {meta['paper_tokens']}")
    print(f"wrote {args.out}/{args.name}_{{train,test}}.jsonl, registered in {args.out}/dataset_info.json")


if __name__ == "__main__":
    main()
