"""The GPU machine's check: `make estimate`'s code on the catalogue's GPU settings, phase by phase, in the order
that matters most, each skipped with a log line when the time left will not hold it. `summary.json` is
rewritten after every phase, so a run cut short still returns what it measured.

    python bench/gpu/phases.py --out DIR [--budget-s 540] [--tiny] [--only NAME ...]

Run through `bench/gpu/run.sh` (which installs the carried wheels first). Built models are cached in
`--cache` (at most two at a time: 7B weights are 14.5 GB and the machine has 64 GB of disk). `expect_s` is
each phase's GUESS of its time on an H200, replaced by what a run measures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from preprocess.core.jsonl import write_json  # noqa: E402


@dataclass(frozen=True)
class Phase:
    """One estimate: a recipe with ARGS, its step count, whether to export, its expected seconds (a guess)."""

    name: str
    recipe: str
    args: tuple[str, ...] = ()
    steps: int = 6
    export: bool = False
    expect_s: int = 120
    what: str = ""
    keep_deepspeed: bool = False  # also on a CPU rehearsal, where `make estimate` would drop it


PHASES = (
    Phase("qlora_nf4_12k", "mistral_15k", ("deepspeed=null",), 6, False, 150,
          "QLoRA NF4 at 12,288 tokens, one process"),
    Phase("qlora_zero2_export", "mistral_15k", (), 6, True, 270,
          "the recipe as written (ZeRO-2 through torchrun), then export, logits check and generation", True),
    Phase("rope_dynamic_16k", "llama2_7b_16k", ("rope_scaling=dynamic", "deepspeed=null"), 5, False, 150,
          "a RoPE dynamic-NTK run at 16,384 tokens on a Llama-2 architecture"),
    Phase("packing", "mistral_15k", ("deepspeed=null", "packing=true", "neat_packing=true"), 5, False, 100,
          "neat packing of the rows"),
    Phase("bf16_lora", "mistral_15k", ("deepspeed=null", "quantization_bit=null"), 5, False, 100,
          "bf16 LoRA without quantization"),
    Phase("liger_32k", "qwen25_7b_32k", ("deepspeed=null",), 4, False, 200,
          "liger-kernel at 32,768 tokens (Qwen2.5-7B)"),
)


@dataclass
class Outcome:
    name: str
    recipe: str
    args: list[str]
    what: str
    status: str  # ok | failed (exit N) | skipped: ... | timed out
    seconds: float = 0.0
    estimate: dict = field(default_factory=dict)
    log_tail: str = ""


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("torch", "transformers", "llamafactory", "peft", "bitsandbytes", "deepspeed", "liger-kernel",
                 "accelerate", "trl", "datasets"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def device_name() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


def run_phase(phase: Phase, tiny: bool, timeout: float, cache: Path, log) -> Outcome:
    outcome = Outcome(phase.name, phase.recipe, list(phase.args), phase.what, "ok")
    with tempfile.TemporaryDirectory(prefix=f"saves-{phase.name}-") as saves:
        cmd = [sys.executable, "-m", "lifecycle.estimate", phase.recipe, *phase.args, "--steps", str(phase.steps)]
        cmd += ([] if phase.export else ["--no-export"]) + (["--tiny"] if tiny else [])
        cmd += ["--keep-deepspeed"] if phase.keep_deepspeed else []
        env = {**os.environ, "SAVES_DIR": saves, "ESTIMATE_CACHE": str(cache), "PYTHONUNBUFFERED": "1"}
        start = time.monotonic()
        log.write(f"\n===== {phase.name}: {' '.join(cmd)}\n")
        log.flush()
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
            text, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            text = ((exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or "")
            code = None
        outcome.seconds = round(time.monotonic() - start, 1)
        log.write(text[-20000:])
        log.flush()
        outcome.log_tail = text[-3000:]
        result = Path(saves) / phase.recipe / "estimate.json"
        if result.exists():
            outcome.estimate = json.loads(result.read_text(encoding="utf-8"))
        if code is None:
            outcome.status = f"timed out after {timeout:.0f} s"
        elif code != 0:
            outcome.status = f"failed (exit {code})"
    return outcome


def keep_two(cache: Path) -> None:
    """Leave at most the two most recently used built models in the cache."""
    built = sorted((p for p in cache.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in built[2:]:
        shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--budget-s", type=float, default=540.0, help="seconds all phases may take together")
    parser.add_argument("--tiny", action="store_true", help="shrunken configs: the CPU rehearsal")
    parser.add_argument("--only", nargs="*", default=None, help="phase names to run (default: all)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "estimate-models")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.budget_s
    args.out.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    summary = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "device": device_name(), "tiny": args.tiny,
               "budget_s": args.budget_s, "versions": versions(), "phases": []}
    with (args.out / "phases.log").open("w", encoding="utf-8") as log:
        for phase in PHASES:
            if args.only is not None and phase.name not in args.only:
                continue
            left = deadline - time.monotonic()
            expect = (120 if phase.keep_deepspeed else 30) if args.tiny else phase.expect_s
            if left < expect:
                outcome = Outcome(phase.name, phase.recipe, list(phase.args), phase.what,
                                  f"skipped: {left:.0f} s left, the phase expects {expect} s")
                log.write(f"\n===== {phase.name}: {outcome.status}\n")
            else:
                outcome = run_phase(phase, args.tiny, left, args.cache, log)
                keep_two(args.cache)
            print(f"{phase.name}: {outcome.status} ({outcome.seconds} s)", flush=True)
            summary["phases"].append(asdict(outcome))
            write_json(args.out / "summary.json", summary)
    return 0 if all(p["status"] == "ok" or p["status"].startswith("skipped") for p in summary["phases"]) else 1


if __name__ == "__main__":
    sys.exit(main())
