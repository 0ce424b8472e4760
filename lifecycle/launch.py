"""Launching `llamafactory-cli`: from this venv, with torchrun settings when a run needs several processes,
and every exact run written as YAML beside its outputs first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from lifecycle.recipe import RecipeError

NODE_KEYS = ("NODE_RANK", "MASTER_ADDR", "MASTER_PORT")


def write_config(path: Path, config: dict[str, Any], note: str = "") -> Path:
    """`config` as YAML at `path` (an optional `# note` first line); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {note}\n" if note else ""
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def exposure_warning(host: str, what: str, key: str | None = None, keyed: bool = True) -> str | None:
    """A warning when a server is asked to listen beyond this machine without a key (`keyed`: it takes one)."""
    if host in LOOPBACK or (keyed and key):
        return None
    fix = "set API_KEY (clients then send it as a bearer token) or" if keyed else "it has no login:"
    return f"warning: {what} will listen on {host}, reachable from other machines; {fix} keep it on 127.0.0.1"


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
    """Run `llamafactory-cli` from this venv; returns its exit code."""
    exe = Path(sys.executable).with_name("llamafactory-cli")
    cmd = [str(exe.resolve() if exe.exists() else "llamafactory-cli"), *args]
    print("+", " ".join(cmd), flush=True)
    # The venv's bin first on PATH: llamafactory-cli launches `torchrun` by name for NPROC > 1.
    path = os.pathsep.join([str(Path(sys.executable).parent.resolve()), os.environ.get("PATH", "")])
    full = {**os.environ, "PATH": path, **(env or {})}
    full = {k: v for k, v in full.items() if v or k not in NODE_KEYS}  # an empty MASTER_ADDR breaks torchrun
    return subprocess.call(cmd, env=full, cwd=cwd)


def launch_env(nproc: int, config: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, str]:
    """torchrun settings for `llamafactory-cli train`: none for one plain process."""
    environ = dict(os.environ if environ is None else environ)
    nnodes = int(environ.get("NNODES") or 1)
    if nproc < 1 or nnodes < 1:
        raise RecipeError(f"NPROC={nproc} and NNODES={nnodes} must be at least 1")
    if nproc == 1 and nnodes == 1 and not config.get("deepspeed"):
        return {}
    env = {"FORCE_TORCHRUN": "1", "NPROC_PER_NODE": str(nproc), "NNODES": str(nnodes)}
    env.update({k: environ[k] for k in NODE_KEYS if environ.get(k)})
    if nnodes > 1:
        missing = [k for k in NODE_KEYS if not environ.get(k)]
        if missing:
            raise RecipeError(f"NNODES={nnodes} needs {', '.join(missing)}: NODE_RANK 0..{nnodes - 1} on each "
                              "node, MASTER_ADDR = node 0's address and one MASTER_PORT for all")
        if not 0 <= int(environ["NODE_RANK"]) < nnodes:
            raise RecipeError(f"NODE_RANK={environ['NODE_RANK']} is outside 0..{nnodes - 1}")
    return env
