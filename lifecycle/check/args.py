"""Recipe values against LLaMA-Factory itself: the types its argument dataclasses declare, then its own
parser (`get_train_args`) on the recipe, with the keys a CPU machine cannot parse taken out."""

from __future__ import annotations

import dataclasses
import difflib
import re
import tempfile
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding

# Refused by the parser on a CPU machine (bf16/fp16/tf32: no CUDA; deepspeed: no torchrun launch;
# enable_liger_kernel: its Triton package), so checked by type here and kept out of the parse.
GPU_ONLY_KEYS = ("bf16", "fp16", "pure_bf16", "tf32", "deepspeed", "enable_liger_kernel")
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def argument_types() -> dict[str, Any]:
    """Every key LLaMA-Factory's `train` accepts -> its annotated type."""
    from llamafactory.hparams import (
        DataArguments,
        FinetuningArguments,
        GeneratingArguments,
        ModelArguments,
        TrainingArguments,
    )

    out: dict[str, Any] = {}
    for cls in (ModelArguments, DataArguments, TrainingArguments, FinetuningArguments, GeneratingArguments):
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if field.init:
                out.setdefault(field.name, hints.get(field.name, Any))
    return out


def _choices(tp: Any) -> list[Any] | None:
    if typing.get_origin(tp) is typing.Literal:
        return list(typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return [member.value for member in tp]
    return None


def _matches(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(tp))
    if (choices := _choices(tp)) is not None:
        return value in choices
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp in (str, list, dict) or origin in (list, dict):
        return isinstance(value, origin or tp)
    return True  # torch dtypes and the like: not set from YAML


def _expects_number(tp: Any) -> bool:
    args = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    return any(arg in (int, float) for arg in args) and str not in args


def check_types(recipe: dict[str, Any], types_: dict[str, Any]) -> list[Finding]:
    """Unknown keys, numbers YAML read as strings, values outside LLaMA-Factory's enumerations."""
    problems = []
    for key, value in recipe.items():
        if key not in types_:
            close = difflib.get_close_matches(key, types_, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(Finding(key, "not a LLaMA-Factory argument" + hint))
            continue
        tp = types_[key]
        if _matches(value, tp):
            continue
        if isinstance(value, str) and NUMBER.match(value) and _expects_number(tp):
            problems.append(Finding(key, f"{value!r} is a string: PyYAML reads a number without a dot before "
                                         "the exponent as text; write it like 1.0e-4"))
        elif (choices := _choices(_strip_none(tp))) is not None:
            problems.append(Finding(key, f"{value!r} is not one of {choices}"))
        else:
            problems.append(Finding(key, f"{value!r} ({type(value).__name__}) does not fit LLaMA-Factory's "
                                         f"type {tp}"))
    return problems


def _strip_none(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1 else tp


def parse_with_llamafactory(recipe: dict[str, Any], ds_path: Path | None) -> str | None:
    """Run `get_train_args` on the recipe with the GPU-only keys taken out; its error message, or None."""
    from llamafactory.hparams import get_train_args

    args = {k: v for k, v in recipe.items() if k not in GPU_ONLY_KEYS}
    held = []  # is_deepspeed_zero3_enabled() reads the live HfDeepSpeedConfig through a weak reference
    with tempfile.TemporaryDirectory() as tmp:
        args["output_dir"] = str(Path(tmp) / "out")  # independent of what saves/ holds here
        try:
            if ds_path is not None:
                from transformers.integrations import HfDeepSpeedConfig

                held.append(HfDeepSpeedConfig(str(ds_path)))
            get_train_args(args)
        except Exception as exc:  # the parser raises ValueError, but a recipe may trip anything
            return f"{type(exc).__name__}: {exc}"
        finally:
            from transformers.integrations.deepspeed import unset_hf_deepspeed_config

            held.clear()
            unset_hf_deepspeed_config()
    return None
