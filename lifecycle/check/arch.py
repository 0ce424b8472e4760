"""Recipe checks one architecture needs beyond context and RoPE: RWKV (the reference design's first model).

RWKV-4 (`RwkvForCausalLM`) trains with LoRA through LLaMA-Factory 0.9.5 (tests/e2e/test_rwkv_e2e.py), but four
of its habits break settings that are right for the transformer recipes, each refused here with its reason:
- LoRA targets: `lora_target: all` takes every Linear but `lm_head`, and RWKV's output head is `head`. At inference
  (`model.eval()`) transformers divides `attention.output` and `feed_forward.value` by 2 every `rescale_every`
  layers (6 in the hub configs) to keep fp16 in range, but a LoRA delta beside them is not divided: an unmerged
  adapter on those modules then predicts wrong (tests/unit/lifecycle/test_rwkv.py measures it).
- fp16: RWKV-4 overflows in fp16 while training (its model cards: bf16 or fp32).
- packing: RWKV ignores `attention_mask`, so packed samples run through one recurrent state.
- batched generation: left padding then enters the state; predict one paper at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding
from lifecycle.models import model_facts

# Full module names of one RWKV block that a LoRA must not adapt, and what goes wrong.
RWKV_UNSAFE = {
    "rwkv.blocks.0.attention.output": "rescaled at inference without its LoRA delta",
    "rwkv.blocks.0.feed_forward.value": "rescaled at inference without its LoRA delta",
    "head": "the output head (LLaMA-Factory excludes only `lm_head`)",
}
RWKV_SAFE_TARGETS = "attention.key,attention.value,attention.receptance,feed_forward.key,feed_forward.receptance"


def lora_hits(target: str) -> list[str]:
    """The unsafe RWKV modules a LoRA target name would adapt (PEFT matches a name or a dotted suffix)."""
    return [name for name in RWKV_UNSAFE if name == target or name.endswith("." + target)]


def check_rwkv(recipe: dict[str, Any]) -> list[Finding]:
    out = []
    if recipe.get("finetuning_type", "lora") == "lora":
        targets = [t.strip() for t in str(recipe.get("lora_target", "all")).split(",") if t.strip()]
        if "all" in targets:
            out.append(Finding("lora_target", "'all' adapts RWKV's `head` and the `attention.output` / "
                               "`feed_forward.value` layers RWKV rescales at inference without the LoRA delta "
                               f"(an unmerged adapter predicts wrong): name them, e.g. {RWKV_SAFE_TARGETS}"))
        for target in targets:
            for name in lora_hits(target):
                out.append(Finding("lora_target", f"{target!r} adapts `{name.replace('rwkv.blocks.0.', '')}`, "
                                   f"{RWKV_UNSAFE[name]}: use {RWKV_SAFE_TARGETS}"))
    if recipe.get("fp16"):
        out.append(Finding("fp16", "RWKV-4 overflows in fp16 (its model cards: bf16 or fp32)"))
    for key in ("packing", "neat_packing"):
        if recipe.get(key):
            out.append(Finding(key, "RWKV ignores attention_mask: packed samples would share one recurrent state"))
    if int(recipe.get("per_device_eval_batch_size", 1)) > 1:
        out.append(Finding("per_device_eval_batch_size", "RWKV ignores attention_mask, so batched generation "
                           "feeds the left padding into its state: use 1"))
    return out


ARCHITECTURE_CHECKS = {"rwkv": check_rwkv}


def check_architecture(recipe: dict[str, Any], root: Path) -> list[Finding]:
    """Findings for the recipe's model architecture, when it has rules of its own."""
    facts = model_facts(str(recipe.get("model_name_or_path")), root)
    check = ARCHITECTURE_CHECKS.get(facts.model_type) if facts else None
    return check(recipe) if check else []
