"""The cleaning funnel: papers and reviews left after each step and what each step dropped or fixed, as a
text table (printed by `make data`), a PNG (`data/<name>.funnel.png`) and rows of the build's meta.

A step reports its rows as `FunnelRow`s, one per reason it drops (or fixes) for, as datatrove's filters count
`dropped_<reason>`; the funnel turns them into what each row dropped against the row before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import atomic_open
from preprocess.core.record import Paper


@dataclass(frozen=True)
class FunnelRow:
    """One funnel row a step reports: its reason (the row's label) and the papers and reviews left after it."""

    step: str
    papers: int
    reviews: int
    fixed: int | None = None  # for a step that repairs text: how many it changed

    @classmethod
    def left(cls, step: str, papers: list[Paper], fixed: int | None = None) -> FunnelRow:
        """The row of a step that left `papers`."""
        return cls(step, len(papers), sum(len(p.reviews) for p in papers), fixed)


@dataclass
class Funnel:
    """Ordered rows: papers and reviews left after each step, and what the step dropped or fixed."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, step: str, papers: int, reviews: int, fixed: int | None = None) -> None:
        prev = self.rows[-1] if self.rows else {"papers": papers, "reviews": reviews}
        self.rows.append({"step": step, "papers": papers, "reviews": reviews,
                          "papers_dropped": prev["papers"] - papers, "reviews_dropped": prev["reviews"] - reviews,
                          "fixed": fixed})

    def extend(self, rows: list[FunnelRow]) -> None:
        """A step's rows, in order."""
        for row in rows:
            self.add(row.step, row.papers, row.reviews, row.fixed)

    def table(self) -> str:
        """The funnel as a fixed-width text table."""
        head = ("step", "papers", "reviews", "-papers", "-reviews", "fixed")
        body = [(r["step"], r["papers"], r["reviews"], r["papers_dropped"] or "", r["reviews_dropped"] or "",
                 "" if r["fixed"] is None else r["fixed"]) for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
        lines = [f"{row[0]:<{widths[0]}}  " + "  ".join(f"{str(v):>{w}}" for v, w in zip(row[1:], widths[1:],
                                                                                       strict=True))
                 for row in (head, *body)]
        return "\n".join(lines)

    def plot(self, path: Path) -> Path:
        """Two horizontal bar charts (papers, reviews per step) as a PNG."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        steps = [r["step"] for r in self.rows][::-1]
        fig, axes = plt.subplots(1, 2, figsize=(12, 0.35 * len(steps) + 1.5), sharey=True)
        for ax, key, color in ((axes[0], "papers", "tab:blue"), (axes[1], "reviews", "tab:orange")):
            values = [r[key] for r in self.rows][::-1]
            ax.barh(steps, values, color=color)
            for y, v in enumerate(values):
                ax.text(v, y, f" {v:,}", va="center", fontsize=8)
            ax.set_title(key)
            ax.set_xlim(0, max(values + [1]) * 1.2)
        fig.suptitle("cleaning funnel")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path, "wb") as handle:  # a killed build leaves no half PNG
            fig.savefig(handle, format="png", dpi=100)
        plt.close(fig)
        return path
