"""Pairing predictions with references: sidecar lookup, row-count errors, one row per paper."""

import json
import shutil

import pytest
from conftest import REPO

from eval.inputs import load_inputs, resolve_references
from preprocess.core.refs import PaperRefs

FIXTURES = REPO / "tests" / "fixtures_eval"


@pytest.fixture
def data(tmp_path):
    for name in ("tiny_test.jsonl", "tiny_test.refs.jsonl", "generated_predictions.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def test_test_jsonl_finds_its_sidecar(data):
    test, sidecar = data / "tiny_test.jsonl", data / "tiny_test.refs.jsonl"
    assert resolve_references(test) == (test, sidecar)
    assert resolve_references(data / "tiny_test.refs.jsonl")[1] == data / "tiny_test.refs.jsonl"
    (data / "tiny.meta.json").write_text("{}")  # the build's meta names the dataset, not the split
    assert resolve_references(data / "tiny.meta.json") == (test, sidecar)
    (data / "tiny_test.meta.json").write_text("{}")
    assert resolve_references(data / "tiny_test.meta.json") == (test, sidecar)


def test_missing_references_are_named(data):
    with pytest.raises(FileNotFoundError, match="nope_test.jsonl"):
        resolve_references(data / "nope_test.jsonl")
    with pytest.raises(ValueError, match="--references"):
        resolve_references(data / "tiny_test.csv")


def test_papers_take_the_first_prediction_per_forum(data):
    inputs = load_inputs(data / "generated_predictions.jsonl", data / "tiny_test.jsonl")
    assert inputs.has_refs and len(inputs.rows) == 5
    assert [(row.index, row.refs.forum) for row in inputs.papers()] == [(0, "F1"), (2, "F2"), (4, "F3")]
    assert inputs.notes == []  # labels line up with the sidecar's target reviews


def test_row_count_mismatch_names_both_files(data):
    preds = data / "generated_predictions.jsonl"
    preds.write_text("".join(preds.read_text().splitlines(keepends=True)[:4]))
    with pytest.raises(ValueError, match=r"4 predictions in .*generated_predictions.jsonl but 5 "
                                         r"references in .*tiny_test.refs.jsonl"):
        load_inputs(preds, data / "tiny_test.jsonl")


def test_test_and_sidecar_counts_must_agree(data):
    refs = data / "tiny_test.refs.jsonl"
    test = data / "tiny_test.jsonl"
    test.write_text("".join(test.read_text().splitlines(keepends=True)[:3]))
    with pytest.raises(ValueError, match="3 rows in .*tiny_test.jsonl but 5 in .*tiny_test.refs.jsonl"):
        load_inputs(data / "generated_predictions.jsonl", refs)


def test_without_sidecar_only_labels_are_used(data):
    (data / "tiny_test.refs.jsonl").unlink()
    inputs = load_inputs(data / "generated_predictions.jsonl", data / "tiny_test.jsonl")
    assert not inputs.has_refs and inputs.papers() == []
    assert "only ROUGE/BLEU and structure" in inputs.notes[0]


def test_misordered_files_are_flagged(data):
    preds = data / "generated_predictions.jsonl"
    rows = [json.loads(line) for line in preds.read_text().splitlines()]
    rows.reverse()
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    inputs = load_inputs(preds, data / "tiny_test.jsonl")
    assert any("Order check" in note for note in inputs.notes)


def test_bad_sidecar_line_is_named():
    with pytest.raises(ValueError, match="x.refs.jsonl: row 3: decision 'maybe'"):
        PaperRefs.from_dict({"forum": "F", "decision": "maybe", "reviews": [], "target_review_id": "r"},
                        "x.refs.jsonl: row 3")
    with pytest.raises(ValueError, match=r"reviews\[0\].rating"):
        PaperRefs.from_dict({"forum": "F", "decision": "accepted", "target_review_id": "r",
                         "reviews": [{"id": "r", "rating": "six", "text": "t"}]}, "x")
    with pytest.raises(ValueError, match="missing keys"):
        PaperRefs.from_dict({"forum": "F"}, "x")
