"""The committee (lifecycle/committee/): the meta-review, the record, the resumable batch (its decision rule:
tests/unit/eval/committee/test_decision_rule.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from committee_fixtures import rated_papers

from eval.committee.rule import fit_rule
from lifecycle.committee import batch
from lifecycle.committee.meta import group_points, meta_review
from lifecycle.committee.panel import Committee, convene
from preprocess.core.target import render_parts, render_target

ICLR = (1, 3, 5, 6, 8, 10)


def review(strengths: list[str], concerns: list[str], rating: int | None) -> str:
    body = render_parts(["Novel idea.", "\n".join(f"- {s}" for s in strengths),
                         "\n".join(f"- {c}" for c in concerns), "Add baselines."])
    return render_target(body, rating)


def test_points_raised_by_several_reviewers_are_grouped():
    reviews = [review(["Strong empirical results on ImageNet benchmarks"],
                      ["Missing ablation of the gating module"], 6),
               review(["Strong empirical results across ImageNet benchmarks"], ["Writing is unclear in places"], 8),
               review(["Elegant theory"], ["Missing ablation of the gating module components"], 3)]
    strengths = group_points(reviews, "Reasons for acceptance")
    assert strengths[0].reviewers == (0, 1) and len(strengths) == 2
    concerns = group_points(reviews, "Reasons for rejection")
    assert concerns[0].reviewers == (0, 2)
    text = meta_review(reviews, [6, 8, 3], ICLR, None)
    consensus = text.split("### Consensus strengths")[1].split("###")[0]
    assert "Strong empirical results on ImageNet benchmarks (reviewers 1, 2 of 3)" in consensus
    assert "Elegant theory" not in consensus
    assert "Missing ablation of the gating module (reviewers 1, 3 of 3)" in text
    assert "Ratings range from 3 to 8: the committee is split." in text
    assert "Decision: none" in text


def test_praise_and_fault_of_the_same_point_is_a_disagreement():
    reviews = [review(["Thorough ablation of the gating module"], ["Small datasets only"], 6),
               review(["Clear writing"], ["Ablation of the gating module is thorough but misleading"], 6)]
    text = meta_review(reviews, [6, 6], ICLR, None)
    assert "Praised by reviewers 1 but faulted by 2" in text


def test_convene_parses_ratings_drops_off_scale_ones_and_round_trips():
    rule = fit_rule(rated_papers(), "f")
    texts = [review(["A"], ["B"], 8), review(["A"], ["B"], 6), review(["A"], ["B"], 42), "no rating here"]
    committee = convene(texts, [42, 43, 44, 45], ICLR, rule)
    assert [s.rating for s in committee.samples] == [8.0, 6.0, None, None]
    assert committee.mean_rating == 7.0 and committee.verdict.decision == "accepted"
    assert "probability of acceptance" in committee.meta_review
    assert "2 review(s) gave no rating" in committee.meta_review
    assert Committee.from_dict(json.loads(json.dumps(committee.to_dict()))) == committee
    with pytest.raises(ValueError, match="2 reviews but 1 seeds"):
        convene(texts[:2], [1], ICLR, rule)


def _predictions(folder: Path, texts: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"prompt": "p", "predict": t, "label": "l"} for t in texts]
    (folder / batch.PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_batch_resumes_complete_seeds_and_aggregates(tmp_path: Path):
    out, data = tmp_path / "predict", tmp_path / "data"
    data.mkdir()
    (data / "sample_train.ratings.jsonl").write_text("".join(json.dumps(p.to_dict()) + "\n" for p in rated_papers()))
    refs = [{"forum": f"f{i}", "decision": "accepted", "rating_scale": list(ICLR), "target_review_id": "r",
             "reviews": [{"id": "r", "rating": 8, "text": "t"}]} for i in range(2)]
    (data / "sample_test.refs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in refs))
    (data / "sample_test.jsonl").write_text('{"input": "a"}\n{"input": "b"}\n')
    config = {"do_sample": True, "temperature": 0.4, "seed": 42, "output_dir": str(out)}
    stamp = batch.fingerprint(config, data / "sample_test.jsonl")
    _predictions(batch.seed_dir(out, 42), [review(["A"], ["B"], 8), review(["A"], ["B"], 3)])
    _predictions(batch.seed_dir(out, 43), [review(["A"], ["B"], 6)])  # a killed run: one row of two
    for seed in (42, 43):
        batch._stamp(out, seed, stamp)
    test = data / "sample_test.jsonl"
    assert batch.missing_seeds(out, {s: (config, 2) for s in (42, 43, 44)}, test) == [43, 44]
    (batch.seed_dir(out, 43) / batch.PREDICTIONS).write_text('{"predict": "x"}\n{"predict": "cut sh')  # torn line
    assert batch.missing_seeds(out, {42: (config, 2), 43: (config, 2)}, test) == [43]
    # other settings (a new temperature), or a changed test split, make every seed again
    hotter = batch.fingerprint({**config, "temperature": 0.9}, data / "sample_test.jsonl")
    assert batch.missing_seeds(out, {42: ({**config, "temperature": 0.9}, 2)}, test) == [42]
    assert hotter != stamp
    assert batch.fingerprint({**config, "seed": 7, "output_dir": "elsewhere"}, data / "sample_test.jsonl") == stamp
    _predictions(batch.seed_dir(out, 43), [review(["A"], ["B"], 6), review(["A"], ["B"], 1)])
    batch.aggregate(out, [42, 43], data, "sample_test", "sample_train", 0.4)
    lines = [json.loads(line) for line in (out / "committee.jsonl").read_text().splitlines()]
    assert [line["ratings"] for line in lines] == [[8.0, 6.0], [3.0, 1.0]]
    assert [line["decision"] for line in lines] == ["accepted", "rejected"] and lines[0]["forum"] == "f0"
    assert (out / batch.PREDICTIONS).read_text() == (batch.seed_dir(out, 42) / batch.PREDICTIONS).read_text()
    summary = json.loads((out / "committee.json").read_text())
    assert summary["seeds"] == [42, 43] and summary["decision_rule"]["n_papers"] == 20
    with pytest.raises(ValueError, match="max_samples"):
        batch.predict_committee({**config, "eval_dataset": "sample_test", "dataset_dir": str(data), "max_samples": 5},
                                {"dataset": "sample_train"}, 2, "huggingface", lambda *a: 0, Path("x"))


def test_the_page_plot_counts_ratings_between_scale_points_and_keeps_no_pyplot_figure():
    import matplotlib.pyplot as plt

    from lifecycle.review.page_result import rating_figure

    fig = rating_figure([5.0, 6.0, 6.0], [1, 3, 6, 8])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert labels == ["1", "3", "5", "6", "8"] and heights == [0, 0, 1, 2, 0]
    assert plt.get_fignums() == []


def test_vllm_requests_run_every_prompt_once_per_seed():
    import importlib.util

    spec = importlib.util.spec_from_file_location("vllm_infer", Path("scripts/vllm_infer.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.requests(2, [7, 9]) == [(0, 7), (1, 7), (0, 9), (1, 9)]


def test_the_injected_split_is_decoded_as_the_clean_predictions_were(tmp_path: Path, monkeypatch):
    import os
    import time

    import yaml

    from lifecycle.run import clean_decoding

    monkeypatch.setenv("SAVES_DIR", str(tmp_path))
    run = tmp_path / "x"
    (run / "predict").mkdir(parents=True)
    (run / "predict.yaml").write_text(yaml.safe_dump({"do_sample": False, "seed": 42, "max_new_tokens": 64,
                                                      "eval_dataset": "t"}))
    assert clean_decoding("x") == {"do_sample": False, "seed": 42, "max_new_tokens": 64}
    # a later committee: its first seed's sampled config is what made predict/generated_predictions.jsonl
    (run / "predict" / "committee.json").write_text(json.dumps({"seeds": [7, 8]}))
    first = run / "predict" / "samples" / "seed-7"
    first.mkdir(parents=True)
    (first / "predict.yaml").write_text(yaml.safe_dump({"do_sample": True, "temperature": 0.4, "seed": 7,
                                                        "max_new_tokens": 64}))
    later = time.time() + 5
    os.utime(first / "predict.yaml", (later, later))
    assert clean_decoding("x") == {"do_sample": True, "temperature": 0.4, "seed": 7, "max_new_tokens": 64}


def test_later_seeds_predict_one_row_per_paper_and_are_set_on_each_of_its_rows(tmp_path: Path):
    out, data = tmp_path / "predict", tmp_path / "data"
    data.mkdir()
    forums = ["f0", "f0", "f1"]  # two rows (two human reviews) of one paper, then another paper
    refs = [{"forum": f, "decision": "accepted", "rating_scale": list(ICLR), "target_review_id": f"r{i}",
             "reviews": [{"id": f"r{i}", "rating": 8, "text": "t"}]} for i, f in enumerate(forums)]
    (data / "t_test.refs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in refs))
    (data / "t_test.jsonl").write_text("".join(json.dumps({"input": f, "output": str(i)}) + "\n"
                                               for i, f in enumerate(forums)))
    (data / "dataset_info.json").write_text(json.dumps({"t_test": {"file_name": "t_test.jsonl", "x": 1}}))
    refs_read = batch._refs(data, "t_test", 3)
    assert batch.paper_rows(refs_read) == [0, 0, 2]
    config = batch.papers_config({"dataset_dir": str(data), "eval_dataset": "t_test", "output_dir": str(out)},
                                 data / "t_test.jsonl", [0, 2])
    folder = Path(config["dataset_dir"])
    assert [json.loads(line)["input"] for line in (folder / "papers.jsonl").read_text().splitlines()] == ["f0", "f1"]
    assert json.loads((folder / "dataset_info.json").read_text()) == {"t_test": {"file_name": "papers.jsonl", "x": 1}}
    _predictions(batch.seed_dir(out, 42), [review(["A"], ["B"], r) for r in (8, 6, 3)])
    _predictions(batch.seed_dir(out, 43), [review(["A"], ["B"], r) for r in (5, 1)])  # one row per paper
    batch.aggregate(out, [42, 43], data, "t_test", "t_train", 0.4)
    lines = [json.loads(line) for line in (out / "committee.jsonl").read_text().splitlines()]
    assert [line["ratings"] for line in lines] == [[8.0, 5.0], [6.0, 5.0], [3.0, 1.0]]
    assert [line["label"] for line in lines] == ["l", "l", "l"] and len(lines) == 3
