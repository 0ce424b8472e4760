"""Each dataset a recipe names (and the `_test` twin `make predict` reads) is registered in dataset_info.json or
declared by the header's `make data` line, and was fitted to the recipe's cutoff and tokenizer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding, note
from lifecycle.check.header import declared_datasets
from lifecycle.models import tokenizer_id
from preprocess.core.names import build_name, dataset_list, held_out_name, preference_source


def _wanted(recipe: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(recipe key, dataset name) pairs to check, and the `_test` twins among them."""
    train, evals = dataset_list(recipe.get("dataset")), dataset_list(recipe.get("eval_dataset"))
    twins = [held_out_name(n) for n in train if held_out_name(n) != n]
    wanted = [("dataset", n) for n in train] + [("eval_dataset", n) for n in evals]
    return wanted + [("dataset", n) for n in twins if n not in evals], twins


def check_datasets(recipe: dict[str, Any], fields: dict[str, str], root: Path) -> list[Finding]:
    """Findings for every dataset the recipe trains or predicts on."""
    out = []
    dataset_dir = Path(recipe.get("dataset_dir", "data"))
    info_path = root / dataset_dir / "dataset_info.json"
    registered = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    declared = declared_datasets(fields)
    wanted, twins = _wanted(recipe)
    cutoff, model = recipe.get("cutoff_len", 2048), str(recipe.get("model_name_or_path"))
    for key, name in wanted:
        if preference_source(name) and name not in registered:  # `make pairs` builds it from the train split
            out.append(note(key, f"{name} is built by `make pairs` from {preference_source(name)}, checked instead"))
            name = preference_source(name)
        role = "its `_test` twin (make predict reads it) " if name in twins else ""
        if name in registered:
            out += _registered(key, name, role, registered[name], root, dataset_dir, cutoff, model)
        elif name in declared:
            out += _declared(key, name, role, declared[name], cutoff, model)
        else:
            out.append(Finding(key, f"{role}{name} is neither registered in {dataset_dir / 'dataset_info.json'} "
                                    "nor declared in the header's Datasets line as built by `make data ... "
                                    f"NAME={build_name(name)} CUTOFF=... TOKENIZER=...`"))
    return out


def _registered(key: str, name: str, role: str, entry: dict[str, Any], root: Path, dataset_dir: Path, cutoff: int,
                model: str) -> list[Finding]:
    out = []
    file_name = entry.get("file_name", "")
    if file_name and not (root / dataset_dir / file_name).exists():
        out.append(note(key, f"{role}{name} is registered in {dataset_dir / 'dataset_info.json'}; "
                             f"{dataset_dir / file_name} is not built yet (make data)"))
    meta_path = root / dataset_dir / f"{build_name(name)}.meta.json"
    built = json.loads(meta_path.read_text(encoding="utf-8")).get("args") if meta_path.exists() else None
    if built:
        out += _built_for(key, name, built.get("cutoff"), built.get("tokenizer"), cutoff, model,
                          f"{meta_path.name} says")
    return out


def _declared(key: str, name: str, role: str, args: dict[str, str], cutoff: int, model: str) -> list[Finding]:
    out = [note(key, f"{role}{name} is not registered yet: the header declares it, built by `{args['command']}`")]
    missing = [k for k in ("CUTOFF", "TOKENIZER") if k not in args]
    if missing:
        out.append(Finding(key, f"the header's `{args['command']}` must name {' and '.join(missing)}: "
                                "papers are fitted to the model's tokenizer and cutoff_len"))
    else:
        out += _built_for(key, name, int(args["CUTOFF"]), args["TOKENIZER"], cutoff, model,
                          "the header's make data line says")
    return out


def _built_for(key: str, name: str, data_cutoff: Any, data_tok: Any, cutoff: int, model: str,
               who: str) -> list[Finding]:
    out = []
    if isinstance(data_cutoff, int) and data_cutoff > cutoff:
        out.append(Finding(key, f"{who} {name} was fitted to {data_cutoff} tokens, over cutoff_len {cutoff}: "
                                "LLaMA-Factory would cut samples from the end (the review goes first)"))
    elif isinstance(data_cutoff, int) and data_cutoff < cutoff:
        out.append(note(key, f"{who} {name} was fitted to {data_cutoff} tokens, under cutoff_len {cutoff}"))
    if data_tok and tokenizer_id(str(data_tok)) != tokenizer_id(model):
        out.append(Finding(key, f"{who} {name} was fitted with tokenizer {data_tok}, not {model}'s"))
    return out
