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
    # Built locally by `make tiny-model` (lifecycle/tiny_model.py defaults); its config.json wins once it exists.
    "models/tiny": ModelFacts("llama", 1024, None, "models/tiny", source="lifecycle/tiny_model.py defaults"),
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
