"""Step time of S²-Attn (`lifecycle/s2attn/attention.py`) against full causal SDPA on CPU, at lengths where
attention dominates: forward + backward of one attention call, and one training step of a tiny Llama.

    python bench/s2attn.py                         # attention at 4,096 and 8,192 tokens; a 2-layer Llama at 4,096
    python bench/s2attn.py --lengths 16384 --heads 8 --repeats 3

Both sides get the same random tensors and the same model weights; each figure is the median of --repeats
timed runs after one warm-up (a shared 2-core machine is noisy, so the spread is printed too). Nothing is
written; torch's thread count is whatever the machine gives (`--threads` sets it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifecycle.s2attn import attention  # noqa: E402
from lifecycle.s2attn.callback import enable  # noqa: E402


def timed(step, repeats: int) -> tuple[float, float]:
    """Median and spread (max - min) in seconds of `step()` over `repeats` runs after one warm-up."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times) - min(times)


def attention_step(length: int, heads: int, head_dim: int, s2: bool):
    """forward + backward of one attention call on (1, heads, length, head_dim) tensors."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, heads, length, head_dim, requires_grad=True) for _ in range(3))
    module = torch.nn.Module().train(True)
    module.config, module.is_causal = SimpleNamespace(s2_group_size_ratio=0.25), True

    def step():
        if s2:
            out, _ = attention.s2_attention_forward(module, q, k, v, None)
        else:
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.sum().backward()
    return step


def model_step(length: int, s2: bool):
    """One training step (forward, backward, SGD) of a 2-layer Llama, hidden 256, 8 heads, on one sequence."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=512, hidden_size=256, intermediate_size=512, num_hidden_layers=2,
                         num_attention_heads=8, num_key_value_heads=8, max_position_embeddings=length)
    model = LlamaForCausalLM(config).train()
    model.set_attn_implementation("sdpa")
    if s2:
        enable(model, 0.25)
    ids = torch.randint(0, 512, (1, length))
    optim = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        model(input_ids=ids, labels=ids).loss.backward()
        optim.step()
        optim.zero_grad()
    return step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="4096,8192", help="attention lengths, comma-separated")
    parser.add_argument("--model-length", type=int, default=4096, help="tiny Llama step length (0: skip)")
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; median (spread) of {args.repeats} runs")
    cases = [(f"attention fwd+bwd, {n:,} tokens, {args.heads} heads x {args.head_dim}",
              lambda s2, n=n: attention_step(n, args.heads, args.head_dim, s2))
             for n in map(int, args.lengths.split(","))]
    if args.model_length:
        cases.append((f"tiny Llama train step, {args.model_length:,} tokens (2 layers, hidden 256)",
                      lambda s2: model_step(args.model_length, s2)))
    for label, build in cases:
        full, full_spread = timed(build(False), args.repeats)
        s2, s2_spread = timed(build(True), args.repeats)
        print(f"{label}: full causal {full * 1000:,.0f} ms (±{full_spread * 500:,.0f}), S²-Attn 1/4 "
              f"{s2 * 1000:,.0f} ms (±{s2_spread * 500:,.0f}): {full / s2:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
