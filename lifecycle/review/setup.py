"""What a review needs from the recipe as trained: ChatModel arguments, the token budget, the row format.

The recipe comes from `saves/<name>/train.yaml` (with the run's ARGS), else `recipes/<name>.yaml`; the format
and the review reserve from the training data's registration and build meta, so the prompt is the one a
training row of the same paper gets.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifecycle.recipe import RecipeError, check_servable, model_config, trained_recipe
from preprocess.core.names import build_name, dataset_list
from preprocess.prompt.budget import default_review_tokens
from preprocess.prompt.formats import FORMATS, format_of


@dataclass
class ReviewSetup:
    """Everything a review needs from the recipe: ChatModel args, the token budget, the row format."""

    recipe: str
    model: dict[str, Any]  # ChatModel arguments: merged model, or base + adapter; template; backend
    cutoff: int  # the recipe's cutoff_len, as `make data CUTOFF=` used it
    review_tokens: int  # the fixed review reserve the training data was fitted with
    max_new_tokens: int
    format: str = "alpaca"  # how the recipe's training rows were laid out (`make data --format`)
    dataset_dir: str = "data"  # where the training dataset and its `_train.ratings.jsonl` are
    train_dataset: str = ""  # the recipe's first training dataset (the committee's decision rule is fitted on it)
    warnings: list[str] = field(default_factory=list)

    @property
    def tokenizer_path(self) -> str:
        return str(self.model["model_name_or_path"])


def _training_data(recipe: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The recipe's first dataset: its dataset_info.json entry and its build's meta args (None if absent)."""
    names = dataset_list(recipe.get("dataset"))
    name = names[0] if names else ""
    folder = Path(recipe.get("dataset_dir", "data"))
    entry = meta = None
    with contextlib.suppress(OSError, ValueError):
        entry = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8")).get(name)
    with contextlib.suppress(OSError, ValueError):
        meta = json.loads((folder / f"{build_name(name)}.meta.json").read_text(encoding="utf-8")).get("args")
    return entry, meta


def review_setup(name: str, overrides: dict[str, Any] | None = None) -> ReviewSetup:
    """The recipe as trained, with `key=value` overrides; `review_tokens=` and `format=` set what `make data`
    was given."""
    overrides = dict(overrides or {})
    reserve, fmt = overrides.pop("review_tokens", None), overrides.pop("format", None)
    recipe = {**trained_recipe(name), **overrides}
    for key in ("cutoff_len", "template"):
        if key not in recipe:
            raise RecipeError(f"recipes/{name}.yaml has no {key}: a review needs the training one")
    cutoff = int(recipe["cutoff_len"])
    review_tokens = int(reserve) if reserve else default_review_tokens(cutoff)  # as `make data` chose it
    entry, meta = _training_data(recipe)
    fmt = str(fmt or format_of(entry) or (entry or {}).get("formatting") or "alpaca")
    if fmt not in FORMATS:
        raise RecipeError(f"format {fmt!r}: choose {' or '.join(FORMATS)}")
    warnings = []
    if entry is None:
        warnings.append(f"dataset {recipe.get('dataset')!r} is not registered here: assuming {fmt} rows")
    if meta and (meta.get("cutoff"), meta.get("review_tokens")) != (cutoff, review_tokens):
        warnings.append(f"training data was fitted to cutoff {meta.get('cutoff')}, reserve "
                        f"{meta.get('review_tokens')}; this review uses {cutoff}, {review_tokens}: prompts differ "
                        "(set ARGS=\"cutoff_len=... review_tokens=...\")")
    model = check_servable(name, {**model_config(name, recipe), "infer_backend": "huggingface"})
    max_new = int(recipe.get("max_new_tokens") or review_tokens)  # predict's length, else the reserve
    train = next(iter(dataset_list(recipe.get("dataset"))), "")
    return ReviewSetup(name, model, cutoff, review_tokens, max_new, fmt, warnings=warnings,
                       dataset_dir=str(recipe.get("dataset_dir", "data")), train_dataset=train)
