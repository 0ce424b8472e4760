"""`make estimate`: a recipe's speed and memory, measured on this machine before the real run.

    python -m lifecycle.estimate <recipe> [key=value ...] [--steps 20] [--tiny] [--rows N] [--no-export]
    make estimate RECIPE=mistral_15k [ARGS="..."] [STEPS=20] [TINY=1]

The recipe's model is built from its architecture config alone with random weights made on the GPU (`model`),
trained for a few steps on synthetic rows as long as the recipe's (`rows`) through LLaMA-Factory's own
`run_exp` with the recipe's exact settings (quantization, DeepSpeed, RoPE scaling, packing, liger-kernel,
gradient checkpointing), timed step by step (`probe`); then exported, the merged model checked against base +
adapter, and a short greedy generation run (`check`). Writes `saves/<recipe>/estimate.json` and prints the
figures with the projected wall time (`report`). Nothing is downloaded; the work folder is removed after.
TINY=1 shrinks the architecture (same class, 16 times shorter context) to test a recipe's path on a CPU; on a
machine without CUDA, settings that need a GPU are dropped, each with a line saying why. `ESTIMATE_CACHE=<dir>`
keeps built models there for the next estimate of the same architecture (`bench/gpu/phases.py` uses it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifecycle.estimate import check, model, report, rows
from lifecycle.recipe import RECIPES, RecipeError, load_recipe, parse_overrides, saves
from preprocess.core.jsonl import write_json

NEEDS_GPU = {"bf16": "bf16 training needs CUDA", "fp16": "fp16 training needs CUDA",
             "pure_bf16": "bf16 training needs CUDA", "tf32": "tf32 needs CUDA",
             "enable_liger_kernel": "liger-kernel's Triton kernels need a GPU (its import and patch are tested apart)",
             "flash_attn": "the flash-attn package needs a GPU; the CPU run uses PyTorch's attention",
             "ref_model_quantization_bit": "bitsandbytes runs a 4-bit model in inference on CPU (the DPO reference) "
                                           "only with layer widths divisible by its block; the CPU run's reference "
                                           "is unquantized"}
DEEPSPEED_ON_CPU = ("DeepSpeed on a CPU takes over a minute to start; ZeRO-2 is run in tests/e2e/test_pipeline.py "
                    "(--keep-deepspeed keeps it)")


@dataclass
class Plan:
    """What one estimate runs: the recipe with ARGS, the model config, the device, what was dropped."""

    name: str
    recipe: dict[str, Any]
    header: str
    config: dict[str, Any]
    tiny: bool
    device: str
    dtype: str
    dropped: dict[str, str] = field(default_factory=dict)


def make_plan(name: str, overrides: dict[str, Any], tiny: bool, keep_deepspeed: bool = False) -> Plan:
    import torch

    recipe = {**load_recipe(name), **overrides}
    header = "".join(line for line in (RECIPES / f"{name}.yaml").read_text(encoding="utf-8").splitlines(True)
                     if line.startswith("#"))
    config = model.base_config(str(recipe["model_name_or_path"]))
    if tiny and config.get("hidden_size", 0) > model.TINY_WIDTH["hidden_size"]:
        config = model.shrink(config)
        recipe["cutoff_len"] = max(128, int(recipe.get("cutoff_len", 1024)) // model.TINY_FACTOR)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dropped: dict[str, str] = {}
    if device == "cpu":
        dropped = {k: why for k, why in NEEDS_GPU.items() if recipe.get(k) and recipe.get(k) not in ("auto", "sdpa")}
        if recipe.get("deepspeed") and not keep_deepspeed:
            dropped["deepspeed"] = DEEPSPEED_ON_CPU
    for key in dropped:
        recipe.pop(key)
    dtype = "float32" if device == "cpu" else ("float16" if recipe.get("fp16") else "bfloat16")
    return Plan(name, recipe, header, config, tiny, device, dtype, dropped)


def train_config(plan: Plan, model_dir: Path, rows_dir: Path, out_dir: Path, steps: int) -> dict[str, Any]:
    """The recipe's training keys on the built model and rows, one micro-batch a step, nothing saved."""
    drop = {"eval_dataset", "val_size", "tokenized_path", "num_train_epochs", "save_total_limit", "max_samples",
            # a preference run starts from the SFT LoRA; a fresh LoRA of the same shape costs the same
            "adapter_name_or_path", "create_new_adapter", "ref_model_adapters"}
    config = {k: v for k, v in plan.recipe.items() if k not in drop}
    if config.get("ref_model"):  # the reference: the same random-init model, at its own quantization
        config["ref_model"] = str(model_dir)
    config.update(model_name_or_path=str(model_dir), dataset=rows.DATASET, dataset_dir=str(rows_dir),
                  output_dir=str(out_dir), overwrite_output_dir=True, max_steps=steps, save_strategy="no",
                  logging_steps=1, report_to="none", plot_loss=False, gradient_accumulation_steps=1,
                  include_num_input_tokens_seen=True, do_train=True, overwrite_cache=True, trust_remote_code=True)
    return config


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(cfg_path: Path, measured: Path, nproc: int, distributed: bool) -> int:
    """The probe in this venv's Python, under torchrun for several processes or DeepSpeed."""
    probe = ["-m", "lifecycle.estimate.probe", str(cfg_path), str(measured)]
    cmd = [sys.executable, *probe]
    if distributed or nproc > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}",
               f"--master_port={free_port()}", *probe]
    print("+", " ".join(cmd), flush=True)
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "MASTER_ADDR": "127.0.0.1"}
    return subprocess.call(cmd, env=env)


def run(plan: Plan, steps: int, nproc: int, rows_override: int | None, export: bool, work: Path) -> dict[str, Any]:
    """Build, train, (export and check), summarise; returns the estimate record."""
    meta = rows.built_meta(plan.recipe)
    batch = int(plan.recipe.get("per_device_train_batch_size", 1))
    lengths, lengths_from = rows.row_lengths(batch * nproc * (steps + 1), int(plan.recipe["cutoff_len"]), meta)
    base = model.cached_model(work, plan.config, plan.recipe.get("template"), plan.dtype, plan.device)
    rows.write_rows(work / "rows", lengths, stage=str(plan.recipe.get("stage", "sft")))
    cfg = train_config(plan, base, work / "rows", work / "adapter", steps)
    cfg_path, measured_path = work / "train.yaml", work / "measured.json"
    import yaml

    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    code = launch(cfg_path, measured_path, nproc, bool(plan.recipe.get("deepspeed")))
    if code != 0 or not measured_path.exists():
        raise RecipeError(f"the estimate's training run failed (exit {code}); its log is above")
    measured = json.loads(measured_path.read_text(encoding="utf-8"))
    total, embeddings = model.parameter_counts(plan.config)
    active = report.active_parameters(plan.config, total, embeddings)
    flops = report.flops_per_token(plan.config, active, sum(lengths) / len(lengths))
    rows_n, rows_from = (rows_override, "ROWS") if rows_override else report.rows_in_run(plan.recipe, plan.header, meta)
    result = {"recipe": plan.name, "tiny": plan.tiny, "device": measured.get("peak", {}).get("device", plan.device),
              "recipe_accumulation": int(plan.recipe.get("gradient_accumulation_steps", 1)),
              "cutoff_len": int(plan.recipe["cutoff_len"]), "lengths_from": lengths_from, "rows": rows_n,
              "rows_from": rows_from, "parameters": total, "active_parameters": active, "flops_per_token": flops,
              "dropped": plan.dropped, "wall_s": measured.get("wall_s"),
              "summary": report.summarize(measured, plan.recipe, rows_n, flops)}
    if export and (work / "adapter" / "adapter_config.json").exists():
        seconds = check.export(base, work / "adapter", work / "merged", plan.recipe)
        result["check"] = {"export_s": seconds, **check.compare(base, work / "adapter", work / "merged",
                                                                plan.dtype, plan.device)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipe", help="name of recipes/<name>.yaml")
    parser.add_argument("overrides", nargs="*", help="key=value recipe overrides (ARGS=...)")
    parser.add_argument("--steps", type=int, default=int(os.environ.get("STEPS") or 20), help="steps to time")
    parser.add_argument("--tiny", action="store_true", default=os.environ.get("TINY", "0") == "1",
                        help="a shrunken config of the same architecture (CPU tests of a recipe's path)")
    parser.add_argument("--rows", type=int, default=int(os.environ.get("ROWS") or 0) or None,
                        help="training rows for the projection (default: the built meta, else the header)")
    parser.add_argument("--nproc", type=int, default=int(os.environ.get("NPROC", "1") or 1))
    parser.add_argument("--no-export", dest="export", action="store_false", help="skip export and the checks")
    parser.add_argument("--keep-deepspeed", action="store_true", help="keep DeepSpeed on a CPU")
    parser.add_argument("--keep-work", action="store_true", help="keep the work folder (model, rows, adapter)")
    args = parser.parse_intermixed_args(argv)
    try:
        plan = make_plan(args.recipe, parse_overrides(args.overrides), args.tiny, args.keep_deepspeed)
        (saves() / args.recipe).mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="estimate-", dir=saves() / args.recipe))
        try:
            result = run(plan, max(args.steps, report.WARMUP + 1), args.nproc, args.rows, args.export, work)
        finally:
            if not args.keep_work:
                shutil.rmtree(work, ignore_errors=True)
    except RecipeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_json(saves() / args.recipe / "estimate.json", result)
    print("\n".join(report.lines(result)))
    print(f"wrote {saves() / args.recipe / 'estimate.json'}")
    return 0 if not result.get("check") or result["check"]["logits_agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
