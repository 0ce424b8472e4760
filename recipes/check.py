"""`make check-recipes`: every recipe through LLaMA-Factory's own argument parser, no weights loaded, plus the
checks LLaMA-Factory does not do. Exit status 1 when any recipe has an error.

    python -m recipes.check                      # every recipes/*.yaml
    python -m recipes.check recipes/mistral_15k.yaml

GPU recipes on a CPU machine: `get_train_args` refuses `bf16`/`fp16`/`tf32` without CUDA, `deepspeed`
outside a torchrun launch and `enable_liger_kernel` without its (Triton) package, so those keys are taken
out before parsing and checked here instead (types, the DeepSpeed JSON, its ZeRO stage against
quantization). While parsing, the recipe's DeepSpeed JSON is held as transformers' `HfDeepSpeedConfig`,
so LLaMA-Factory's own ZeRO-3 rules still apply. Everything else (quantization, flash_attn, optimizers,
LoRA keys) goes through the parser as written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from recipes.check_args import GPU_ONLY_KEYS, argument_types, check_types, parse_with_llamafactory
from recipes.check_model import check_misc, check_model, check_quantization, deepspeed_stage
from recipes.models import tokenizer_id

__all__ = ["Finding", "argument_types", "check_recipe", "main"]
HEADER_FIELDS = ("Base model", "Datasets", "Hardware", "Run", "Override", "Outputs")


@dataclass
class Finding:
    recipe: str
    key: str
    message: str
    level: str = "error"  # or "note"

    def __str__(self) -> str:
        return f"{self.recipe}: {self.key}: {self.message}"


# ---------- the recipe's header ----------

def read_header(text: str) -> tuple[str, dict[str, str]]:
    """The opening comment block: its first line and its `Field: value` lines (indented lines continue one)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("###"):
            break
        lines.append(line[1:])
    fields: dict[str, str] = {}
    current = None
    for body in lines[1:]:
        match = re.match(r" ([A-Z][\w -]*?):\s+(.*)", body)
        if match and not body.startswith("  "):
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current:
            fields[current] += " " + body.strip()
    return (lines[0].strip() if lines else ""), fields


def declared_datasets(fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """Datasets the header says `make data ... NAME=<n>` builds: `<n>_train`/`<n>_test` -> that command's args."""
    out = {}
    for command in re.findall(r"make data ([^)`]*)", fields.get("Datasets", "")):
        args = dict(token.split("=", 1) for token in command.split() if "=" in token)
        if "NAME" in args:
            out.update({f"{args['NAME']}_{split}": {**args, "command": f"make data {command.strip()}"}
                        for split in ("train", "test")})
    return out


def check_header(stem: str, first: str, fields: dict[str, str]) -> list[tuple[str, str]]:
    problems = []
    if not first.startswith(f"{stem}:"):
        problems.append(("header", f"the first line must start with '# {stem}:' and say what the recipe is for"))
    problems += [("header", f"missing the '# {name}:' line") for name in HEADER_FIELDS if name not in fields]
    if "Run" in fields and f"make train RECIPE={stem}" not in fields["Run"]:
        problems.append(("header", f"the Run line must give `make train RECIPE={stem}`"))
    if "Override" in fields and "ARGS=" not in fields["Override"]:
        problems.append(("header", "the Override line must show one ARGS=\"key=value\" example"))
    return problems


# ---------- datasets ----------

def _names(value: Any) -> list[str]:
    return [n.strip() for n in str(value or "").split(",") if n.strip()]


def check_datasets(recipe: dict[str, Any], fields: dict[str, str], root: Path) -> list[tuple[str, str, str]]:
    """Each dataset (and the `_test` twin `make predict` reads) is registered or declared by the header."""
    out = []
    dataset_dir = Path(recipe.get("dataset_dir", "data"))
    info_path = root / dataset_dir / "dataset_info.json"
    registered = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    declared = declared_datasets(fields)
    twins = [n[: -len("_train")] + "_test" for n in _names(recipe.get("dataset")) if n.endswith("_train")]
    wanted = [("dataset", n) for n in _names(recipe.get("dataset"))]
    wanted += [("eval_dataset", n) for n in _names(recipe.get("eval_dataset"))]
    wanted += [("dataset", n) for n in twins if n not in _names(recipe.get("eval_dataset"))]
    cutoff, model = recipe.get("cutoff_len", 2048), str(recipe.get("model_name_or_path"))
    for key, name in wanted:
        role = "its `_test` twin (make predict reads it) " if name in twins else ""
        prefix = name.rsplit("_", 1)[0]
        if name in registered:
            file_name = registered[name].get("file_name", "")
            if file_name and not (root / dataset_dir / file_name).exists():
                out.append(("note", key, f"{role}{name} is registered in {dataset_dir / 'dataset_info.json'}; "
                                          f"{dataset_dir / file_name} is not built yet (make data)"))
            meta_path = root / dataset_dir / f"{prefix}.meta.json"
            built = json.loads(meta_path.read_text(encoding="utf-8")).get("args") if meta_path.exists() else None
            if built:
                out += _built_for(key, name, built.get("cutoff"), built.get("tokenizer"), cutoff, model,
                                  f"{meta_path.name} says")
        elif name in declared:
            args = declared[name]
            out.append(("note", key, f"{role}{name} is not registered yet: the header declares it, built by "
                                     f"`{args['command']}`"))
            missing = [k for k in ("CUTOFF", "TOKENIZER") if k not in args]
            if missing:
                out.append(("error", key, f"the header's `{args['command']}` must name {' and '.join(missing)}: "
                                          "papers are fitted to the model's tokenizer and cutoff_len"))
            else:
                out += _built_for(key, name, int(args["CUTOFF"]), args["TOKENIZER"], cutoff, model, "the header's "
                                  "make data line says")
        else:
            out.append(("error", key, f"{role}{name} is neither registered in {dataset_dir / 'dataset_info.json'} "
                                      "nor declared in the header's Datasets line as built by `make data ... "
                                      f"NAME={prefix} CUTOFF=... TOKENIZER=...`"))
    return out


def _built_for(key: str, name: str, data_cutoff: Any, data_tok: Any, cutoff: int, model: str,
               who: str) -> list[tuple[str, str, str]]:
    out = []
    if isinstance(data_cutoff, int) and data_cutoff > cutoff:
        out.append(("error", key, f"{who} {name} was fitted to {data_cutoff} tokens, over cutoff_len {cutoff}: "
                                  "LLaMA-Factory would cut samples from the end (the review goes first)"))
    elif isinstance(data_cutoff, int) and data_cutoff < cutoff:
        out.append(("note", key, f"{who} {name} was fitted to {data_cutoff} tokens, under cutoff_len {cutoff}"))
    if data_tok and tokenizer_id(str(data_tok)) != tokenizer_id(model):
        out.append(("error", key, f"{who} {name} was fitted with tokenizer {data_tok}, not {model}'s"))
    return out


# ---------- one recipe, all recipes ----------

def check_recipe(path: Path, root: Path = Path("."), types_: dict[str, Any] | None = None) -> list[Finding]:
    """All findings for one recipe file; paths inside it resolve against `root` (the repo root)."""
    shown, stem = str(path), path.stem
    text = path.read_text(encoding="utf-8")
    try:
        recipe = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return [Finding(shown, "yaml", f"not valid YAML: {exc}")]
    first, fields = read_header(text)
    problems: list[tuple[str, str, str]] = [("error", k, m) for k, m in check_header(stem, first, fields)]
    if Path(str(recipe.get("output_dir", ""))) != Path("saves") / stem:
        problems.append(("error", "output_dir", f"must be saves/{stem} (make export/predict derive paths from it)"))
    type_problems = check_types(recipe, types_ or argument_types())
    problems += [("error", k, m) for k, m in type_problems]
    stage, ds_path, ds_problems = deepspeed_stage(recipe, root)
    problems += [("error", k, m) for k, m in ds_problems]
    problems += check_datasets(recipe, fields, root)
    if not any(k in ("model_name_or_path", "template", "cutoff_len", "rope_scaling") for k, _ in type_problems):
        problems += check_model(recipe, root)
    problems += [("error", k, m) for k, m in check_quantization(recipe, stage) + check_misc(recipe)]
    if not type_problems:  # the parser would only repeat them, less clearly
        error = parse_with_llamafactory(recipe, ds_path)
        if error:
            problems.append(("error", "LLaMA-Factory parser", error))
    gpu_only = [k for k in GPU_ONLY_KEYS if recipe.get(k)]
    if gpu_only:
        problems.append(("note", ", ".join(gpu_only), "GPU-only, so checked here and kept out of the CPU parse"))
    return [Finding(shown, key, message, level) for level, key, message in problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipes", nargs="*", type=Path, help="recipe files (default: recipes/*.yaml)")
    parser.add_argument("--quiet", action="store_true", help="print errors only")
    args = parser.parse_args(argv)
    os.environ.setdefault("LLAMAFACTORY_VERBOSITY", "ERROR")  # before llamafactory is imported: quiet parser
    paths = args.recipes or sorted(Path("recipes").glob("*.yaml"))
    if not paths:
        print("error: no recipes found (run from the repo root)", file=sys.stderr)
        return 1
    types_ = argument_types()
    failed = 0
    for path in paths:
        findings = check_recipe(path, types_=types_)
        errors = [f for f in findings if f.level == "error"]
        failed += bool(errors)
        print(f"{path}: {'FAILED' if errors else 'ok'}")
        for finding in findings:
            if finding.level == "error" or not args.quiet:
                print(f"  {finding.level}: {finding.key}: {finding.message}")
    print(f"{len(paths)} recipe(s): {len(paths) - failed} ok, {failed} with errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
