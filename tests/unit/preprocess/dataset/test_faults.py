"""Faults in a build: every dropped item named with file and line, a build whose LLM requests all fail stops
with an error, outputs keep their file mode, temp files of a killed build are cleaned, paths with spaces."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import genuine_shapes as shapes
import pytest
from conftest import REPO
from fixtures_eval.stub_server import StubChatServer

from preprocess.core.jsonl import atomic_open, temp_files, write_json
from preprocess.core.names import ratings_file
from preprocess.dataset.__main__ import main


def build_args(raw, parsed, out, tiny_model, *extra: str) -> list[str]:
    """`python -m preprocess.dataset` arguments (run in process: torch is loaded already, a child would reload it)."""
    return ["--raw", str(raw), "--parsed", str(parsed), "--out", str(out), "--name", "f", "--tokenizer",
            str(tiny_model), "--cutoff", "1024", *extra]


def test_each_dropped_review_is_named_with_file_and_line(tmp_path, tiny_model):
    note = shapes.iclr2025()
    replies = note["details"]["replies"]
    short = json.loads(json.dumps(replies[0]))
    short["id"], short["content"] = "short", {"summary": {"value": "Too short to teach anything."}}
    replies.append(short)
    shapes.write_crawl(tmp_path / "raw", [shapes.iclr2024(), note], tmp_path / "parsed")
    main(["--raw", str(tmp_path / "raw"), "--parsed", str(tmp_path / "parsed"), "--out", str(tmp_path / "out"),
          "--name", "f", "--tokenizer", str(tiny_model), "--cutoff", "1024", "--with-rating"])
    meta = json.loads((tmp_path / "out" / "f.meta.json").read_text())
    named = {s["item"]: s["reason"] for s in meta["skipped"]}
    where = f"{tmp_path / 'raw' / 'ICLR.cc_2025_Conference' / 'notes.jsonl'}:1: review short"
    assert named[where] == "5 words, under the minimum"


def test_a_build_whose_llm_requests_all_fail_stops_with_an_error(tmp_path, tiny_model, capsys):
    shapes.write_crawl(tmp_path / "raw", [shapes.iclr2020(), shapes.iclr2021()], tmp_path / "parsed")
    with StubChatServer(lambda messages: (503, "down")) as server, pytest.raises(SystemExit) as stopped:
        main(build_args(tmp_path / "raw", tmp_path / "parsed", tmp_path / "out", tiny_model, "--llm-url",
                        server.url, "--llm-model", "m", "--llm-retries", "0"))
    assert stopped.value.code == 2
    assert "error: every LLM request failed (2 of 2)" in capsys.readouterr().err
    assert not (tmp_path / "out" / "f_train.jsonl").exists()


def test_outputs_keep_their_mode_and_new_ones_get_the_usual_one(tmp_path):
    existing = tmp_path / "dataset_info.json"
    existing.write_text("{}")
    existing.chmod(0o640)
    write_json(existing, {"a": 1})
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    fresh = tmp_path / "new.json"
    write_json(fresh, {})
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_temp_files_of_a_killed_build_are_removed_by_the_next(tmp_path, tiny_model):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".f_train.jsonl.abc123.tmp"
    stale.write_text("half a file")
    ratings = out / f".{ratings_file('f')}.x1y2.tmp"  # the train split's ratings sidecar's too
    ratings.write_text("half")
    other = out / ".someone_else.jsonl.x.tmp"  # not one of this build's outputs: left alone
    other.write_text("")
    assert temp_files(out / "f_train.jsonl") == [stale]
    shapes.write_crawl(tmp_path / "raw", [shapes.iclr2024()], tmp_path / "parsed")
    main(build_args(tmp_path / "raw", tmp_path / "parsed", out, tiny_model))
    assert not stale.exists() and not ratings.exists() and other.exists()
    with atomic_open(out / "x.txt") as handle:  # a normal write leaves no temp file behind
        handle.write("x")
    assert temp_files(out / "x.txt") == []


def test_make_quotes_paths_and_setup_keys_on_content(tmp_path):
    dry = subprocess.run(["make", "-n", "--no-print-directory", "data", "RAW=my crawl", "PARSED=my parsed",
                          "NAME=n", "TOKENIZER=my model"], cwd=REPO, capture_output=True, text=True)
    assert '--raw "my crawl" --parsed "my parsed"' in dry.stdout and '--tokenizer "my model"' in dry.stdout
    (tmp_path / "requirements.txt").write_text((REPO / "requirements.txt").read_text())
    digest = subprocess.run(["sha256sum", "requirements.txt"], cwd=tmp_path, capture_output=True,
                            text=True).stdout[:16]
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / f".stamp-{digest}").write_text("")
    os.utime(tmp_path / ".venv" / f".stamp-{digest}", (0, 0))  # older than requirements.txt
    setup = subprocess.run(["make", "-n", "-f", str(REPO / "Makefile"), "setup"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert "pip install" not in setup.stdout, setup.stdout
    (tmp_path / "requirements.txt").write_text("changed==1\n")
    assert "pip install" in subprocess.run(["make", "-n", "-f", str(REPO / "Makefile"), "setup"], cwd=tmp_path,
                                           capture_output=True, text=True).stdout
