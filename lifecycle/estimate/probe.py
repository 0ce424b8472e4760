"""`make estimate`'s training process: LLaMA-Factory's own `run_exp` on the recipe's settings, each step timed.

    python -m lifecycle.estimate.probe <train.yaml> <measured.json>     (under torchrun for several processes)

`Meter` times every optimizer step (the device synchronised first), reads the tokens Trainer counted
(`include_num_input_tokens_seen`) and, at the end, the peak device memory (allocated and reserved by PyTorch's
allocator) and the process's peak RSS; rank 0 writes them as JSON.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any

import yaml
from transformers import TrainerCallback

from preprocess.core.jsonl import write_json


def _sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


class Meter(TrainerCallback):
    """Seconds and tokens per optimizer step, peak memory at the end."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.tokens: list[int] = []
        self.peak: dict[str, Any] = {}
        self._start = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        _sync()
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        _sync()
        self.seconds.append(time.perf_counter() - self._start)
        self.tokens.append(int(getattr(state, "num_input_tokens_seen", 0) or 0))

    def on_train_end(self, args, state, control, **kwargs):
        import torch

        if torch.cuda.is_available():
            self.peak = {"device": torch.cuda.get_device_name(0),
                         "allocated_gib": torch.cuda.max_memory_allocated() / 2**30,
                         "reserved_gib": torch.cuda.max_memory_reserved() / 2**30,
                         "total_gib": torch.cuda.get_device_properties(0).total_memory / 2**30}
        self.peak["rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    def record(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "tokens_seen": self.tokens, "peak": self.peak,
                "world_size": int(os.environ.get("WORLD_SIZE", "1"))}


def main(argv: list[str]) -> int:
    config_path, out_path = argv
    from lifecycle.s2attn.callback import run  # LLaMA-Factory's run_exp, with S²-Attn when the recipe asks

    with open(config_path, encoding="utf-8") as handle:
        args = yaml.safe_load(handle)
    meter = Meter()
    start = time.perf_counter()
    run(args, callbacks=[meter])
    if int(os.environ.get("RANK", "0")) == 0:
        write_json(out_path, {**meter.record(), "wall_s": time.perf_counter() - start})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
