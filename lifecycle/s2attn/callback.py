"""S²-Attn inside LLaMA-Factory's training process: our keys split from the rest, attention registered, and a
callback that switches the loaded (PEFT-wrapped) model to it when training begins; `run_exp` does the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformers import TrainerCallback

from lifecycle.s2attn import LAUNCHER_KEYS
from lifecycle.s2attn.attention import DEFAULT_RATIO, NAME, RATIO_ATTRIBUTE, register


@dataclass(frozen=True)
class S2Settings:
    """What a run asked of S²-Attn."""

    enabled: bool = False
    ratio: float = DEFAULT_RATIO   # group = ratio x the batch's length (LongLoRA: 1/4)


def split(config: dict[str, Any]) -> tuple[dict[str, Any], S2Settings]:
    """The LLaMA-Factory arguments of `config` and our S²-Attn settings."""
    rest = {k: v for k, v in config.items() if k not in LAUNCHER_KEYS}
    ratio = config.get("s2_group_size_ratio")
    return rest, S2Settings(bool(config.get("s2_attn")), float(ratio) if ratio is not None else DEFAULT_RATIO)


def enable(model: Any, ratio: float) -> Any:
    """Switch the (possibly PEFT-wrapped) model's attention to S²-Attn; returns its transformers model.

    A model whose attention does not go through transformers' AttentionInterface is refused, not ignored."""
    from transformers import PreTrainedModel

    base = next((m for m in model.modules() if isinstance(m, PreTrainedModel)), None)
    if base is None:
        raise ValueError(f"S²-Attn: {type(model).__name__} holds no transformers model")
    if not (base._supports_attention_backend and base._can_set_attn_implementation()):
        raise ValueError(f"S²-Attn: {type(base).__name__} does not route its attention through transformers' "
                         "AttentionInterface, so its attention cannot be replaced")
    register()
    base.set_attn_implementation(NAME)
    if base.config._attn_implementation != NAME:
        raise ValueError(f"S²-Attn: {type(base).__name__} kept attention {base.config._attn_implementation!r}")
    setattr(base.config, RATIO_ATTRIBUTE, ratio)
    return base


class S2AttnCallback(TrainerCallback):
    """Turns S²-Attn on when training begins (the model is loaded and wrapped by then)."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        base = enable(model, self.ratio)
        if state.is_world_process_zero:
            print(f"S²-Attn on {type(base).__name__}: groups of {self.ratio:g} x the batch length, half the "
                  "heads shifted by half a group; inference stays SDPA", flush=True)


def run(config: dict[str, Any], callbacks: list[Any] | None = None) -> None:
    """LLaMA-Factory's `run_exp` on `config`, with S²-Attn when the config asks for it."""
    from llamafactory.train.tuner import run_exp

    args, s2 = split(config)
    callbacks = list(callbacks or [])
    if s2.enabled:
        register()
        callbacks.append(S2AttnCallback(s2.ratio))
    run_exp(args=args, callbacks=callbacks)
