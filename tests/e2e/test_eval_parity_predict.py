"""ROUGE/BLEU parity on a real LLaMA-Factory predict: its own `predict_*` numbers against ours on the
`generated_predictions.jsonl` that same run wrote (tiny random-init model, CPU)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from eval.scores.similarity import corpus_similarity
from preprocess.core.jsonl import read_jsonl

pytestmark = pytest.mark.slow
FIXTURES = REPO / "tests" / "fixtures_eval"


def test_llamafactory_predict_metrics_equal_ours_on_its_own_file(tmp_path, tiny_model):
    shutil.copy(FIXTURES / "tiny_test.jsonl", tmp_path / "fixture_test.jsonl")
    columns = {"prompt": "instruction", "query": "input", "response": "output", "system": "system"}
    (tmp_path / "dataset_info.json").write_text(json.dumps(
        {"fixture_test": {"file_name": "fixture_test.jsonl", "columns": columns}}))
    cli = Path(sys.executable).parent / "llamafactory-cli"
    common = {"template": "mistral", "stage": "sft", "finetuning_type": "full", "dataset_dir": str(tmp_path),
              "cutoff_len": 1024, "overwrite_output_dir": True, "report_to": "none",
              "preprocessing_num_workers": 1, "overwrite_cache": True}
    # A random model answers `]]]]...`, which scores 0 everywhere: overfit it on the 5 rows first (~25 s on
    # 2 CPU cores) so the compared numbers are not all zero.
    steps = {
        "train": {"model_name_or_path": str(tiny_model), "do_train": True, "dataset": "fixture_test",
                  "output_dir": str(tmp_path / "full"), "per_device_train_batch_size": 5,
                  "num_train_epochs": 30.0, "learning_rate": 2.0e-2, "lr_scheduler_type": "constant",
                  "save_strategy": "no"},
        "predict": {"model_name_or_path": str(tmp_path / "full"), "do_predict": True, "predict_with_generate": True,
                    "eval_dataset": "fixture_test", "max_new_tokens": 48, "do_sample": False,
                    "per_device_eval_batch_size": 2,  # 5 rows: left padding and a ragged last batch
                    "output_dir": str(tmp_path / "predict")},
    }
    for name, config in steps.items():
        # YAML: LLaMA-Factory 0.9.5 cannot read a .json config (`json.load` on a Path)
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({**common, **config}))
        proc = subprocess.run([str(cli), "train", str(tmp_path / f"{name}.yaml")], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "predict"
    theirs = json.loads((out / "predict_results.json").read_text())
    rows = read_jsonl(out / "generated_predictions.jsonl")
    assert len(rows) == 5
    ours = corpus_similarity([r["predict"] for r in rows], [r["label"] for r in rows])
    assert ours["rouge-1"] > 0 and ours["bleu-4"] > 0, ours  # a comparison of zeros would prove nothing
    for key, value in ours.items():
        assert theirs[f"predict_{key}"] == value, key  # exact equality
