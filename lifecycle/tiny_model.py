"""`make tiny-model`: a random-init Llama-architecture model for CPU tests and the demo (`--rwkv-from`: a tiny
RWKV-4 with the same tokenizer, for the RWKV recipe's tests).

Byte-level BPE tokenizer trained on the bundled sample's text (notes and PDFs), so real papers tokenize
to sensible lengths; Llama architecture, so LLaMA-Factory's RoPE scaling applies; special tokens
`<s>`/`</s>` only, which is all the stock `mistral` template needs (no vocabulary resize, so 4-bit
quantization works). Saved with the pinned transformers (a tokenizer saved under transformers 5 does
not load under 4.57).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]


def sample_texts(sample: Path) -> Iterator[str]:
    """Every string in the sample's notes and the text of its PDFs."""
    import pypdfium2

    def strings(obj) -> Iterator[str]:
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, dict):
            for value in obj.values():
                yield from strings(value)
        elif isinstance(obj, list):
            for value in obj:
                yield from strings(value)

    for notes in sorted(sample.glob("*/notes.jsonl")):
        for line in notes.read_text(encoding="utf-8").splitlines():
            yield from strings(json.loads(line))
    for pdf_path in sorted(sample.glob("*/pdfs/*.pdf")):
        pdf = pypdfium2.PdfDocument(pdf_path)
        try:
            for page in pdf:
                yield page.get_textpage().get_text_range()
        finally:
            pdf.close()


def train_tokenizer(texts: Iterator[str], vocab_size: int):
    """A byte-level BPE tokenizer wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<s>",
                                   eos_token="</s>", pad_token="<pad>", model_max_length=1 << 20,
                                   model_input_names=["input_ids", "attention_mask"])  # Llama takes no token_type_ids


def build_tiny_model(sample: Path, out: Path, vocab_size: int = 4096, max_positions: int = 1024,
                     seed: int = 0) -> Path:
    """Train the tokenizer, initialise the model from `seed`, save both under `out`."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = train_tokenizer(sample_texts(sample), vocab_size)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=176, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=max_positions,
        rope_theta=10000.0, tie_word_embeddings=True, torch_dtype="float32",
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(bos_token_id=tokenizer.bos_token_id,
                                               eos_token_id=tokenizer.eos_token_id,
                                               pad_token_id=tokenizer.pad_token_id)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def build_tiny_rwkv(tokenizer_dir: Path, out: Path, context_length: int = 1024, rescale_every: int = 1,
                    seed: int = 0) -> Path:
    """A random-init RWKV-4 (`RwkvForCausalLM`, hidden 64, 2 layers) with the tiny model's tokenizer, for RWKV
    recipes on CPU. `rescale_every=1` makes even 2 layers take RWKV's inference-time weight rescaling."""
    import torch
    from transformers import AutoTokenizer, GenerationConfig, RwkvConfig, RwkvForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id}
    config = RwkvConfig(vocab_size=len(tokenizer), context_length=context_length, hidden_size=64,
                        attention_hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                        rescale_every=rescale_every, tie_word_embeddings=False, **ids)
    torch.manual_seed(seed)
    model = RwkvForCausalLM(config)
    model.generation_config = GenerationConfig(**ids)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=Path("data/sample"))
    parser.add_argument("--out", type=Path, default=Path("models/tiny"))
    parser.add_argument("--vocab-size", type=int, default=4096)
    parser.add_argument("--max-positions", type=int, default=1024,
                        help="max_position_embeddings; RoPE scaling tests train above it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rwkv-from", type=Path, default=None, metavar="TINY_DIR",
                        help="instead: a tiny RWKV-4 with the tokenizer of the tiny model in TINY_DIR")
    args = parser.parse_args(argv)
    if args.rwkv_from:
        out = build_tiny_rwkv(args.rwkv_from, args.out, args.max_positions, seed=args.seed)
    else:
        out = build_tiny_model(args.sample, args.out, args.vocab_size, args.max_positions, args.seed)
    print(f"tiny model written to {out}")


if __name__ == "__main__":
    main()
