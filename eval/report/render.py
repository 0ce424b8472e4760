"""The pieces every report section is made of: the `Section` record, number formats and the PNG plots."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend first)

from preprocess.core.jsonl import atomic_open  # noqa: E402


@dataclass
class Section:
    title: str
    rows: list[tuple[str, ...]] = field(default_factory=list)  # each as long as `columns`
    notes: list[str] = field(default_factory=list)
    image: str | None = None
    columns: tuple[str, ...] = ("metric", "value")


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def bar(path: Path, labels: list[str], series: dict[str, list[float]], ylabel: str, title: str) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, values, width=width, label=name)
    ax.set_xticks(range(len(labels)), [textwrap.fill(label, 16) for label in labels], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    top = max((v for values in series.values() for v in values), default=0)
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)  # headroom for the legend
    if len(series) > 1:
        ax.legend(fontsize=8, loc="upper left", ncols=len(series))
    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)


def lines(path: Path, xs: list[int], series: dict[str, list[float | None]], xlabel: str, title: str) -> None:
    """One line per series over xs (a missing value leaves a gap): the committee's scaling curve."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for name, values in series.items():
        ax.plot(xs, [float("nan") if v is None else v for v in values], marker="o", label=name)
    ax.set_xticks(xs)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)
