"""The committee end to end on the tiny model: `make review N=3` on a real conference PDF, and
`make predict N=2` then `make eval` (a resumed rerun generates nothing). The tiny model writes no rating, so
its verdict is the training split's base rate; the known-answer tests of the metrics are in
tests/unit/eval/scores/test_protocols.py and tests/unit/eval/committee/test_committee_metrics.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import copy_workspace, run_cmd, shared_fixture

pytestmark = pytest.mark.slow
FIXTURE_PDF = "pdf_only/futoma2017improved.pdf"  # a real paper (see ../shared/fixtures/README.md)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, sample_built: Path) -> Path:
    """The sample built with the tiny tokenizer, a three-row test split `mini_test`, and saves/tiny/merged."""
    root = copy_workspace(sample_built, tmp_path_factory.mktemp("committee"))
    data = root / "data"
    for suffix in (".jsonl", ".refs.jsonl"):
        lines = (data / f"sample_test{suffix}").read_text(encoding="utf-8").splitlines()[:3]
        (data / f"mini_test{suffix}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = json.loads((data / "dataset_info.json").read_text())
    info["mini_test"] = {**info["sample_test"], "file_name": "mini_test.jsonl"}
    (data / "dataset_info.json").write_text(json.dumps(info))
    (root / "saves" / "tiny").mkdir(parents=True)
    (root / "saves" / "tiny" / "merged").symlink_to((root / "tiny").resolve())
    return root


def test_make_review_with_three_reviewers_on_a_real_pdf(workspace: Path):
    pdf = shared_fixture(FIXTURE_PDF)
    proc = run_cmd(["make", "--no-print-directory", "review", "RECIPE=tiny", f"SAVES_DIR={workspace / 'saves'}",
                    f"PDF={pdf}", "N=3", f"ARGS=--max-new-tokens 8 dataset_dir={workspace / 'data'} "
                                         "dataset=sample_train"])
    out = proc.stdout
    assert [int(n) for n in re.findall(r"^# Review (\d) of 3 \(seed (?:42|43|44)\)$", out, re.M)] == [1, 2, 3]
    assert "## Meta-review" in out and "### Main concerns" in out
    decision = re.search(r"^Decision: (Accept|Reject) \(probability of acceptance (0\.\d\d)\)$", out, re.M)
    assert decision, out[-800:]
    assert "decision rule fitted on" in proc.stderr and "sample_train.ratings.jsonl" in proc.stderr


def test_make_predict_committee_then_eval_and_a_resumed_rerun(workspace: Path):
    saves, data = workspace / "saves", workspace / "data"
    predict = ["make", "--no-print-directory", "predict", "RECIPE=tiny", f"SAVES_DIR={saves}", "DATA=mini_test",
               "N=2", f"ARGS=dataset_dir={data} dataset=sample_train max_new_tokens=8"]
    run_cmd(predict)
    out = saves / "tiny" / "predict"
    committees = [json.loads(line) for line in (out / "committee.jsonl").read_text().splitlines()]
    assert len(committees) == 3 and all(c["seeds"] == [42, 43] and len(c["reviews"]) == 2 for c in committees)
    assert all(c["decision"] in ("accepted", "rejected") and 0 < c["accept_probability"] < 1 for c in committees)
    forums = {json.loads(line)["forum"] for line in (data / "mini_test.refs.jsonl").read_text().splitlines()}
    later = (out / "samples" / "seed-43" / "generated_predictions.jsonl").read_text().splitlines()
    assert len(later) == len(forums) < 3, "the second seed predicts one row per paper"
    summary = json.loads((out / "committee.json").read_text())
    assert summary["temperature"] == 0.4 and summary["decision_rule"]["n_papers"] > 10

    run_cmd(["make", "--no-print-directory", "eval", "RECIPE=tiny", f"SAVES_DIR={saves}", "DATA=mini_test",
             "INJECTION=1", f"ARGS=dataset_dir={data} hitrate_matcher=none"])
    metrics = json.loads((saves / "tiny" / "eval" / "metrics.json").read_text())
    # the injected split (written and registered in the overridden dataset_dir) decoded as the committee's first seed
    assert metrics["injection"]["n_papers"] == len(forums) and (data / "mini_test_injected.jsonl").exists()
    injected = yaml.safe_load((saves / "tiny" / "predict-injected.yaml").read_text())
    assert (injected["do_sample"], injected["temperature"], injected["seed"]) == (True, 0.4, 42)
    assert [s["n_reviews"] for s in metrics["committee"]["scaling"]] == [1, 2]
    assert metrics["committee"]["human"]["n_reviews"] > 0
    report = (saves / "tiny" / "eval" / "report.md").read_text()
    assert "## Committee (N sampled reviews a paper)" in report and "## Published anchors beside ours" in report
    assert "Llama-OpenReviewer-8B" in report and (saves / "tiny" / "eval" / "committee.png").stat().st_size > 0

    rerun = run_cmd(predict)
    assert "2 of 2 seeds already complete" in rerun.stdout and "llamafactory-cli" not in rerun.stdout
