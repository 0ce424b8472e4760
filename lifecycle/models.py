"""Architecture facts of the base models our recipes name, kept as data (the checker cannot reach a model hub).

A local model folder with a `config.json` is read directly; a hub id is looked up in `BASE_MODELS`. Whether
LLaMA-Factory can scale a model's RoPE is not kept here: it is asked of the installed transformers, the way
LLaMA-Factory itself decides (`model/model_utils/rope.py`: the config class must have `rope_scaling`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HUB_SOURCE = "the model's config.json on the Hugging Face Hub (values copied by hand)"


@dataclass(frozen=True)
class ModelFacts:
    """What the checker needs to know about a base model's architecture."""

    model_type: str                       # config.json `model_type`
    max_position_embeddings: int          # the context it was trained for
    template: str | None = None           # LLaMA-Factory chat template of its instruct format
    tokenizer: str | None = None          # models sharing a tokenizer share this id (data built for one fits the other)
    rope_scaling: dict[str, Any] | None = None   # RoPE scaling already in its config (Llama 3.1: llama3 x8)
    sliding_window: int | None = None     # attention window, when the config turns one on
    source: str = HUB_SOURCE


# Sources: each model's config.json on the Hugging Face Hub; tokenizer groups from the model cards
# (Mistral-7B v0.1/v0.2 and Mixtral-8x7B use Mistral's first 32,000-token SentencePiece vocabulary).
BASE_MODELS: dict[str, ModelFacts] = {
    "mistralai/Mistral-7B-Instruct-v0.2": ModelFacts("mistral", 32768, "mistral", "mistral-v1"),
    "mistralai/Mixtral-8x7B-Instruct-v0.1": ModelFacts("mixtral", 32768, "mistral", "mistral-v1"),
    "google/gemma-7b-it": ModelFacts("gemma", 8192, "gemma", "gemma"),
    "meta-llama/Llama-2-7b-chat-hf": ModelFacts("llama", 4096, "llama2", "llama2"),
    "meta-llama/Llama-2-13b-chat-hf": ModelFacts("llama", 4096, "llama2", "llama2"),
    "meta-llama/Llama-3.1-8B-Instruct": ModelFacts(
        "llama", 131072, "llama3", "llama3",
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192}),
    # sliding_window is 131072 in its config but use_sliding_window is false: full attention.
    "Qwen/Qwen2.5-7B-Instruct": ModelFacts("qwen2", 32768, "qwen", "qwen2.5"),
    # Mistral-7B-v0.1 fine-tuned (SFT + DPO): rope_theta 10,000 and a 4,096-token sliding window, unlike v0.2.
    "HuggingFaceH4/zephyr-7b-beta": ModelFacts("mistral", 32768, "zephyr", "mistral-v1", sliding_window=4096),
    # Llama-2-7b-chat fine-tuned whole at 32,768 tokens by LongLoRA, its linear x8 RoPE factor in its config
    # (dvlab-research/LongLoRA README: "LongAlpaca-7B | 32768 | Full FT"; the author: "We include the rope_scaling
    # settings in their config"; LongAlpaca-70B's config reads {"factor": 8.0, "type": "linear"}, vocab 32,001 with
    # the added pad token). Llama-2 prompting since 2023-11-02 (the README's news), so the llama2 template.
    "Yukang/LongAlpaca-7B": ModelFacts("llama", 4096, "llama2", "llama2",
                                       rope_scaling={"type": "linear", "factor": 8.0}),
    # RWKV-4 Raven (an RNN: no attention, no RoPE). transformers' conversion writes context_length 1,024 into every
    # RWKV-4 config (mapped to max_position_embeddings); its CUDA kernel is compiled for that many tokens and
    # refuses longer sequences. GPT-NeoX-20B tokenizer (vocab 50,277), Alpaca-style instruction tuning.
    "RWKV/rwkv-raven-7b": ModelFacts("rwkv", 1024, "alpaca", "gpt-neox-20b"),
    # Built locally by `make tiny-model` (lifecycle/tiny_model.py defaults); its config.json wins once it exists.
    "models/tiny": ModelFacts("llama", 1024, None, "models/tiny", source="lifecycle/tiny_model.py defaults"),
    # Built locally by `make base-model` (lifecycle/base_model.py): SmolLM2-135M-Instruct de-quantized from its GGUF
    # (Llama architecture, 8,192 positions, ChatML = LLaMA-Factory's smollm2 template); its config.json wins once built.
    "models/smollm2-135m-instruct": ModelFacts("llama", 8192, "smollm2", "smollm2",
                                               source="the converted config.json (make base-model), copied by hand"),
}


def facts_from_config(config: dict[str, Any], source: str) -> ModelFacts:
    """Facts read from a `config.json` dict."""
    window = config.get("sliding_window")
    if config.get("use_sliding_window") is False:
        window = None
    return ModelFacts(model_type=config.get("model_type", "?"),
                      max_position_embeddings=int(config.get("max_position_embeddings") or 0),
                      tokenizer=None, rope_scaling=config.get("rope_scaling"), sliding_window=window, source=source)


def model_facts(name_or_path: str, root: Path = Path(".")) -> ModelFacts | None:
    """Facts for a recipe's `model_name_or_path`: its local config.json, else the table, else None."""
    local = root / name_or_path / "config.json"
    if local.exists():
        config = json.loads(local.read_text(encoding="utf-8"))
        known = BASE_MODELS.get(name_or_path)
        facts = facts_from_config(config, str(local))
        return ModelFacts(**{**facts.__dict__, "template": known.template if known else None,
                             "tokenizer": known.tokenizer if known else name_or_path})
    return BASE_MODELS.get(name_or_path)


def context_of(facts: ModelFacts) -> tuple[int, int]:
    """(positions the model takes as it is configured, positions before any RoPE scaling in its config).

    Llama 3.1 writes the scaled length in max_position_embeddings and the native one in rope_scaling; a linear or
    dynamic factor without `original_max_position_embeddings` (LongAlpaca: 4,096 x 8) scales max_position_embeddings.
    """
    scaling, context = facts.rope_scaling or {}, facts.max_position_embeddings
    if "original_max_position_embeddings" in scaling:
        return context, int(scaling["original_max_position_embeddings"])
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind in ("linear", "dynamic") and float(scaling.get("factor", 1)) > 1:
        return int(context * float(scaling["factor"])), context
    return context, context


def yarn_attention(factor: float) -> float:
    """YaRN's attention temperature for a scaling factor, as transformers computes it (`_compute_yarn_parameters`)."""
    import math

    return 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0


def tokenizer_id(name_or_path: str) -> str:
    """The tokenizer group of a model (its own name when not in the table)."""
    facts = BASE_MODELS.get(name_or_path)
    return facts.tokenizer if facts and facts.tokenizer else name_or_path


def rope_scaling_supported(model_type: str) -> bool:
    """Whether LLaMA-Factory applies `rope_scaling` to this architecture under the installed transformers."""
    from transformers import CONFIG_MAPPING

    if model_type not in CONFIG_MAPPING:
        return False
    return hasattr(CONFIG_MAPPING[model_type](), "rope_scaling")
