"""Shared test helpers: repo paths, the shared fixtures folder, the tiny model."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def shared_fixture(relpath: str) -> Path:
    """A file under ../shared/fixtures; skip (never under CI=true, where it must exist) when absent."""
    path = SHARED_FIXTURES / relpath
    if not path.exists():
        if os.environ.get("CI") == "true":
            raise FileNotFoundError(f"{path} is missing under CI=true; ../shared must sit beside the repo")
        pytest.skip(f"{path} absent: real third-party fixtures live in ../shared/fixtures (see README)")
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny random-init Llama + tokenizer (`make tiny-model`), built once per session in a temp dir."""
    out = tmp_path_factory.mktemp("tiny") / "model"
    subprocess.run([sys.executable, "-m", "recipes.tiny_model", "--sample", "data/sample", "--out", str(out)],
                   cwd=REPO, check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def tiny_api(tiny_model, tmp_path_factory) -> Iterator[str]:
    """Base URL (`http://127.0.0.1:<port>/v1`) of a real `llamafactory-cli api` serving the tiny model
    as model name `tiny`; the whole process group is stopped after the session."""
    workdir = tmp_path_factory.mktemp("api")
    port = free_port()
    env = {**os.environ, "API_HOST": "127.0.0.1", "API_PORT": str(port), "API_MODEL_NAME": "tiny"}
    env.pop("API_KEY", None)
    cli = Path(sys.executable).with_name("llamafactory-cli")
    with open(workdir / "api.log", "wb") as log:
        proc = subprocess.Popen([str(cli), "api", "--model_name_or_path", str(tiny_model), "--template", "mistral",
                                 "--infer_backend", "huggingface"], cwd=workdir, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 240  # import + model load is well under a minute on 2 busy cores
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llamafactory-cli api exited {proc.returncode}:\n"
                                   f"{(workdir / 'api.log').read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"llamafactory-cli api not ready in 240 s; log in {workdir / 'api.log'}")
            time.sleep(1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
