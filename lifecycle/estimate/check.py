"""After `make estimate` trains: the export `make export` does, then the merged model checked against base +
adapter on the same tokens, and a short greedy generation, so the whole lifecycle ran on this machine.

The merge goes into the unquantized base (also after QLoRA), with `cutoff_len` and `rope_scaling` given as
`make export` gives them, so a RoPE-scaled run's merged config carries the trained factor; base + adapter is
loaded with that same RoPE setting for the comparison. Logits agree to bf16 rounding on a GPU (relative
difference under 5 %), to float32 rounding on a CPU.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

TOLERANCE = {"bfloat16": 0.05, "float16": 0.05, "float32": 1e-3}


def export(base: Path, adapter: Path, out: Path, recipe: dict[str, Any]) -> float:
    """Merge `adapter` into `base` as `make export` does; returns the seconds it took."""
    from llamafactory.train.tuner import export_model

    args = {"model_name_or_path": str(base), "adapter_name_or_path": str(adapter), "finetuning_type": "lora",
            "template": recipe.get("template", "default"), "trust_remote_code": True, "export_dir": str(out),
            "export_size": 5, "export_legacy_format": False}
    args.update({k: recipe[k] for k in ("cutoff_len", "rope_scaling") if recipe.get(k)})
    start = time.perf_counter()
    export_model(args)
    return time.perf_counter() - start


def compare(base: Path, adapter: Path, merged: Path, dtype: str, device: str, tokens: int = 32) -> dict[str, Any]:
    """Merged vs base + adapter logits on the same tokens, and 8 greedy tokens from the merged model."""
    import torch
    from peft import PeftModel
    from transformers import AutoConfig, AutoModelForCausalLM

    torch_dtype = getattr(torch, dtype)
    ids = torch.arange(20, 20 + tokens, device=device).unsqueeze(0)  # `w<n>` words of the word tokenizer
    model = AutoModelForCausalLM.from_pretrained(merged, torch_dtype=torch_dtype).to(device).eval()
    with torch.no_grad():
        merged_logits = model(ids).logits.float()
        start = time.perf_counter()
        generated = model.generate(ids, max_new_tokens=8, do_sample=False, min_new_tokens=8)
        generate_s = time.perf_counter() - start
    merged_config = model.config
    del model
    config = AutoConfig.from_pretrained(base)
    for key in ("rope_scaling", "max_position_embeddings"):  # as the merged run was trained
        setattr(config, key, getattr(merged_config, key, getattr(config, key, None)))
    model = AutoModelForCausalLM.from_pretrained(base, config=config, torch_dtype=torch_dtype).to(device)
    model = PeftModel.from_pretrained(model, adapter).eval()
    with torch.no_grad():
        adapter_logits = model(ids).logits.float()
    del model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    difference = (merged_logits - adapter_logits).abs().max().item()
    scale = adapter_logits.abs().mean().item() or 1.0
    relative = difference / scale
    return {"logits_max_abs_difference": difference, "logits_relative_difference": relative,
            "logits_agree": relative < TOLERANCE.get(dtype, 0.05), "generated_tokens": generated.shape[1] - tokens,
            "generate_s": generate_s}
