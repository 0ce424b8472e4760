"""`python -m eval.compare saves/tiny/eval saves/tiny_dpo/eval [--out compare.md]`: the committee metrics of
several runs side by side (`make compare RECIPES="tiny tiny_dpo"`), e.g. an SFT run and its preference-tuned one.

Each folder is a `make eval` output whose `metrics.json` holds a committee (`make predict N=...`). The runs must
have been judged on the same test papers with the same seeds, committee size and temperature; otherwise the
comparison is refused, naming what differs. The table gives each metric for the full committee and for one
review (mean ± s.d. over seeds), each later run's difference from the first, and the human leave-one-out figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.report.committee import METRICS
from eval.report.render import num
from preprocess.core.jsonl import atomic_open, read_jsonl


@dataclass(frozen=True)
class Run:
    """One run's committee figures and what they were measured on."""

    name: str  # the run's folder name (saves/<name>/eval)
    committee: dict[str, Any]
    papers: tuple[str, ...]
    temperature: Any


def load_run(eval_dir: Path) -> Run:
    """A `make eval` folder's committee; ValueError naming the file when it has none."""
    path = eval_dir / "metrics.json"
    if not path.is_file():
        raise ValueError(f"{path}: not found (run make eval for that recipe)")
    committee = json.loads(path.read_text(encoding="utf-8")).get("committee")
    if not committee:
        raise ValueError(f"{path}: no committee metrics (make predict N=3, then make eval)")
    source = Path(committee.get("file", ""))
    papers = committee.get("papers")
    if papers is None and source.is_file():  # metrics written before they listed their papers
        papers = list(dict.fromkeys(line.get("forum") for line in read_jsonl(source)))
    if papers is None:
        raise ValueError(f"{path}: neither the metrics nor {source} say which papers were judged")
    summary = source.with_suffix(".json")
    info = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else {}
    name = eval_dir.resolve().parent.name
    return Run(name, committee, tuple(papers), info.get("temperature"))


def mismatches(runs: list[Run]) -> list[str]:
    """What makes the runs incomparable, one line per difference against the first run."""
    first, out = runs[0], []
    for run in runs[1:]:
        for what, a, b in (("seeds", first.committee["seeds"], run.committee["seeds"]),
                           ("committee size", first.committee["n"], run.committee["n"]),
                           ("temperature", first.temperature, run.temperature)):
            if a != b:
                out.append(f"{what}: {first.name} {a} but {run.name} {b}")
        if first.papers != run.papers:
            only = sorted(set(first.papers) ^ set(run.papers))
            out.append(f"test papers: {first.name} judged {len(first.papers)}, {run.name} {len(run.papers)}"
                       + (f"; in one only: {', '.join(map(str, only[:10]))}" if only else "; in another order"))
    return out


def _delta(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None else f"{b - a:+.3f}"


def table(runs: list[Run]) -> str:
    """The side-by-side markdown: full committee, one review over seeds, differences from the first run."""
    first = runs[0]
    n = first.committee["n"]
    head = ["metric", *(r.name for r in runs), *(f"{r.name} − {first.name}" for r in runs[1:]),
            "human (leave one out)"]
    rows = [head, ["---"] * len(head)]
    for key, label, fmt in METRICS:
        full = [r.committee["scaling"][-1].get(key) for r in runs]
        rows.append([f"{label}, N = {n}", *(fmt(v) for v in full), *(_delta(full[0], v) for v in full[1:]),
                     fmt(first.committee["human"].get(key))])
    for key, label, fmt in METRICS:
        cells = [r.committee["seeds_spread"].get(key, {}) for r in runs]
        means = [c.get("mean") for c in cells]
        rows.append([f"{label}, one review", *(f"{fmt(c.get('mean'))} ± {num(c.get('sd'), 3)}" for c in cells),
                     *(_delta(means[0], m) for m in means[1:]), ""])
    seeds = ", ".join(map(str, first.committee["seeds"]))
    lines = [f"# Committee metrics: {', '.join(r.name for r in runs)}", "",
             f"The same {len(first.papers)} test papers, {n} reviews a paper (seeds {seeds}, temperature "
             f"{first.temperature}). A difference is the later run minus {first.name}, rates as fractions: for MAE, "
             "MSE and the false-positive and false-negative rates lower is better, for the others higher.", ""]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dirs", nargs="+", type=Path, help="make eval outputs (saves/<recipe>/eval)")
    parser.add_argument("--out", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    if len(args.eval_dirs) < 2:
        parser.error("give at least two eval folders")
    try:
        runs = [load_run(d) for d in args.eval_dirs]
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problems = mismatches(runs)
    if problems:
        print("error: the runs were not judged alike, so their metrics do not compare:\n  " + "\n  ".join(problems),
              file=sys.stderr)
        return 2
    text = table(runs)
    if args.out:
        with atomic_open(args.out) as handle:
            handle.write(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
