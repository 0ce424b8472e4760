"""`make webui` and `make api` for real, on free ports bound to 127.0.0.1, writing only under tmp (SAVES_DIR).

The web UI lists datasets when its dataset box gets focus: the page calls the `list_datasets` event with the
"Data dir" and stage boxes' values. The test makes the same call over HTTP with the values the page starts
with, so it sees what a user sees.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import REPO, free_port, serving

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def make_server(target: str, saves: Path, ready_url: str, log: Path, **env: str) -> Iterator[None]:
    """`make <target> RECIPE=tiny SAVES_DIR=<saves>` in its own process group, until `ready_url` answers."""
    cmd = ["make", "--no-print-directory", target, "RECIPE=tiny", f"SAVES_DIR={saves}"]
    with serving(cmd, ready_url, log, {**os.environ, **env}):
        yield


def test_webui_lists_our_registered_datasets(tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with make_server("webui", tmp_path / "saves", f"{base}/config", tmp_path / "webui.log",
                     GRADIO_SERVER_PORT=str(port)):
        config = requests.get(f"{base}/config", timeout=10).json()
        values = {c["id"]: c.get("props", {}).get("value") for c in config["components"]}
        event = next(d for d in config["dependencies"] if d.get("api_name") == "list_datasets")
        assert [t[1] for t in event["targets"]] == ["focus"]  # fired when the user opens the dataset box
        inputs = [values[i] for i in event["inputs"]]
        assert inputs[0] == "data"  # the "Data dir" box, resolved in the UI's working dir
        answer = requests.post(f"{base}{config['api_prefix']}/run/list_datasets", json={"data": inputs},
                               timeout=30).json()
    offered = [choice[0] for choice in answer["data"][0]["choices"]]
    info = json.loads((REPO / "data" / "dataset_info.json").read_text())
    registered = [name for name, entry in info.items() if not entry.get("ranking")]  # the SFT stage's list
    assert offered == registered and offered
    assert "Running on local URL:  http://127.0.0.1:" in (tmp_path / "webui.log").read_text()
    webui_dir = tmp_path / "saves" / "webui"
    assert (webui_dir / "data").resolve() == (REPO / "data").resolve()
    assert (webui_dir / "llamaboard_cache").is_dir()  # LLaMA-Board's own files stay under SAVES_DIR


def test_api_answers_a_chat_completion(tmp_path: Path, tiny_model: Path):
    saves = tmp_path / "saves"
    (saves / "tiny").mkdir(parents=True)
    (saves / "tiny" / "merged").symlink_to(tiny_model)  # stands in for `make export`'s merged model
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    env = {"API_PORT": str(port), "API_MODEL_NAME": "tiny"}
    with make_server("api", saves, f"{base}/models", tmp_path / "api.log", **env):
        answer = requests.post(f"{base}/chat/completions", timeout=120, json={
            "model": "tiny", "messages": [{"role": "user", "content": "title: A paper\nabstract: We study."}],
            "max_tokens": 8, "temperature": 0.35})
    assert answer.status_code == 200, answer.text
    message = answer.json()["choices"][0]["message"]
    assert message["role"] == "assistant" and message["content"].strip()
    assert f"Uvicorn running on http://127.0.0.1:{port}" in (tmp_path / "api.log").read_text()
