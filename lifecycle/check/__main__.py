"""`make check-recipes`: every recipe through LLaMA-Factory's own argument parser, no weights loaded, plus the
checks LLaMA-Factory does not do. Exit status 1 when any recipe has an error.

    python -m lifecycle.check                      # every recipes/*.yaml
    python -m lifecycle.check recipes/mistral_15k.yaml

GPU recipes on a CPU machine: `get_train_args` refuses `bf16`/`fp16`/`tf32` without CUDA, `deepspeed`
outside a torchrun launch and `enable_liger_kernel` without its (Triton) package, so those keys are taken
out before parsing and checked here instead (types, the DeepSpeed JSON, its ZeRO stage against
quantization). While parsing, the recipe's DeepSpeed JSON is held as transformers' `HfDeepSpeedConfig`,
so LLaMA-Factory's own ZeRO-3 rules still apply. Everything else (quantization, flash_attn, optimizers,
LoRA keys) goes through the parser as written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lifecycle.check.args import argument_types
from lifecycle.check.recipe import check_recipe


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
