"""Recipe checks on the model and the hardware plan: template, context length and RoPE scaling against the
architecture (`lifecycle/models.py`), quantization against the DeepSpeed ZeRO stage, keys that cannot work."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding, note
from lifecycle.models import context_of, model_facts, rope_scaling_supported, yarn_attention


def check_model(recipe: dict[str, Any], root: Path) -> list[Finding]:
    from llamafactory.data.template import TEMPLATES

    out = []
    model = str(recipe.get("model_name_or_path"))
    template = recipe.get("template")
    if template is not None and template not in TEMPLATES:
        close = difflib.get_close_matches(str(template), TEMPLATES, n=3)
        out.append(Finding("template", f"{template!r} is not a LLaMA-Factory template (close: {close})"))
    facts = model_facts(model, root)
    if facts is None:
        return out + [Finding("model_name_or_path", f"{model} has no local config.json and is not in "
                              "lifecycle/models.py: add its model_type, max_position_embeddings and template there")]
    if facts.template and template != facts.template:
        out.append(Finding("template", f"{model} chats in the {facts.template!r} format, not {template!r}"))
    cutoff, rope = int(recipe.get("cutoff_len", 2048)), recipe.get("rope_scaling")
    context, native = context_of(facts)  # as configured, and before the config's own RoPE scaling
    if rope is not None:
        if not rope_scaling_supported(facts.model_type):
            out.append(Finding("rope_scaling", f"{facts.model_type} ignores it: LLaMA-Factory only warns "
                        "'Current model does not support RoPE scaling' and trains unscaled"))
        elif facts.rope_scaling:
            kind = facts.rope_scaling.get("rope_type", facts.rope_scaling.get("type"))
            out.append(Finding("rope_scaling", f"{model} already scales RoPE ({kind}"
                        f" to {context} positions); LLaMA-Factory would replace that with {rope} x"
                        f"{-(-cutoff // native)} from {native}"))
        elif cutoff <= context:
            out.append(Finding("rope_scaling", f"no effect: cutoff_len {cutoff} <= the model's {context} "
                        "positions, and LLaMA-Factory then disables it"))
        else:
            factor = -(-cutoff // context)
            out.append(note("rope_scaling", f"{rope} x{factor}: {context} -> {context * factor} positions"
                        + ("; LLaMA-Factory warns dynamic NTK may not suit fine-tuning" if rope == "dynamic" else "")
                        + (f"; YaRN also scales attention logits by {yarn_attention(factor):.3f} (0.1 ln {factor} + 1)"
                           if rope == "yarn" else "")))
    elif cutoff > context:
        fix = "set rope_scaling (linear or dynamic) or lower it" if rope_scaling_supported(facts.model_type) \
            else "lower it: LLaMA-Factory cannot scale RoPE for " + facts.model_type
        out.append(Finding("cutoff_len", f"{cutoff} exceeds {model}'s context of {context} positions: {fix}"))
    if facts.sliding_window and cutoff > facts.sliding_window:
        out.append(note("cutoff_len", f"attention is windowed at {facts.sliding_window} tokens"))
    return out


def deepspeed_stage(recipe: dict[str, Any], root: Path) -> tuple[int | None, Path | None, list[Finding]]:
    """The ZeRO stage of the recipe's DeepSpeed JSON (None without one), the file, and problems with it."""
    if not recipe.get("deepspeed"):
        return None, None, []
    path = root / str(recipe["deepspeed"])
    if not path.exists():
        return None, None, [Finding("deepspeed", f"{recipe['deepspeed']} does not exist")]
    try:
        stage = json.loads(path.read_text(encoding="utf-8")).get("zero_optimization", {}).get("stage", 0)
    except json.JSONDecodeError as exc:
        return None, None, [Finding("deepspeed", f"{recipe['deepspeed']} is not valid JSON ({exc})")]
    if stage not in (0, 1, 2, 3):
        problem = f"zero_optimization.stage {stage!r} in {recipe['deepspeed']} is not 0-3"
        return None, None, [Finding("deepspeed", problem)]
    return stage, path, []


def check_quantization(recipe: dict[str, Any], stage: int | None) -> list[Finding]:
    """Quantization settings that are silently ignored or cannot work with the ZeRO stage."""
    out = []
    bits, method = recipe.get("quantization_bit"), recipe.get("quantization_method", "bnb")
    four_bit_bnb = bits == 4 and method == "bnb"
    if bits is not None and method == "bnb" and bits not in (4, 8):
        out.append(Finding("quantization_bit", f"bitsandbytes quantizes to 4 or 8 bits, not {bits}"))
    for key in ("quantization_type", "double_quantization"):
        if key in recipe and not four_bit_bnb:
            out.append(Finding(key, "only applies to 4-bit bitsandbytes (quantization_bit: 4); here it is ignored"))
    if stage == 3 and bits is not None:
        if method == "bnb" and bits != 4:
            out.append(Finding("quantization_bit", "DeepSpeed ZeRO-3 shards only 4-bit bitsandbytes models "
                                            "(LLaMA-Factory: 'Only 4-bit quantized model can use fsdp+qlora')"))
        elif method in ("hqq", "eetq"):
            out.append(Finding("quantization_method", f"{method} is incompatible with DeepSpeed ZeRO-3"))
        elif four_bit_bnb and not (recipe.get("bf16") or recipe.get("fp16")):
            out.append(Finding("quantization_bit", "ZeRO-3 with 4-bit needs bf16 or fp16: the 4-bit storage dtype "
                                            "follows the compute dtype so ZeRO-3 can shard it"))
    return out


def check_misc(recipe: dict[str, Any]) -> list[Finding]:
    import transformers
    from packaging.version import Version

    out = []
    if recipe.get("shift_attn") and Version(transformers.__version__) >= Version("4.48"):
        out.append(Finding("shift_attn", f"LongLoRA S^2-attn needs transformers < 4.48 in LLaMA-Factory 0.9.5; "
                                  f"{transformers.__version__} is installed, so training would stop; "
                                  "s2_attn: true is ours (lifecycle/s2attn/)"))
    if recipe.get("bf16") and recipe.get("fp16"):
        out.append(Finding("fp16", "bf16 and fp16 are both set: pick one"))
    if recipe.get("lr_scheduler_type") == "constant" and (recipe.get("warmup_ratio") or recipe.get("warmup_steps")):
        out.append(Finding("lr_scheduler_type", "'constant' ignores warmup: use constant_with_warmup"))
    save = recipe.get("save_steps", 500)
    if recipe.get("save_strategy", "steps") == "steps" and not (isinstance(save, float) and 0 < save <= 0.1):
        out.append(Finding("save_steps", f"{save} steps may be most of a run (or never reached): give a share "
                                         "of the run, at most 0.1, so a killed run loses at most a tenth"))
    return out
