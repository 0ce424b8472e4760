"""Preference tuning end to end on the tiny model, through `make`: an SFT run, `make pairs` (its reviews of the
training split lose to the human ones; --contrast adds a similar paper's review), DPO from the SFT LoRA with the
reward margins logged (zero at the first step: the reference is the SFT model), KTO on the unpaired form, then
predict and export of the DPO run (base + SFT LoRA + DPO LoRA). Three papers, a few steps, 256 tokens; rows in
the layout `make data` writes, with our own text. Everything is written under tmp."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_cmd

from preprocess.core.prompts import PAPER_LAYOUT, REVIEW_INSTRUCTION
from preprocess.core.target import render_parts, render_target
from preprocess.prompt.formats import FORMATS

pytestmark = pytest.mark.slow
PAPERS = {"Sparse Priors for Robust Transfer": ["sparse priors", "transfer benchmarks"],
          "Hashed Counts for Exploration": ["hashed counts", "sparse rewards"],
          "Spectral Pooling for Graphs": ["spectral cuts", "graph classification"]}


def review(topic: str, k: int) -> str:
    parts = [f"The paper studies {topic} and reads clearly.", f"Reviewer {k} likes the experiments.",
             f"The baselines for {topic} are weak.", "Add an ablation and a second dataset."]
    return render_target(render_parts(parts), 5 + k)


def write_split(data: Path, name: str, papers: dict[str, list[str]], reviews: int) -> None:
    rows = [{"instruction": REVIEW_INSTRUCTION, "system": "", "output": review(words[0], k),
             "input": PAPER_LAYOUT.format(title=title, abstract=f"We study {words[0]} on {words[1]}.",
                                          keywords=words[0], main=f"Introduction. {words[1]} " * 20)}
            for title, words in papers.items() for k in range(reviews)]
    (data / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture(scope="module")
def ws(tmp_path_factory, tiny_model: Path) -> Path:
    root = tmp_path_factory.mktemp("preference")
    data = root / "data"
    data.mkdir()
    write_split(data, "mini_train", PAPERS, reviews=2)
    write_split(data, "mini_test", dict(list(PAPERS.items())[:1]), reviews=1)
    info = {n: FORMATS["alpaca"].dataset_entry("alpaca", f"{n}.jsonl") for n in ("mini_train", "mini_test")}
    (data / "dataset_info.json").write_text(json.dumps(info))
    return root


def make(target: str, recipe: str, saves: Path, args: str, **env: str) -> list:
    return ["make", "--no-print-directory", target, f"RECIPE={recipe}", f"SAVES_DIR={saves}", f"ARGS={args}",
            *(f"{k}={v}" for k, v in env.items())]


def log_history(run: Path) -> list[dict]:
    return json.loads((run / "trainer_state.json").read_text())["log_history"]


def test_sft_pairs_dpo_kto_predict_export(ws: Path, tiny_model: Path):
    saves, data = ws / "saves", ws / "data"
    base = f"model_name_or_path={tiny_model} dataset_dir={data} cutoff_len=256 max_steps="
    run_cmd(make("train", "tiny", saves, base + "1 dataset=mini_train"))
    out = run_cmd(make("pairs", "tiny", saves, "--contrast max_new_tokens=8")).stdout
    assert (saves / "tiny" / "predict-train" / "generated_predictions.jsonl").read_text().count("\n") == 6
    assert "self  (human review over the SFT model's own):      6" in out and "skipped: 0" in out
    assert len((data / "mini_pairs.jsonl").read_text().splitlines()) == 12
    assert json.loads((data / "dataset_info.json").read_text())["mini_pairs"]["ranking"] is True
    again = run_cmd(make("pairs", "tiny", saves, "--contrast")).stdout
    assert "pairs: reusing" in again and "llamafactory-cli" not in again

    kto_saves = ws / "saves_kto"  # KTO beside DPO, on the same SFT run, while DPO trains
    kto_saves.mkdir()
    (kto_saves / "tiny").symlink_to(saves / "tiny")
    kto_cmd = make("train", "tiny_dpo", kto_saves, base + "2 stage=kto dataset=mini_kto")
    kto = subprocess.Popen([str(c) for c in kto_cmd], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=os.environ.copy())
    try:
        run_cmd(make("train", "tiny_dpo", saves, base + "2 dataset=mini_pairs"))
        dpo = saves / "tiny_dpo"
        history = [h for h in log_history(dpo) if "loss" in h]
        assert len(history) == 2 and all("rewards/margins" in h and "rewards/accuracies" in h for h in history)
        assert history[0]["rewards/chosen"] == 0.0 and history[0]["rewards/margins"] == 0.0  # reference = SFT
        record = json.loads((dpo / "run.json").read_text())
        assert record["config"]["adapter_name_or_path"] == str(saves / "tiny")
        assert set(record["data"]) == {"mini_pairs", f"adapter {saves / 'tiny'}"}

        run_cmd(make("predict", "tiny_dpo", saves, "max_new_tokens=8", DATA="mini_test"))
        chain = f"{saves / 'tiny'},{dpo}"
        assert yaml.safe_load((dpo / "predict.yaml").read_text())["adapter_name_or_path"] == chain
        assert len((dpo / "predict" / "generated_predictions.jsonl").read_text().splitlines()) == 1
        run_cmd(make("export", "tiny_dpo", saves, ""))
        assert yaml.safe_load((dpo / "export.yaml").read_text())["adapter_name_or_path"] == chain
        assert (dpo / "merged" / "model.safetensors").stat().st_size > 0
    finally:
        log, _ = kto.communicate(timeout=300)
    assert kto.returncode == 0, log[-4000:]
    steps = [h for h in log_history(kto_saves / "tiny_dpo") if "loss" in h]
    assert len(steps) == 2 and all("kl" in h for h in steps) and any("rewards/margins" in h for h in steps)
