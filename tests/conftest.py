"""Shared test helpers: repo paths, the shared fixtures folder, the tiny model."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from filelock import FileLock

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


def built_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """`<run temp dir>/<name>`, made by `build(path)` once a test run: under pytest-xdist (`-n 2`) the first
    worker builds it holding a file lock and the others wait for it and reuse it (read-only), so two workers do
    not build the tiny model or the sample twice. A build that failed halfway is redone."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers (each has its own popen-gwN below it)
    out = root / name
    with FileLock(str(root / f".{name}.lock")):
        if not (root / f".{name}.done").exists():
            shutil.rmtree(out, ignore_errors=True)
            build(out)
            (root / f".{name}.done").touch()
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny random-init Llama + tokenizer (`make tiny-model`), built once per test run in a temp dir."""
    def build(out: Path) -> None:
        subprocess.run([sys.executable, "-m", "lifecycle.tiny_model", "--sample", "data/sample", "--out", str(out)],
                       cwd=REPO, check=True, capture_output=True)

    return built_once(tmp_path_factory, "tiny_model", build)


@pytest.fixture(scope="session")
def tiny_api(tiny_model, tmp_path_factory) -> Iterator[str]:
    """Base URL (`http://127.0.0.1:<port>/v1`) of a real `llamafactory-cli api` serving the tiny model
    as model name `tiny`; the whole process group is stopped after the session."""
    workdir = tmp_path_factory.mktemp("api")
    port = free_port()
    env = {**os.environ, "API_HOST": "127.0.0.1", "API_PORT": str(port), "API_MODEL_NAME": "tiny"}
    cli = Path(sys.executable).with_name("llamafactory-cli")
    cmd = [str(cli), "api", "--model_name_or_path", str(tiny_model), "--template", "mistral",
           "--infer_backend", "huggingface"]
    base = f"http://127.0.0.1:{port}/v1"
    with serving(cmd, f"{base}/models", workdir / "api.log", env, cwd=workdir):  # ready well under a minute
        yield base


@contextlib.contextmanager
def serving(cmd: list[str], ready_url: str, log: Path, env: dict[str, str] | None = None, cwd: Path = REPO,
            timeout: float = 240) -> Iterator[subprocess.Popen]:
    """`cmd` as a server in its own process group (no API_KEY in its environment) until `ready_url` answers
    200; the whole group is stopped afterwards."""
    env = {k: v for k, v in (env or os.environ).items() if k != "API_KEY"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd[:3])} exited {proc.returncode}:\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(ready_url, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{' '.join(cmd[:3])} not ready in {timeout:g} s; log in {log}")
            time.sleep(1)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


_SENTENCES = ("We study {t} under distribution shift and report results on three benchmarks. ",
              "The method of section {i} combines a sparse encoder with a learned prior over {t}. ",
              "Ablations show that removing the prior costs between two and five points of accuracy. ",
              "Our analysis bounds the error of {t} by the sum of a bias and a variance term. ")


def generated_pdf(path: Path, sections: int = 5, sentences: int = 24) -> Path:
    """A synthetic paper rendered the way the bundled sample is, long enough to need truncation."""
    body = [{"heading": heading, "text": "".join(_SENTENCES[k % 4].format(i=i, t=heading.lower())
                                                for k in range(sentences))}
            for i, heading in enumerate(["Introduction", "Related Work", "Method", "Experiments",
                                         "Conclusion"][:sections], start=1)]
    paper = {"title": "Sparse Priors for Robust Transfer", "references": ["A. Author. A paper. 2020."],
             "abstract": "We propose sparse priors for robust transfer and evaluate them on three benchmarks.",
             "sections": body}
    from preprocess.sample.pdf import render_pdf

    path.write_bytes(render_pdf(paper, 2024))
    return path


def sample_workspace(root: Path, tiny_model: Path) -> Path:
    """`root` holding the tiny model (`tiny/`) and the sample's datasets built with its tokenizer (`data/`)."""
    (root / "tiny").symlink_to(tiny_model)
    subprocess.run([sys.executable, "-m", "preprocess.dataset", "--raw", "data/sample", "--out", str(root / "data"),
                    "--name", "sample", "--tokenizer", str(root / "tiny"), "--cutoff", "1024"],
                   cwd=REPO, check=True, capture_output=True)
    return root


@pytest.fixture(scope="session")
def sample_built(tmp_path_factory, tiny_model: Path) -> Path:
    """`sample_workspace` built once a test run (the build takes ~15 s; `built_once`); modules take a copy with
    `copy_workspace`."""
    def build(out: Path) -> None:
        out.mkdir()
        sample_workspace(out, tiny_model)

    return built_once(tmp_path_factory, "sample_built", build)


def copy_workspace(built: Path, root: Path) -> Path:
    """A module's own workspace from the session's build: the tiny model linked, the datasets copied (a module
    may add datasets or register more without touching another's)."""
    (root / "tiny").symlink_to((built / "tiny").resolve())
    shutil.copytree(built / "data", root / "data", symlinks=True)
    return root


def tree_digest(root: Path) -> str:
    """One digest of every file's path and bytes below `root`: a folder a step must only read stays the same."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_cmd(cmd: list, env: dict | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    if ok:
        assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return proc
