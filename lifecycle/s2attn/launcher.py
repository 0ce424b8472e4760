"""`make train`'s process for a run with our keys (`s2_attn: true`): this module, which runs LLaMA-Factory's own
`run_exp` in-process with S²-Attn registered (`callback.run`); any other run goes to `llamafactory-cli train`.

    python -m lifecycle.s2attn.launcher saves/<recipe>/train.yaml     # what `make train` runs for such a run

The recipe keys below are ours, taken out before LLaMA-Factory sees the rest. Several processes (NPROC > 1,
NNODES > 1, DeepSpeed) start this module under torchrun, as `llamafactory-cli` starts its own launcher.
Light on purpose: `lifecycle.run` imports it, so torch and transformers load only in the training process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from lifecycle.launch import cli
from lifecycle.s2attn import LAUNCHER_KEYS


def command(config_path: Path, env: dict[str, str]) -> list[str]:
    """This module on `config_path`: one process, or torchrun's when `env` asks for it (see `launch_env`)."""
    module = ["-m", "lifecycle.s2attn.launcher", str(config_path)]
    if env.get("FORCE_TORCHRUN") != "1":
        return [sys.executable, *module]
    with socket.socket() as sock:  # a free port, as llamafactory-cli picks one
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    return [sys.executable, "-m", "torch.distributed.run", "--nnodes", env.get("NNODES") or "1",
            "--node_rank", env.get("NODE_RANK") or "0", "--nproc_per_node", env.get("NPROC_PER_NODE") or "1",
            "--master_addr", env.get("MASTER_ADDR") or "127.0.0.1", "--master_port", env.get("MASTER_PORT") or port,
            *module]


def launch_train(config_path: Path, env: dict[str, str], llamafactory_cli: Callable[..., int] = cli) -> int:
    """`make train`'s process for the config at `config_path`: `llamafactory-cli train` (through
    `llamafactory_cli`), or this launcher when the config holds our keys; returns its exit code."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    if not any(k in config for k in LAUNCHER_KEYS):
        return llamafactory_cli("train", str(config_path), env=env)
    full = {**os.environ, **env}
    full["PATH"] = os.pathsep.join([str(Path(sys.executable).parent.resolve()), full.get("PATH", "")])
    if full.get("FORCE_TORCHRUN") == "1" and full.get("OPTIM_TORCH", "1") == "1":  # as llamafactory-cli does
        full.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")
    cmd = command(config_path, full)
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, env=full)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m lifecycle.s2attn.launcher <train.yaml>", file=sys.stderr)
        return 2
    from lifecycle.s2attn.callback import run

    run(yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8")) or {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
