"""Benchmark `make data` at the reference design's scale: 30,000 synthetic papers, a real fast tokenizer.

    python bench/build.py                                   # 30,000 papers, Mistral-7B v0.2's tokenizer
    python bench/build.py --papers 2000 --tokenizer <HF dir or name, or a sentencepiece .model file>

Generates a crawl (6 ICLR venues 2020-2025, API v1 and v2 notes, ~4 reviews a paper) and parsed JSON for it,
with the problems a real crawl has (withdrawn papers, duplicate lines, empty/short/duplicate reviews, URLs,
missing or tiny parses, malformed lines), then runs `python -m preprocess.dataset` on 2 cores and prints its wall
time and the peak RSS of its whole process tree. Goal: < 10 min and < 4 GB. Sentences are drawn from the
bundled sample's own prose (data/sample_source), so tokens per word are those of real review text.
The default tokenizer is Mistral-7B-Instruct-v0.2's SentencePiece model as shipped inside the `mistral-common`
wheel (`pip download --no-deps mistral-common`, unzip, pass mistral_common/data/tokenizer.model.v1).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENUES = [f"ICLR.cc/{y}/Conference" for y in range(2020, 2026)]
GOAL_SECONDS, GOAL_BYTES = 600, 4 * 1024**3


def sentence_pool() -> list[str]:
    """Every sentence of the sample source's titles, abstracts, sections and reviews."""
    texts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str) and len(value) > 40:
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in sorted((REPO / "data" / "sample_source").glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    pool = {s.strip() for t in texts for s in re.split(r"(?<=[.?!])\s+", t) if len(s.split()) >= 6}
    return sorted(pool)


class Writer:
    """Random papers, reviews and notes, seeded."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool = sentence_pool()

    def prose(self, words: int) -> str:
        out, n = [], 0
        while n < words:
            s = self.rng.choice(self.pool)
            out.append(s)
            n += len(s.split())
        return " ".join(out)

    def paragraphs(self, words: int) -> str:
        return "\n\n".join(self.prose(120) for _ in range(max(1, words // 120)))

    def sections(self, kind: str) -> list[dict]:
        if kind == "tiny":
            return [{"heading": "1 Introduction", "text": self.prose(80), "kind": "body"}]
        total = 60000 if kind == "extreme" else int(self.rng.lognormvariate(8.7, 0.35))  # median ~6,000 words
        shares = (("1 Introduction", 0.15), ("2 Related Work", 0.12), ("3 Method", 0.28), ("4 Experiments", 0.33),
                  ("5 Conclusion", 0.05))
        out = [{"heading": h, "text": "Under review as a conference paper at ICLR\n" + self.paragraphs(int(total * s)),
                "kind": "body"} for h, s in shares]
        if self.rng.random() < 0.3:
            out.append({"heading": "Acknowledgements", "text": self.prose(60), "kind": "acknowledgements"})
        if self.rng.random() < 0.4:
            out.append({"heading": "A Proofs", "text": self.paragraphs(self.rng.randint(1500, 8000)),
                        "kind": "appendix"})
        return out

    def review_fields(self, year: int, words: int) -> dict:
        s, p, w, q = (self.paragraphs(max(20, int(words * f))) for f in (0.2, 0.25, 0.35, 0.2))
        if self.rng.random() < 0.05:
            q += " See https://arxiv.org/abs/2101.00001 for a related result."
        rating = self.rng.choice((1, 3, 5, 6, 8, 10) if year >= 2022 else (1, 3, 6, 8))
        if year <= 2021:
            free = f"Summary:\n{s}\n\nStrengths:\n{p}\n\nWeaknesses:\n{w}\n\nQuestions:\n{q}"
            return {"review": free if self.rng.random() < 0.7 else f"{s} {p} {w} {q}",
                    "rating": f"{rating}: rating text", "confidence": "3: fairly confident"}
        if year == 2022:
            return {"summary_of_the_paper": s, "main_review": f"Strengths:\n{p}\n\nWeaknesses:\n{w}\n\nQuestions:\n{q}",
                    "recommendation": f"{rating}: rating text", "confidence": "3: fairly confident"}
        if year == 2023:
            return {"summary_of_the_paper": s, "strength_and_weaknesses": f"Strengths:\n{p}\n\nWeaknesses:\n{w}",
                    "clarity,_quality,_novelty_and_reproducibility": q, "recommendation": f"{rating}: rating text",
                    "confidence": "3: fairly confident"}
        return {"summary": s, "strengths": p, "weaknesses": w, "questions": q, "rating": rating, "confidence": 3}

    def note(self, forum: str, venue: str, reviews: list[dict], withdrawn: bool) -> dict:
        year = int(venue.split("/")[1])
        v2 = year >= 2024
        wrap = (lambda c: {k: {"value": v} for k, v in c.items()}) if v2 else (lambda c: c)
        decision = self.rng.choice(("Accept (poster)", "Reject"))
        replies = [{"id": f"{forum}_r{i}", "content": wrap(r), "signatures": [f"{venue}/Reviewer_{i}"],
                    "kind": "Official_Review"} for i, r in enumerate(reviews)]
        replies += [{"id": f"{forum}_c", "content": wrap({"comment": self.prose(80)}), "kind": "Official_Comment"},
                    {"id": f"{forum}_m", "content": wrap({"metareview": self.prose(100)}), "kind": "Meta_Review"},
                    {"id": f"{forum}_d", "content": wrap({"decision": decision}), "kind": "Decision"}]
        if withdrawn and not v2:
            replies.append({"id": f"{forum}_w", "content": {}, "kind": "Withdrawal"})
        for reply in replies:
            inv = f"{venue}/Paper1/-/{reply.pop('kind')}"
            reply.update({"invitations": [inv]} if v2 else {"invitation": inv})
        content = {"title": f"Paper {forum}: " + self.prose(8)[:90], "abstract": self.prose(180),
                   "keywords": ["machine learning", self.rng.choice(("optimization", "theory", "vision"))]}
        if v2:
            venueid = f"{venue}/Withdrawn_Submission" if withdrawn else venue
            return {"id": forum, "forum": forum, "domain": venue, "invitations": [f"{venue}/-/Submission"],
                    "content": wrap({**content, "venueid": venueid}), "details": {"replies": replies}}
        return {"id": forum, "forum": forum, "invitation": f"{venue}/-/Blind_Submission", "content": content,
                "details": {"directReplies": replies}}


def generate(n_papers: int, raw: Path, parsed: Path, seed: int) -> dict[str, int]:
    """Write the crawl and the parsed JSON; returns what was injected."""
    w = Writer(seed)
    rng = w.rng
    injected = {"papers": n_papers, "reviews": 0}
    parsed.mkdir(parents=True, exist_ok=True)
    earlier: list[dict] = []
    per_venue = {v: [] for v in VENUES}
    for i in range(n_papers):
        venue, forum = VENUES[i % len(VENUES)], f"B{i:07d}"
        year = int(venue.split("/")[1])
        reviews = []
        for _ in range(rng.choice((3, 4, 4, 4, 5))):
            roll = rng.random()
            if roll < 0.01 and earlier:
                reviews.append(dict(rng.choice(earlier)))  # exact duplicate of an earlier review
            elif roll < 0.02 and earlier:
                near = dict(rng.choice(earlier))
                key = max(near, key=lambda k: len(str(near[k])))
                near[key] = str(near[key]).replace(" the ", " a ", 3)
                reviews.append(near)
            elif roll < 0.035:
                reviews.append({"review": rng.choice(("Good paper, accept.", "Not novel. Reject.", "N/A"))})
            elif roll < 0.04:
                reviews.append({"rating": "5: marginal"})  # a review with no text
            else:
                reviews.append(w.review_fields(year, int(rng.lognormvariate(5.9, 0.4))))  # median ~360 words
        if rng.random() < 0.2:
            earlier.extend(reviews[:1])
        injected["reviews"] += len(reviews)
        withdrawn = rng.random() < 0.03
        per_venue[venue].append(json.dumps(w.note(forum, venue, reviews, withdrawn), ensure_ascii=False))
        roll = rng.random()
        if roll < 0.01:
            injected["no parsed text"] = injected.get("no parsed text", 0) + 1
            continue
        kind = "tiny" if roll < 0.02 else "extreme" if roll < 0.022 else "normal"
        (parsed / f"{forum}.json").write_text(json.dumps({"sections": w.sections(kind)}, ensure_ascii=False))
    for venue, lines in per_venue.items():
        folder = raw / venue.replace("/", "_")
        folder.mkdir(parents=True, exist_ok=True)
        lines = lines + lines[:: 97] + ["{broken json"]  # re-crawled duplicates and a malformed line
        (folder / "notes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return injected


def resolve_tokenizer(arg: str | None, work: Path) -> str:
    """A HF tokenizer path or name; a SentencePiece .model is converted to a fast tokenizer first."""
    if arg is None:
        spec = importlib.util.find_spec("mistral_common")
        model = Path(spec.origin).parent / "data" / "tokenizer.model.v1" if spec and spec.origin else None
        if model is None or not model.exists():
            sys.exit("no tokenizer: pass --tokenizer (a HF tokenizer, or mistral_common/data/tokenizer.model.v1 "
                     "from `pip download --no-deps mistral-common` unzipped)")
        arg = str(model)
    if arg.endswith((".model", ".model.v1")) or re.search(r"\.model(\.v\d+)?$", arg):
        from transformers import LlamaTokenizerFast

        out = work / "tokenizer"
        LlamaTokenizerFast(vocab_file=arg, legacy=False).save_pretrained(out)
        return str(out)
    return arg


def check_counts(tokenizer: str, parsed: Path, n: int = 200) -> str:
    """Whether the build's counter gives the whole-text encoding's counts on `n` of the papers (untimed)."""
    from tokenizers import Tokenizer as Backend

    sys.path.insert(0, str(REPO))
    from preprocess.prompt.tokenizer import Tokenizer

    backend = Backend.from_file(str(Path(tokenizer) / "tokenizer.json"))
    tok = Tokenizer.from_backend(backend.to_str())
    texts = ["\n\n".join(f"{s['heading']}\n{s['text']}" for s in json.loads(path.read_text())["sections"])
             for path in sorted(parsed.glob("*.json"))[:n]]
    same = sum(tok.count(t) == len(backend.encode(t, add_special_tokens=False)) for t in texts)
    mode = "word by word (SpacePieces)" if tok._pieces is not None else "whole text"
    return f"token counts {mode}: equal to the whole-text encoding on {same} of {len(texts)} papers"


def tree_rss(pid: int) -> int:
    """Summed RSS (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rfind(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=30000)
    parser.add_argument("--tokenizer", default=None, help="HF tokenizer dir/name or a SentencePiece .model file")
    parser.add_argument("--cutoff", type=int, default=12288, help="the reference design's context")
    parser.add_argument("--cores", type=int, default=2, help="CPU cores the build may use")
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_build_") as tmp:
        work = args.keep or Path(tmp)
        raw, parsed, out = work / "raw", work / "parsed", work / "out"
        tokenizer = resolve_tokenizer(args.tokenizer, work)
        if not (raw.exists() and parsed.exists()):
            t0 = time.monotonic()
            injected = generate(args.papers, raw, parsed, args.seed)
            print(f"generated {injected} in {time.monotonic() - t0:.0f} s (not timed below)", flush=True)
        cores = sorted(os.sched_getaffinity(0))[: args.cores]
        cmd = [sys.executable, "-m", "preprocess.dataset", "--raw", str(raw), "--parsed", str(parsed), "--out",
               str(out), "--name", "bench", "--tokenizer", tokenizer, "--cutoff", str(args.cutoff),
               "--workers", str(len(cores))]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                preexec_fn=lambda: os.sched_setaffinity(0, cores))
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the build and its workers, all waited for
        cpu = usage.ru_utime + usage.ru_stime
        output = proc.stdout.read()
        print("\n".join(line for line in output.splitlines() if not line.startswith(("WARNING", "INFO"))))
        if proc.returncode:
            sys.exit(f"build failed ({proc.returncode}):\n{output[-3000:]}")
        meta = json.loads((out / "bench.meta.json").read_text())
        if not meta["paper_tokens"]["after_fit"]:
            sys.exit("the build kept no paper (see its funnel above): nothing was measured; a larger --cutoff?")
        print(f"papers {args.papers:,}: build wall time {elapsed:.0f} s (goal < {GOAL_SECONDS} s) on "
              f"{len(cores)} cores, CPU time {cpu:.0f} s (wall >= CPU / {len(cores)} when nothing else runs); "
              f"peak RSS {peak / 1024**3:.2f} GB (goal < 4 GB, whole process tree summed); "
              f"paper tokens {meta['paper_tokens']['before_fit']}")
        print(check_counts(tokenizer, parsed))
        ok = elapsed < GOAL_SECONDS and peak < GOAL_BYTES
        print("goal met" if ok else "goal MISSED")


if __name__ == "__main__":
    main()
