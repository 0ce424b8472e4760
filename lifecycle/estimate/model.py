"""The model `make estimate` trains: the recipe's architecture from its `config.json` alone, random weights made
on the device, and a word-level tokenizer, so nothing is downloaded.

Speed and memory depend on the architecture, the sequence lengths and the vocabulary size in the config, not
on the trained weights or the real tokenizer's merges: random weights in the recipe's dtype train as fast and
take as much memory as the real ones. The catalogue's configs are kept in `configs/` (each the model's
`config.json` on the Hugging Face Hub, values copied by hand); a local model folder's own config wins.
The tokenizer maps each `w<n>` word to one token, so a synthetic row of N words is N tokens, and holds every
special token the catalogue's chat templates use (LLaMA-Factory then adds none: no vocabulary resize, which
4-bit quantization would refuse). `shrink` gives the TINY=1 config: the same architecture, 16 times smaller
in context and a few units wide, for CPU tests of a recipe's code path.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from lifecycle.recipe import RecipeError

CONFIGS = Path(__file__).parent / "configs"
WORDS = 2000  # ordinary words in the tokenizer (`w0` ... `w1999`)
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>",
                  "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
                  "<|im_start|>", "<|im_end|>", "<|endoftext|>", "[INST]", "[/INST]"]
# Template -> (bos, eos, pad) as the real tokenizers of the catalogue set them.
TEMPLATE_TOKENS = {"mistral": ("<s>", "</s>", "<pad>"), "llama2": ("<s>", "</s>", "<pad>"),
                   "gemma": ("<bos>", "<eos>", "<pad>"), "llama3": ("<|begin_of_text|>", "<|eot_id|>", "<pad>"),
                   "qwen": (None, "<|im_end|>", "<|endoftext|>")}
TINY_FACTOR = 16
TINY_WIDTH = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4}


def base_config(model: str) -> dict[str, Any]:
    """A model's `config.json`: the local folder's, else the catalogue's copy; a RecipeError otherwise."""
    local = Path(model) / "config.json"
    if local.is_file():
        return json.loads(local.read_text(encoding="utf-8"))
    kept = CONFIGS / f"{model.replace('/', '__')}.json"
    if kept.is_file():
        return json.loads(kept.read_text(encoding="utf-8"))
    known = ", ".join(sorted(p.stem.replace("__", "/") for p in CONFIGS.glob("*.json")))
    raise RecipeError(f"no config.json for {model}: give a local model folder, or one of {known}")


def shrink(config: dict[str, Any], factor: int = TINY_FACTOR) -> dict[str, Any]:
    """The same architecture a few units wide, its context and RoPE lengths divided by `factor`."""
    out = {**config, **TINY_WIDTH, "vocab_size": WORDS + len(SPECIAL_TOKENS) + 1}
    heads, kv = config.get("num_attention_heads", 4), config.get("num_key_value_heads")
    if kv:
        out["num_key_value_heads"] = max(1, TINY_WIDTH["num_attention_heads"] * kv // heads)
    if config.get("attention_hidden_size"):  # RWKV's time-mix width
        out["attention_hidden_size"] = TINY_WIDTH["hidden_size"]
    if "head_dim" in config:
        out["head_dim"] = TINY_WIDTH["hidden_size"] // TINY_WIDTH["num_attention_heads"]
    if "num_local_experts" in config:
        out["num_local_experts"] = min(4, config["num_local_experts"])
    for key in ("max_position_embeddings", "sliding_window", "context_length"):  # context_length: RWKV's
        if isinstance(config.get(key), int):
            out[key] = max(64, config[key] // factor)
    if "max_window_layers" in config:
        out["max_window_layers"] = TINY_WIDTH["num_hidden_layers"]
    scaling = config.get("rope_scaling")
    if isinstance(scaling, dict) and "original_max_position_embeddings" in scaling:
        original = scaling["original_max_position_embeddings"] // factor
        out["rope_scaling"] = {**scaling, "original_max_position_embeddings": original}
    for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
        out.pop(key, None)  # the word tokenizer's ids are set when the model is built
    return out


def word_tokenizer(template: str | None):
    """A transformers fast tokenizer: `w<n>` words one token each, every special token of the templates."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + [f"w{n}" for n in range(WORDS)])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    bos, eos, pad = TEMPLATE_TOKENS.get(template or "", ("<s>", "</s>", "<pad>"))
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token=bos, eos_token=eos,
                                   pad_token=pad, additional_special_tokens=SPECIAL_TOKENS[4:],
                                   model_max_length=1 << 20, model_input_names=["input_ids", "attention_mask"])


def parameter_counts(config: dict[str, Any]) -> tuple[int, int]:
    """(all parameters, input-embedding parameters) of `config`, counted on the meta device (no memory)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.for_model(**config)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    total = sum(p.numel() for p in model.parameters())
    return total, model.get_input_embeddings().weight.numel()


def build_model(folder: Path, config: dict[str, Any], template: str | None, dtype: str, device: str) -> Path:
    """Random weights for `config`, made on `device` in `dtype`, saved with the word tokenizer in `folder`."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig

    tokenizer = word_tokenizer(template)
    ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id}
    cfg = AutoConfig.for_model(**{**config, **ids, "torch_dtype": dtype})
    cfg.vocab_size = max(int(cfg.vocab_size), len(tokenizer))
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(cfg, torch_dtype=getattr(torch, dtype))
    model.generation_config = GenerationConfig(**ids)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    del model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return folder


def cached_model(work: Path, config: dict[str, Any], template: str | None, dtype: str, device: str) -> Path:
    """`build_model` into `work/base`, or, with `$ESTIMATE_CACHE` set, into that folder once per architecture."""
    cache = os.environ.get("ESTIMATE_CACHE")
    if not cache:
        return build_model(work / "base", config, template, dtype, device)
    key = json.dumps({"config": config, "template": template, "dtype": dtype}, sort_keys=True, default=str)
    folder = Path(cache) / hashlib.sha256(key.encode()).hexdigest()[:16]
    if (folder / "config.json").exists() and (folder / "tokenizer_config.json").exists():
        os.utime(folder)  # most recently used
        return folder
    return build_model(folder, config, template, dtype, device)
