"""What `make estimate` measured, and what it means for the whole run: seconds per step, tokens/s, peak memory,
model FLOPs utilisation and the projected wall time, written to `saves/<name>/estimate.json` and printed.

Steps are timed at one micro-batch per optimizer step (gradient accumulation 1), so a recipe's optimizer step
is `accumulation` of them; the first steps (warm-up: allocation, compilation, caches) are left out. Tokens/s
counts every token Trainer fed (`num_input_tokens_seen`, padding included). Model FLOPs follow PaLM's count,
6 N + 12 L H Q T per token (N the parameters a token passes through, input embeddings excluded and, for a
mixture of experts, only the experts it is routed to; L layers, H heads, Q head size, T the mean row length):
for LoRA the backward pass skips the frozen weights' gradients, so the work done is nearer 4 N and this
utilisation reads high by up to a third. Peaks are the cards' dense bf16 figures from NVIDIA's datasheets.
"""

from __future__ import annotations

import math
import re
import statistics
from typing import Any

# Dense bf16 peak, TFLOP/s, by a part of the name torch reports (checked in this order).
PEAK_BF16_TFLOPS = (("H200", 989.4), ("H100 PCIe", 756.5), ("H100 NVL", 835.5), ("H100", 989.4),
                    ("A100", 312.0), ("L40S", 362.1), ("A40", 149.7), ("L4", 121.0), ("A10", 125.0))
WARMUP = 2


def peak_tflops(device: str) -> float | None:
    return next((tflops for part, tflops in PEAK_BF16_TFLOPS if part in device), None)


def active_parameters(config: dict[str, Any], total: int, embeddings: int) -> int:
    """Parameters one token passes through: all but the input embeddings, and only its routed experts."""
    active = total - embeddings
    experts, routed = config.get("num_local_experts"), config.get("num_experts_per_tok")
    if experts and routed:
        per_expert = 3 * config["hidden_size"] * config["intermediate_size"]
        active -= config["num_hidden_layers"] * per_expert * (experts - routed)
    return active


def flops_per_token(config: dict[str, Any], active: int, mean_length: float) -> float:
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    return 6 * active + 12 * config["num_hidden_layers"] * heads * head_dim * mean_length


def rows_in_run(recipe: dict[str, Any], header: str, meta: dict[str, Any] | None) -> tuple[int | None, str]:
    """Training rows of the recipe's dataset: the built meta's count, else the header's `N samples ->`."""
    if meta and (meta.get("counts") or {}).get("train rows"):
        return int(meta["counts"]["train rows"]), "the built dataset's meta"
    match = re.search(r"([\d,]+) samples ->", header)
    if match:
        return int(match.group(1).replace(",", "")), "the recipe header"
    return None, "unknown (build the dataset, or give ROWS=...)"


def summarize(measured: dict[str, Any], recipe: dict[str, Any], rows: int | None, flops: float) -> dict[str, Any]:
    """Per-step figures and the projection for the whole run."""
    seconds = measured["seconds"][WARMUP:] or measured["seconds"]
    tokens = measured["tokens_seen"]
    counted = tokens[-1] - (tokens[WARMUP - 1] if len(tokens) > WARMUP else 0)
    per_step = statistics.median(seconds)
    tokens_per_s = counted / sum(seconds) if counted and sum(seconds) else None
    world = measured.get("world_size", 1)
    accum = int(recipe.get("gradient_accumulation_steps", 1))
    batch = int(recipe.get("per_device_train_batch_size", 1))
    out: dict[str, Any] = {"seconds_per_micro_step": per_step, "seconds_per_step": per_step * accum,
                           "tokens_per_s": tokens_per_s, "peak": measured.get("peak", {}),
                           "steps_timed": len(seconds), "world_size": world}
    peak = peak_tflops(out["peak"].get("device", ""))
    out["mfu"] = (tokens_per_s * flops / (peak * 1e12 * world)) if peak and tokens_per_s else None
    if rows:
        per_epoch = math.ceil(rows / (batch * accum * world))
        steps = int(recipe["max_steps"]) if recipe.get("max_steps") else math.ceil(
            per_epoch * float(recipe.get("num_train_epochs", 1)))
        out.update(projected_steps=steps, projected_hours=steps * per_step * accum / 3600)
    return out


def lines(result: dict[str, Any]) -> list[str]:
    """The printed summary."""
    s, peak = result["summary"], result["summary"]["peak"]
    memory = (f"{peak['allocated_gib']:.1f} GiB allocated, {peak['reserved_gib']:.1f} GiB reserved of "
              f"{peak['total_gib']:.0f} GiB on {peak['device']}" if "allocated_gib" in peak
              else f"peak RSS {peak.get('rss_gib', 0):.2f} GiB (CPU)")
    out = [f"estimate {result['recipe']} ({'TINY shrunken config, ' if result['tiny'] else ''}{result['device']}):",
           f"  rows:   {result['lengths_from']}",
           f"  step:   {s['seconds_per_micro_step']:.2f} s per micro-batch, {s['seconds_per_step']:.1f} s per "
           f"optimizer step of {result['recipe_accumulation']} ({s['steps_timed']} steps timed)",
           f"  speed:  {s['tokens_per_s']:,.0f} tokens/s" if s.get("tokens_per_s") else "  speed:  not counted",
           f"  memory: {memory}",
           f"  MFU:    {s['mfu'] * 100:.1f} % (PaLM's count)" if s.get("mfu") is not None
           else "  MFU:    unknown (no GPU, or a card without a known bf16 peak)"]
    if "projected_hours" in s:
        hours = s["projected_hours"]
        took = f"{hours:.1f} h" if hours >= 1 else f"{hours * 60:.1f} min"
        out.append(f"  run:    {s['projected_steps']:,} steps, about {took} (rows from {result['rows_from']})")
    else:
        out.append(f"  run:    not projected: rows {result['rows_from']}")
    for key, why in result["dropped"].items():
        out.append(f"  dropped {key}: {why}")
    if result.get("check"):
        c = result["check"]
        out.append(f"  export: {c['export_s']:.1f} s; merged vs base + adapter logits differ by "
                   f"{c['logits_relative_difference']:.2e} (relative, {'ok' if c['logits_agree'] else 'TOO FAR'}); "
                   f"{c['generated_tokens']} greedy tokens in {c['generate_s']:.2f} s")
    return out
