"""Issue 24, data side: names that cannot escape their folders, builds that never replace a good dataset with
(nearly) nothing, a registry that keeps every entry under concurrency, one build per dataset name at a time."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys

import genuine_shapes as shapes
import pytest
from conftest import REPO

from preprocess.core.names import safe_name
from preprocess.dataset.__main__ import main
from preprocess.prompt.register import build_lock, dataset_entry, register

FOUR = [shapes.iclr2020(), shapes.iclr2021(), shapes.iclr2024(), shapes.iclr2025()]


def build_args(raw, parsed, out, tiny_model, name: str = "keep", *extra: str) -> list[str]:
    return ["--raw", str(raw), "--parsed", str(parsed), "--out", str(out), "--name", name, "--tokenizer",
            str(tiny_model), "--cutoff", "1024", *extra]


# ---- names


@pytest.mark.parametrize("name", ["../../escape_probe", "../x", "a/b", "a\\b", ".hidden", "-rf", "", "a..b",
                                  "x" * 101, "name with space", "naïve", "a\nb", "/abs"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(ValueError, match="dataset name"):
        safe_name(name, "dataset name")


@pytest.mark.parametrize("name", ["sample", "keep", "iclr_2024", "gemma-5k", "v1.2", "A9"])
def test_safe_names_pass_unchanged(name):
    assert safe_name(name, "dataset name") == name


def test_a_name_that_escapes_data_is_refused_before_anything_is_written(tmp_path, capsys):
    """The probe: `make data NAME=../../escape_probe` wrote outside data/ and registered keys with `..`."""
    out = tmp_path / "deep" / "data"
    with pytest.raises(SystemExit) as stopped:
        main(["--out", str(out), "--name", "../../escape_probe", "--tokenizer", "models/tiny"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: dataset name '../../escape_probe'"), err
    assert not any(tmp_path.rglob("*")), "nothing written, not even the data folder"


def test_register_refuses_keys_that_are_not_one_safe_name(tmp_path):
    with pytest.raises(ValueError, match="dataset name '../x_train'"):
        register(tmp_path, {"../x_train": dataset_entry("../x_train.jsonl")})
    assert not (tmp_path / "dataset_info.json").exists()


# ---- no shrink without consent


def test_an_empty_rebuild_keeps_the_previous_dataset_unless_allowed(tmp_path, tiny_model, capsys):
    """The probe: `make data NAME=keep` (rows), then the same NAME from a crawl whose texts are missing: exit 0,
    "rows: train 0, test 0", and the good files emptied."""
    out, raw, parsed = tmp_path / "out", tmp_path / "raw", tmp_path / "parsed"
    shapes.write_crawl(raw, FOUR, parsed)
    main(build_args(raw, parsed, out, tiny_model))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    rows = sum(json.loads(before["keep.meta.json"])["counts"].get(f"{s} rows", 0) for s in ("train", "test"))
    assert rows > 0
    shutil.rmtree(parsed)
    parsed.mkdir()  # the texts are gone: every paper fails the text step
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(build_args(raw, parsed, out, tiny_model, "keep", "--parse-timeout", "5"))
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"this build has 0 rows (train 0, test 0) where the previous one has {rows}" in err[0]
    assert "--allow-shrink" in err[0]
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert after == before, "every previous output kept byte for byte"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    main(build_args(raw, parsed, out, tiny_model, "keep", "--parse-timeout", "5", "--allow-shrink"))
    assert (out / "keep_train.jsonl").read_bytes() == b""
    assert json.loads((out / "keep.meta.json").read_text())["args"]["allow_shrink"] is True


def test_a_rebuild_under_half_the_rows_is_refused_and_a_first_build_is_not(tmp_path, tiny_model, capsys):
    out, raw, parsed = tmp_path / "out", tmp_path / "raw", tmp_path / "parsed"
    shapes.write_crawl(raw, FOUR, parsed)
    main(build_args(raw, parsed, out, tiny_model))
    meta = json.loads((out / "keep.meta.json").read_text())
    meta["counts"]["train rows"] += 100  # as if the previous build had far more rows than this one will
    (out / "keep.meta.json").write_text(json.dumps(meta))
    with pytest.raises(SystemExit):
        main(build_args(raw, parsed, out, tiny_model))
    assert "where the previous one has" in capsys.readouterr().err
    (out / "keep.meta.json").unlink()  # no meta: the previous files' lines count
    main(build_args(raw, parsed, out, tiny_model))  # same rows as the files hold: fine


def test_make_passes_allow_shrink_through_build_args():
    dry = subprocess.run(["make", "-n", "data", "NAME=keep", "BUILD_ARGS=--allow-shrink"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in dry.splitlines() if "-m preprocess.dataset" in x)
    assert line.endswith("--allow-shrink") and '--name "keep"' in line


# ---- locks


def _register_one(out: str, i: int) -> None:
    register(out, {f"d{i}_train": dataset_entry(f"d{i}_train.jsonl")})


def test_sixteen_concurrent_registrations_keep_every_entry(tmp_path):
    """The probe: 16 concurrent register() calls lost 14 entries (read, merge, rename: last writer wins)."""
    register(tmp_path, {"theirs": {"file_name": "theirs.json"}})
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_register_one, args=(str(tmp_path), i)) for i in range(16)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 16
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert set(info) == {"theirs", *(f"d{i}_train" for i in range(16))}
    assert not list(tmp_path.glob(".dataset_info.json.*.tmp"))


def test_a_second_build_of_the_same_name_is_refused_while_one_runs(tmp_path, tiny_model, capsys):
    """The probe: two `make data` of one NAME at once mixed their outputs. Here a build holds the lock in another
    process; a second, in this one, is refused at once with one line and writes nothing."""
    out, raw, parsed = tmp_path / "out", tmp_path / "raw", tmp_path / "parsed"
    shapes.write_crawl(raw, FOUR[:1], parsed)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from preprocess.prompt.register import build_lock\n"
         f"with build_lock(Path({str(out)!r}), 'keep'):\n print('held', flush=True); sys.stdin.read()"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(SystemExit) as stopped:
            main(build_args(raw, parsed, out, tiny_model))
        assert stopped.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "another build of dataset 'keep' is running" in err[0]
        assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == []
        with build_lock(out, "other"):  # another name is not held up
            pass
    finally:
        holder.communicate("")
    main(build_args(raw, parsed, out, tiny_model))  # the lock went with its process
    assert (out / "keep_train.jsonl").exists()
