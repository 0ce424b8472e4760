"""LongLoRA's shifted sparse attention (S²-Attn) for LLaMA-Factory runs: `attention` registers it with
transformers, `callback` switches a training run to it, `launcher` is the process `make train` starts."""

LAUNCHER_KEYS = ("s2_attn", "s2_group_size_ratio")   # recipe keys that are ours; LLaMA-Factory would refuse them
