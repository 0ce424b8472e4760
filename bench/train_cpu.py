"""Training tokens/s of the tiny recipe on CPU without and with packing (`neat_packing`), same data, side by side.

    python bench/train_cpu.py                        # the tiny recipe as it is: cutoff 1,024, 1 epoch per run
    python bench/train_cpu.py --cutoff 2048          # 2,048-token rows (linear RoPE x2): ~2 papers per pack

Builds the tiny model and the sample's datasets in a temp dir (nothing lands in the repo), then trains
through `python -m lifecycle.run train tiny`, the two modes alternating (--repeats times each; the median is
printed, with the spread, since a shared 2-core machine is noisy). Real tokens are counted in the tokenized
train set each run saves (`tokenized_path`: non-pad tokens), slots from the Trainer's `num_input_tokens_seen`
(padding included), time from its `train_runtime` (the training loop only, no model load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODES = {"no packing": {}, "neat_packing": {"neat_packing": "true"}}


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    proc = subprocess.run([str(c) for c in cmd], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")


def real_tokens(tokenized: Path) -> int:
    """Non-pad tokens in a saved tokenized train set (attention_mask > 0, also for neat packing's segment ids)."""
    from datasets import load_from_disk

    train = load_from_disk(str(tokenized))["train"]
    return sum(sum(1 for m in mask if m) for mask in train["attention_mask"])


def train_once(ws: Path, mode: str, extra: dict[str, str], epochs: float, cutoff: int, rep: int) -> dict[str, float]:
    tag = f"{mode.replace(' ', '_')}_{rep}"
    saves, tokenized = ws / f"saves_{tag}", ws / f"tokenized_{tag}"
    args = {"model_name_or_path": ws / "tiny", "dataset_dir": ws / "data", "num_train_epochs": epochs,
            "cutoff_len": cutoff, "include_num_input_tokens_seen": "all", "tokenized_path": tokenized,
            "save_steps": 100000, "plot_loss": "false", **extra}
    if cutoff > 1024:  # the tiny model has 1,024 positions
        args["rope_scaling"] = "linear"
    run([sys.executable, "-m", "lifecycle.run", "train", "tiny", *(f"{k}={v}" for k, v in args.items())],
        env={"SAVES_DIR": str(saves), "NPROC": "1", "RESUME": "0"})
    state = json.loads((saves / "tiny" / "trainer_state.json").read_text())
    results = json.loads((saves / "tiny" / "train_results.json").read_text())
    real = real_tokens(tokenized)
    return {"steps": state["global_step"], "real": real * epochs, "slots": state["num_input_tokens_seen"],
            "runtime": results["train_runtime"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--cutoff", type=int, default=1024, help="cutoff_len of both runs (data built at 1,024)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode, alternating (default 3)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        run([sys.executable, "-m", "lifecycle.tiny_model", "--sample", "data/sample", "--out", ws / "tiny"])
        run([sys.executable, "-m", "preprocess.dataset", "--raw", "data/sample", "--out", ws / "data", "--name",
             "sample", "--tokenizer", ws / "tiny", "--cutoff", "1024"])
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
        for rep in range(args.repeats):
            for mode, extra in MODES.items():
                runs[mode].append(train_once(ws, mode, extra, args.epochs, args.cutoff, rep))
    print(f"tiny recipe, {args.epochs:g} epoch(s), cutoff_len {args.cutoff}, {os.cpu_count()} CPU cores, "
          f"{args.repeats} alternating run(s) per mode, load average {load:.1f} at start")
    print(f"{'mode':<14}{'steps':>7}{'real tokens':>13}{'padding':>9}{'train s':>9}{'tokens/s':>10}  (min-max)")
    for mode, rs in runs.items():
        r, rates = rs[0], sorted(x["real"] / x["runtime"] for x in rs)
        padding = 1 - r["real"] / r["slots"] if r["slots"] else 0.0
        runtime = statistics.median(x["runtime"] for x in rs)
        print(f"{mode:<14}{r['steps']:>7}{int(r['real']):>13,}{padding:>9.1%}{runtime:>9.1f}"
              f"{statistics.median(rates):>10,.0f}  ({rates[0]:,.0f}-{rates[-1]:,.0f})")


if __name__ == "__main__":
    main()
