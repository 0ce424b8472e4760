"""S²-Attn (`lifecycle/s2attn/attention.py`) against a straightforward reference written here: per head, a dense
softmax over the keys in the query's group (plain groups for the first half of the heads, groups shifted by half
a group for the rest), earlier in the original sequence and not padding. Then the function inside real tiny
Llama, Mistral, Qwen2 and Gemma models through transformers' AttentionInterface."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from transformers import AutoModelForCausalLM, GemmaConfig, LlamaConfig, MistralConfig, Qwen2Config
from transformers.masking_utils import sdpa_mask

from lifecycle.s2attn import attention
from lifecycle.s2attn.callback import enable


def reference(q, k, v, ratio, valid, causal=True, window=None):
    """(b, h, L, d) queries, (b, h_kv, L, d) keys/values, (b, L) valid tokens -> (b, L, h, d), loop by head."""
    b, h, length, d = q.shape
    k, v = k.repeat_interleave(h // k.shape[1], 1), v.repeat_interleave(h // v.shape[1], 1)
    size = int(length * ratio)
    i, j = torch.arange(length)[:, None], torch.arange(length)[None, :]
    out = torch.zeros(b, length, h, d)
    for head in range(h):
        shift = size // 2 if head >= h // 2 else 0
        group = (torch.arange(length) - shift) % length // size
        allowed = (group[:, None] == group[None, :]) & valid[:, None, :]
        if causal:
            allowed = allowed & (j <= i)
        if window:
            allowed = allowed & (i - j < window)
        allowed = allowed | (i == j)
        scores = q[:, head] @ k[:, head].transpose(-1, -2) / math.sqrt(d)
        out[:, :, head] = scores.masked_fill(~allowed, float("-inf")).softmax(-1) @ v[:, head]
    return out


def module(ratio: float, training: bool = True, kv_groups: int = 1) -> torch.nn.Module:
    mod = torch.nn.Module()
    mod.config = SimpleNamespace(s2_group_size_ratio=ratio)
    mod.num_key_value_groups, mod.is_causal = kv_groups, True
    return mod.train(training)


def padded(lengths: list[int], length: int) -> torch.Tensor:
    return torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]


SHAPES = [  # batch, heads, kv heads, length, head dim, ratio, real lengths (right padding) or None
    (1, 2, 2, 16, 8, 0.25, None),
    (2, 4, 4, 32, 16, 0.25, [32, 19]),
    (3, 8, 2, 64, 8, 0.25, [64, 40, 9]),     # grouped-query attention, a sample shorter than one group
    (2, 4, 4, 48, 8, 0.5, [48, 30]),
    (1, 6, 3, 24, 4, 0.125, None),
]


@pytest.mark.parametrize(("b", "h", "hkv", "length", "d", "ratio", "lengths"), SHAPES)
def test_s2_attention_equals_the_reference(b, h, hkv, length, d, ratio, lengths):
    torch.manual_seed(length * h)
    q, k, v = torch.randn(b, h, length, d), torch.randn(b, hkv, length, d), torch.randn(b, hkv, length, d)
    valid = padded(lengths, length) if lengths else torch.ones(b, length, dtype=torch.bool)
    mask = None  # no padding: transformers passes no mask and relies on causality
    if lengths:
        mask = sdpa_mask(batch_size=b, cache_position=torch.arange(length), kv_length=length,
                         attention_mask=valid, allow_is_causal_skip=False)
    out, _ = attention.s2_attention_forward(module(ratio, kv_groups=h // hkv), q, k, v, mask, scaling=d ** -0.5)
    want = reference(q, k, v, ratio, valid)
    assert out.shape == (b, length, h, d)
    torch.testing.assert_close(out[valid], want[valid], atol=1e-5, rtol=1e-4)


def test_an_additive_float_mask_and_a_sliding_window_match_the_reference():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 4, 32, 8) for _ in range(3))
    valid = padded([32, 21], 32)
    out, _ = attention.s2_attention_forward(module(0.25), q, k, v, None, sliding_window=5)
    torch.testing.assert_close(out, reference(q, k, v, 0.25, torch.ones(2, 32, dtype=torch.bool), window=5))
    allowed = valid[:, None, None, :] & torch.ones(32, 32, dtype=torch.bool).tril()
    additive = torch.zeros(allowed.shape).masked_fill(~allowed, torch.finfo(torch.float32).min)
    out, _ = attention.s2_attention_forward(module(0.25), q, k, v, additive)
    torch.testing.assert_close(out[valid], reference(q, k, v, 0.25, valid)[valid])


def test_inference_is_plain_sdpa_and_a_length_that_does_not_split_is_refused():
    torch.manual_seed(1)
    q, k, v = (torch.randn(1, 2, 16, 8) for _ in range(3))
    out, _ = attention.s2_attention_forward(module(0.25, training=False), q, k, v, None)
    full = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2)
    torch.testing.assert_close(out, full)
    q, k, v = (torch.randn(1, 2, 18, 8) for _ in range(3))
    with pytest.raises(ValueError, match="18 tokens does not split into groups of 0.25 x its length"):
        attention.s2_attention_forward(module(0.25), q, k, v, None)


CONFIGS = {"llama": LlamaConfig, "mistral": MistralConfig, "qwen2": Qwen2Config, "gemma": GemmaConfig}


@pytest.mark.parametrize("arch", sorted(CONFIGS))
def test_every_architecture_takes_it_through_the_attention_interface(arch, monkeypatch):
    torch.manual_seed(2)
    config = CONFIGS[arch](vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
                           attention_dropout=0.0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa").train()
    ids = torch.randint(0, 64, (2, 32))
    mask = padded([32, 23], 32).long()
    sdpa = model(input_ids=ids, attention_mask=mask).logits
    calls = []
    forward = attention.s2_attention_forward
    monkeypatch.setattr(attention, "s2_attention_forward", lambda *a, **kw: calls.append(1) or forward(*a, **kw))
    try:
        enable(model, 1.0)  # one group: the shifted half is a permutation of the whole sequence, so = SDPA
        one_group = model(input_ids=ids, attention_mask=mask).logits
        enable(model, 0.25)
        grouped = model(input_ids=ids, attention_mask=mask).logits
        evaluated = model.eval()(input_ids=ids, attention_mask=mask).logits
    finally:
        monkeypatch.undo()
        attention.register()
    real = mask.bool()
    assert len(calls) == 3 * 2  # 3 passes x 2 layers
    assert model.config._attn_implementation == "s2_attn" and model.config.s2_group_size_ratio == 0.25
    torch.testing.assert_close(one_group[real], sdpa[real], atol=1e-5, rtol=1e-4)
    assert (grouped[real] - sdpa[real]).abs().max() > 1e-3, "groups of a quarter should change the output"
    torch.testing.assert_close(evaluated[real], sdpa[real], atol=1e-5, rtol=1e-4)


def test_the_launcher_starts_one_process_or_torchrun_as_launch_env_asks():
    from pathlib import Path

    from lifecycle.s2attn.launcher import command

    assert command(Path("t.yaml"), {})[1:] == ["-m", "lifecycle.s2attn.launcher", "t.yaml"]
    env = {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": "8", "NNODES": "2", "NODE_RANK": "1", "MASTER_ADDR": "10.0.0.1",
           "MASTER_PORT": "29500"}
    assert command(Path("t.yaml"), env)[1:] == [
        "-m", "torch.distributed.run", "--nnodes", "2", "--node_rank", "1", "--nproc_per_node", "8",
        "--master_addr", "10.0.0.1", "--master_port", "29500", "-m", "lifecycle.s2attn.launcher", "t.yaml"]
