"""scripts/add_instruction.sh: one jq pass, byte-identical to the reference design's per-line loop.

On typical lines it matches the loop as the reference design wrote it; on lines that loop mangles (escaped
quotes and newlines, backslashes, runs of spaces, glob characters, a last line without a newline) it
matches the correct loop (`read -r`, quoted `printf`) and the loop as written is shown to differ.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

SCRIPT = REPO / "scripts" / "add_instruction.sh"
AS_WRITTEN = """while read line; do echo $line | jq -c --slurpfile extra extra.json '. + $extra[0]'; done < in.jsonl"""
CORRECT = """while IFS= read -r line; do printf '%s\\n' "$line" | jq -c --slurpfile extra extra.json '. + $extra[0]'; \
done < in.jsonl"""


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            raise FileNotFoundError(f"{tool} is missing under CI=true: .ci/run must apt-get install -y {tool}")
        pytest.skip(f"{tool} not installed (Debian: apt-get install -y {tool})")


def run_case(tmp_path: Path, lines: bytes) -> tuple[bytes, bytes, bytes]:
    """(script output, loop as written, correct loop) for `lines`, in a folder that holds only our files."""
    need("jq")
    (tmp_path / "in.jsonl").write_bytes(lines)
    (tmp_path / "extra.json").write_text(json.dumps({"instruction": "Review it.", "system": ""}))
    script = subprocess.run([str(SCRIPT), "in.jsonl", "extra.json"], cwd=tmp_path, capture_output=True, check=True)
    loops = [subprocess.run(["bash", "-c", loop], cwd=tmp_path, capture_output=True).stdout
             for loop in (AS_WRITTEN, CORRECT)]
    return script.stdout, *loops


def test_typical_lines_match_the_loop_as_written(tmp_path):
    rows = [{"input": f"title: Paper {i} abstract: we study attention", "output": "Clear paper. Rating: 6",
             "id": i, "score": i / 4, "tags": ["a", "b"], "instruction": "old"} for i in range(40)]
    out, as_written, correct = run_case(tmp_path, "".join(json.dumps(r) + "\n" for r in rows).encode())
    assert out == as_written == correct
    first = json.loads(out.splitlines()[0])
    assert first["instruction"] == "Review it." and first["system"] == "" and list(first)[0] == "input"
    assert len(out.splitlines()) == 40


@pytest.mark.parametrize("value", ['He said \\"no\\"', "line one\\nline two", "a \\\\ backslash",
                                   "two  spaces and\\ttab", "glob * star", "unicode é ✓"])
def test_lines_the_loop_mangles_match_the_correct_loop(tmp_path, value):
    (tmp_path / "decoy.txt").write_text("")  # gives `*` something to expand to
    line = '{"input": "' + value + '", "n": 1}\n'
    out, as_written, correct = run_case(tmp_path, line.encode())
    assert out == correct
    assert json.loads(out)["input"] == json.loads(line)["input"]
    if value != "unicode é ✓":
        assert as_written != out, "the loop as written was expected to mangle this line"


def test_last_line_without_newline_is_kept(tmp_path):
    out, as_written, correct = run_case(tmp_path, b'{"a": 1}\n{"a": 2}')
    assert out == b'{"a":1,"instruction":"Review it.","system":""}\n{"a":2,"instruction":"Review it.","system":""}\n'
    assert as_written == correct == out.splitlines(keepends=True)[0]  # `read` drops the unterminated line


def test_bad_input_and_usage_errors(tmp_path):
    need("jq")
    (tmp_path / "extra.json").write_text('{"x": 1}')
    (tmp_path / "in.jsonl").write_text('{"a": 1}\n{broken\n')
    proc = subprocess.run([str(SCRIPT), "in.jsonl", "extra.json"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0 and "parse error" in proc.stderr and proc.stdout == '{"a":1,"x":1}\n'
    assert subprocess.run([str(SCRIPT)], capture_output=True).returncode == 64
    assert subprocess.run([str(SCRIPT), "missing.jsonl", "extra.json"], cwd=tmp_path,
                          capture_output=True).returncode == 66


def test_scripts_are_shellcheck_clean():
    need("shellcheck")
    for script in (SCRIPT, REPO / "bench" / "add_instruction.sh"):
        proc = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
