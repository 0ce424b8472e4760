"""Preference pairs from a training split and the SFT model's reviews of it: rows in, rows out, nothing run.

Each pair is a human review chosen over another answer to the same prompt:
- `self`: over the SFT model's own review of that paper (its prediction on the train split): self-play as in
  SPIN (Chen et al. 2024), which moves the model from what it writes now towards what reviewers wrote;
- `other`: over a human review of the most similar other training paper (TF-IDF of title and abstract): a review
  that reads right but is about another paper, which teaches paper-specific critique.
The KTO form unpairs them: each chosen answer desirable, each rejected one undesirable, each (prompt, answer) once.
Rows keep the training split's format, read from its dataset_info.json entry (alpaca, or sharegpt and the
openai layout LLaMA-Factory reads as sharegpt); every column and tag is spelled out in the entries written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

KINDS = ("self", "other")


@dataclass(frozen=True)
class Shape:
    """Where a training row keeps its prompt and answer, from its dataset_info.json entry."""

    entry: dict[str, Any]

    @property
    def sharegpt(self) -> bool:
        return self.entry.get("formatting", "alpaca") == "sharegpt"

    @property
    def columns(self) -> dict[str, str]:
        return dict(self.entry.get("columns") or {})

    def tag(self, name: str, default: str) -> str:
        return (self.entry.get("tags") or {}).get(name, default)

    def _turns(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        turns = row.get(self.columns.get("messages", "conversations"))
        return turns if isinstance(turns, list) else []

    def answer(self, row: dict[str, Any]) -> str | None:
        """The human review a row trains on (its last assistant turn), or None."""
        if not self.sharegpt:
            value = row.get(self.columns.get("response", "output"))
            return value if isinstance(value, str) else None
        turns = self._turns(row)
        last = turns[-1] if turns and isinstance(turns[-1], dict) else {}
        if last.get(self.tag("role_tag", "from")) != self.tag("assistant_tag", "gpt"):
            return None
        value = last.get(self.tag("content_tag", "value"))
        return value if isinstance(value, str) else None

    def prompt(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row without its answer: every other column as it was."""
        if not self.sharegpt:
            return {k: v for k, v in row.items() if k != self.columns.get("response", "output")}
        messages = self.columns.get("messages", "conversations")
        return {**row, messages: self._turns(row)[:-1]}

    def prompt_text(self, prompt: dict[str, Any]) -> str:
        """What the model reads, as plain text (for finding a paper's title and abstract)."""
        if not self.sharegpt:
            return "\n".join(str(prompt.get(self.columns.get(k, k)) or "") for k in ("prompt", "query"))
        content = self.tag("content_tag", "value")
        return "\n".join(str(t.get(content, "")) for t in prompt[self.columns.get("messages", "conversations")])

    def _message(self, text: str) -> dict[str, str]:
        return {self.tag("role_tag", "from"): self.tag("assistant_tag", "gpt"), self.tag("content_tag", "value"): text}

    def pair_row(self, pair: Pair) -> dict[str, Any]:
        if not self.sharegpt:
            return {**pair.prompt, "chosen": pair.chosen, "rejected": pair.rejected}
        return {**pair.prompt, "chosen": self._message(pair.chosen), "rejected": self._message(pair.rejected)}

    def kto_row(self, prompt: dict[str, Any], text: str, desirable: bool) -> dict[str, Any]:
        if not self.sharegpt:
            return {**prompt, self.columns.get("response", "output"): text, "kto_tag": desirable}
        messages = self.columns.get("messages", "conversations")
        return {**prompt, messages: [*prompt[messages], self._message(text)], "kto_tag": desirable}

    def pair_entry(self, file_name: str) -> dict[str, Any]:
        """`ranking: true` with explicit chosen/rejected columns (LLaMA-Factory resets any column left out)."""
        columns = {k: v for k, v in self.columns.items() if k != "response"}
        return self._entry(file_name, {**columns, "chosen": "chosen", "rejected": "rejected"}, ranking=True)

    def kto_entry(self, file_name: str) -> dict[str, Any]:
        return self._entry(file_name, {**self.columns, "kto_tag": "kto_tag"}, ranking=False)

    def _entry(self, file_name: str, columns: dict[str, str], ranking: bool) -> dict[str, Any]:
        entry = {"file_name": file_name, "formatting": self.entry.get("formatting", "alpaca"), "ranking": ranking,
                 "columns": columns}
        return {**entry, "tags": dict(self.entry["tags"])} if self.entry.get("tags") else entry


@dataclass(frozen=True)
class Pair:
    """One preference: `chosen` over `rejected` for the training row at `where` (`file:line`)."""

    kind: str  # one of KINDS
    prompt: dict[str, Any]
    chosen: str
    rejected: str
    where: str


def _words(text: str) -> str:
    return " ".join(text.split())


def self_pairs(rows: list[tuple[int, dict[str, Any]]], predictions: dict[int, dict[str, Any]], shape: Shape,
               rows_path: str, predictions_path: str) -> tuple[list[Pair], list[str]]:
    """A pair per training row: its human review over the SFT model's review of it (prediction line = row line).
    A row without an answer, a prediction whose label is not that row's answer (a stale prediction), an empty one
    or one equal to the human review is skipped, named `file:line: item: reason`."""
    pairs, skipped = [], []
    for lineno, row in rows:
        answer, where = shape.answer(row), f"{rows_path}:{lineno}"
        pred = predictions.get(lineno)
        if not answer or not answer.strip():
            skipped.append(f"{where}: training row: no answer to prefer")
        elif pred is None:
            skipped.append(f"{predictions_path}:{lineno}: prediction: missing or unreadable")
        elif not isinstance(pred.get("predict"), str) or not isinstance(pred.get("label"), str):
            skipped.append(f"{predictions_path}:{lineno}: prediction: no `predict` and `label` strings")
        elif not _words(pred["label"]) or not _words(answer).startswith(_words(pred["label"])):
            skipped.append(f"{predictions_path}:{lineno}: prediction: its label is not {where}'s answer "
                           "(predicted from another split or build: rerun with --repredict)")
        elif not pred["predict"].strip():
            skipped.append(f"{predictions_path}:{lineno}: prediction: the model wrote nothing")
        elif _words(pred["predict"]) == _words(answer):
            skipped.append(f"{predictions_path}:{lineno}: prediction: equals the human review (nothing to prefer)")
        else:
            pairs.append(Pair("self", shape.prompt(row), answer, pred["predict"], where))
    return pairs, skipped


def paper_key(text: str) -> str:
    """A paper's title and abstract from its prompt (`title: …` / `abstract: …` lines of the paper layout), else
    the prompt's start: what identifies a paper and what similarity is measured on."""
    found = [m.group(1).strip() for m in re.finditer(r"^(?:title|abstract): (.*)$", text, re.M)]
    return "\n".join(found) if found else text[:4000]


def nearest_papers(texts: list[str]) -> list[int]:
    """For each text, the index of the most similar other one (TF-IDF cosine; ties to the lower index)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    sims = (matrix @ matrix.T).toarray()
    for i in range(len(texts)):
        sims[i, i] = -1.0
    return [int(row.argmax()) for row in sims]


def other_pairs(rows: list[tuple[int, dict[str, Any]]], shape: Shape, rows_path: str) -> tuple[list[Pair], list[str]]:
    """A pair per training row: its human review over a human review of the nearest other paper (the neighbour's
    reviews in turn, so one paper's rows meet different ones)."""
    papers: dict[str, list[tuple[int, dict[str, Any], str]]] = {}
    for lineno, row in rows:
        answer = shape.answer(row)
        if answer and answer.strip():
            papers.setdefault(paper_key(shape.prompt_text(shape.prompt(row))), []).append((lineno, row, answer))
    if len(papers) < 2:
        return [], [f"{rows_path}: other pairs: {len(papers)} paper(s) with a review, need two"]
    keys = list(papers)
    pairs, skipped = [], []
    for key, near in zip(keys, nearest_papers(keys), strict=True):
        theirs = [answer for _, _, answer in papers[keys[near]]]
        for k, (lineno, row, answer) in enumerate(papers[key]):
            rejected = theirs[k % len(theirs)]
            if _words(rejected) == _words(answer):
                skipped.append(f"{rows_path}:{lineno}: other pair: the similar paper's review is this one")
                continue
            pairs.append(Pair("other", shape.prompt(row), answer, rejected, f"{rows_path}:{lineno}"))
    return pairs, skipped


def kto_rows(pairs: list[Pair], shape: Shape) -> list[dict[str, Any]]:
    """The pairs unpaired: chosen answers desirable, rejected ones undesirable, each (prompt, answer, tag) once."""
    seen, out = set(), []
    for pair in pairs:
        for text, desirable in ((pair.chosen, True), (pair.rejected, False)):
            key = (json.dumps(pair.prompt, sort_keys=True, ensure_ascii=False), text, desirable)
            if key not in seen:
                seen.add(key)
                out.append(shape.kto_row(pair.prompt, text, desirable))
    return out
