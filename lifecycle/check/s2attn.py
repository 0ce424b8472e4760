"""Our S²-Attn keys (`s2_attn`, `s2_group_size_ratio`; see `lifecycle/s2attn/`): where the shifted sparse
attention works it is a note saying how the run will group its tokens, and where it cannot, an error saying why.
LLaMA-Factory never sees these keys: the launcher takes them out, and so does the checker before the parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding, note
from lifecycle.models import model_facts
from lifecycle.s2attn import LAUNCHER_KEYS
from lifecycle.s2attn.attention import DEFAULT_RATIO

# LLaMA-Factory's SFT, RM, DPO and KTO collators pad training batches to a multiple of 8 ("for shift short
# attention", train/sft/workflow.py), so any length splits into 1, 2, 4 or 8 groups; pt packs cutoff_len blocks.
PAD_MULTIPLE = 8
PADDED_STAGES = ("sft", "rm", "dpo", "kto")


def without_launcher_keys(recipe: dict[str, Any]) -> dict[str, Any]:
    """The recipe as LLaMA-Factory receives it from our launcher."""
    return {k: v for k, v in recipe.items() if k not in LAUNCHER_KEYS}


def check_s2_attn(recipe: dict[str, Any], root: Path) -> list[Finding]:
    """Findings for the S²-Attn keys; none when the recipe has none."""
    if not any(k in recipe for k in LAUNCHER_KEYS):
        return []
    enabled, ratio = recipe.get("s2_attn", False), recipe.get("s2_group_size_ratio", DEFAULT_RATIO)
    if not isinstance(enabled, bool):
        return [Finding("s2_attn", f"{enabled!r} must be true or false")]
    if not enabled:
        return [Finding("s2_group_size_ratio", "only applies with s2_attn: true")] if "s2_group_size_ratio" \
            in recipe else []
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
        return [Finding("s2_group_size_ratio", f"{ratio!r} must be a share of the length in (0, 1], e.g. 0.25")]
    out = _groups(recipe, float(ratio)) + _architecture(recipe, root)
    if recipe.get("shift_attn"):
        out.append(Finding("shift_attn", "LLaMA-Factory's own S^2-attn and ours together: drop shift_attn"))
    if recipe.get("finetuning_type", "lora") == "lora" and not _trains_embeddings_and_norms(recipe):
        out.append(note("additional_target", "LongLoRA also trains the embeddings and norms: "
                        "additional_target: embed_tokens,norm"))
    if recipe.get("flash_attn") in ("fa2", "fa3"):
        out.append(note("flash_attn", "applies outside training only: training attention is S²-Attn on SDPA"))
    return out


def _groups(recipe: dict[str, Any], ratio: float) -> list[Finding]:
    """Every training batch length must split into 1 / ratio groups."""
    count, stage, cutoff = round(1 / ratio), recipe.get("stage", "sft"), int(recipe.get("cutoff_len", 2048))
    if abs(count * ratio - 1) > 1e-9:
        return [Finding("s2_group_size_ratio", f"{ratio} is not 1/n: a length cannot split into 1/{ratio} groups")]
    if stage in PADDED_STAGES and PAD_MULTIPLE % count:
        return [Finding("s2_group_size_ratio", f"1/{count}: batches are padded to a multiple of {PAD_MULTIPLE}, "
                        f"so a batch length need not split into {count} groups; use 1/2, 1/4 or 1/8")]
    if stage == "pt" and cutoff % count:
        return [Finding("cutoff_len", f"{cutoff} does not split into {count} groups: pt trains on blocks of "
                        f"cutoff_len tokens; use a multiple of {count}")]
    if stage not in (*PADDED_STAGES, "pt"):
        return [Finding("s2_attn", f"stage {stage}: S²-Attn is wired for pt, sft, rm, dpo and kto")]
    return [note("s2_attn", f"groups of 1/{count} of each batch's length ({cutoff // count} tokens at cutoff_len "
                 f"{cutoff}), half the heads shifted by half a group; `make train` launches "
                 "lifecycle/s2attn/launcher.py")]


def _architecture(recipe: dict[str, Any], root: Path) -> list[Finding]:
    """The model's attention must go through transformers' AttentionInterface, or S²-Attn cannot replace it."""
    import transformers
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    facts = model_facts(str(recipe.get("model_name_or_path")), root)
    if facts is None:
        return []  # check_model reports the unknown model
    name = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(facts.model_type)
    cls = getattr(transformers, name, None) if name else None
    if cls is None:
        return [Finding("s2_attn", f"{facts.model_type}: transformers {transformers.__version__} has no causal-LM "
                        "class for it")]
    if not (cls._supports_attention_backend and cls._can_set_attn_implementation()):
        return [Finding("s2_attn", f"{cls.__name__} ({facts.model_type}) does not route its attention through "
                        f"transformers' AttentionInterface in {transformers.__version__}, so S²-Attn cannot "
                        "replace it")]
    return []


def _trains_embeddings_and_norms(recipe: dict[str, Any]) -> bool:
    targets = [t.strip() for t in str(recipe.get("additional_target") or "").split(",")]
    return any("embed" in t for t in targets) and any("norm" in t for t in targets)
