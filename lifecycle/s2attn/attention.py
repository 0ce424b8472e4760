"""LongLoRA's shifted sparse attention (S²-Attn) as a transformers attention function (`AttentionInterface`).

Training: the sequence is cut into groups of `ratio x length` tokens; the first half of the heads attends within
the groups, the second half within groups shifted by half a group (LongLoRA's `roll(-group // 2)`), and the
outputs are shifted back. Inference (`module.training` false) is plain SDPA. Unlike LongLoRA's reference code,
the causal and padding mask is taken in the tokens' original positions, so the half-group that wraps around to
the end of the sequence does not see the future, and padding inside any group is honoured.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

NAME = "s2_attn"                  # the attn_implementation key
RATIO_ATTRIBUTE = "s2_group_size_ratio"   # read from the model config; LongLoRA's 1/4 when absent
DEFAULT_RATIO = 0.25


def register() -> None:
    """Register `s2_attn` with transformers (attention and its mask: SDPA's boolean one); idempotent."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(NAME, s2_attention_forward)
    ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, sdpa_mask)


def group_size(length: int, ratio: float) -> int:
    """Tokens per group for a sequence of `length`; a ValueError when the length does not split evenly."""
    size = int(length * ratio)
    if size < 1 or length % size:
        raise ValueError(f"S²-Attn: a sequence of {length} tokens does not split into groups of {ratio} x its "
                         f"length ({size}); batches must be padded to a multiple of {round(1 / ratio)}")
    return size


def positions(length: int, size: int, shifted: bool, device: torch.device) -> torch.Tensor:
    """(groups, size): the original position of each token in each group, after LongLoRA's shift if `shifted`."""
    pos = torch.arange(length, device=device)
    if shifted:
        pos = pos.roll(-(size // 2))
    return pos.view(length // size, size)


def group_mask(mask: torch.Tensor | None, pos: torch.Tensor, batch: int, window: int | None,
               causal: bool) -> torch.Tensor:
    """(batch, groups, size, size) booleans, True = attend, for the groups `pos` describes.

    `mask` is the model's 4D mask (batch, 1, q, k): booleans (True = attend) or additive floats; None means
    plain causal (or all-to-all for a non-causal module). A token may always attend to itself, so no row is
    empty (a padding row's output is never read)."""
    q, k = pos[:, :, None], pos[:, None, :]
    if mask is None:
        allowed = (k <= q) if causal else torch.ones_like(k <= q)
        if window:
            allowed = allowed & (q - k < window)
        allowed = allowed.expand(batch, *allowed.shape)
    else:
        if mask.dtype != torch.bool:
            mask = mask > torch.finfo(mask.dtype).min / 2
        allowed = mask[:, 0][:, q, k].expand(batch, -1, -1, -1)
    return allowed | (q == k)


def _attend(q, k, v, mask, pos, size, shifted, dropout, scaling, causal, window) -> torch.Tensor:
    """One half of the heads, (b, h, L, d): grouped (and shifted) attention, back in (b, h, L, d).

    Groups are a view of the sequence, (b, h, groups, size, d); SDPA takes the extra dimension as batch."""
    b, h, length, d = q.shape
    groups, half = length // size, size // 2
    if shifted:
        q, k, v = (t.roll(-half, dims=2) for t in (q, k, v))
    q, k, v = (t.reshape(b, h, groups, size, d) for t in (q, k, v))
    if mask is not None or not causal or window:
        allowed = group_mask(mask, pos, b, window, causal)[:, None]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout, scale=scaling)
    else:  # plain causal: every group holds consecutive positions, so the causal kernels apply, except the
        # shifted half's last group, which wraps around to the start and takes an explicit mask
        plain = groups - 1 if shifted else groups
        parts = [t.split([plain, groups - plain], dim=2) for t in (q, k, v)]
        out = F.scaled_dot_product_attention(*(p[0].reshape(b, h * plain, size, d) for p in parts), is_causal=True,
                                             dropout_p=dropout, scale=scaling).view(b, h, plain, size, d)
        if shifted:
            allowed = group_mask(None, pos[plain:], 1, None, True)[:, None]
            last = F.scaled_dot_product_attention(*(p[1] for p in parts), attn_mask=allowed, dropout_p=dropout,
                                                  scale=scaling)
            out = torch.cat([out, last], dim=2)
    out = out.reshape(b, h, length, d)
    return out.roll(half, dims=2) if shifted else out


def s2_attention_forward(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                         attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                         is_causal: bool | None = None, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """S²-Attn while `module.training`, SDPA otherwise; query (b, h, L, d), key/value (b, h_kv, L, d).

    Returns (b, L, h, d), as every `AttentionInterface` function does."""
    length = query.shape[2]
    if not module.training or key.shape[2] != length or length < 2:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, is_causal=is_causal, **kwargs)
    ratio = getattr(getattr(module, "config", None), RATIO_ATTRIBUTE, None) or DEFAULT_RATIO
    size = group_size(length, ratio)
    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    if attention_mask is not None and attention_mask.ndim == 4:
        attention_mask = attention_mask[:, :, :, :length]
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    window = kwargs.get("sliding_window")
    window = window if window and window < length else None
    half = query.shape[1] // 2   # LongLoRA shifts heads [h // 2:]
    outs = []
    for q, k, v, shifted in zip(*(t.split([half, t.shape[1] - half], dim=1) for t in (query, key, value)),
                                (False, True), strict=True):
        if q.shape[1]:
            pos = positions(length, size, shifted, query.device)
            outs.append(_attend(q, k, v, attention_mask, pos, size, shifted, dropout, scaling, causal, window))
    return torch.cat(outs, dim=1).transpose(1, 2).contiguous(), None
