"""Every parse child runs bounded in memory: a deflate bomb, a parser that asks for too much, the defaults."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from conftest import generated_pdf
from raw_pdfs import deflate_bomb, slow_pdf

from preprocess.pdf.__main__ import main
from preprocess.pdf.backends import BACKENDS, parse_pdf
from preprocess.pdf.errors import PdfError
from preprocess.pdf.record import ParsedPaper
from preprocess.pdf.workers.batch import parse_batch
from preprocess.pdf.workers.child import parse_in_child


def greedy_parser(path: str, backend: str) -> ParsedPaper:
    """Asks for 4 GB on greedy*.pdf (a MemoryError under any limit below that); parses the rest."""
    if "greedy" in Path(path).name:
        return ParsedPaper(title=str(len(bytearray(4 << 30))))
    return parse_pdf(path, backend)


def limit_reporter(path: str, backend: str) -> ParsedPaper:
    """Reports the address-space limit it runs under, in MB ("none" without one), as the title."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return ParsedPaper(title="none" if soft == resource.RLIM_INFINITY else str(soft >> 20), pages=1)


def errors_of(out: Path) -> dict[str, str]:
    return {Path(row["file"]).name: row["reason"] for row in map(json.loads, (out / "errors.jsonl").open())}


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return deflate_bomb(tmp_path_factory.mktemp("bomb") / "bomb.pdf", 400)


def test_a_deflate_bomb_exceeds_the_memory_limit_and_the_next_pdf_still_parses(tmp_path, bomb):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a_bomb.pdf").write_bytes(bomb.read_bytes())
    generated_pdf(src / "b_good.pdf")
    summary = parse_batch(src, tmp_path / "out", workers=1, memory_mb=256, show_progress=False)
    assert summary["parsed"] == 1 and summary["errors"] == 1
    reason = errors_of(tmp_path / "out")["a_bomb.pdf"]
    assert reason.startswith("exceeds the 256 MB memory limit (") and "--max-memory-mb" in reason
    assert json.loads((tmp_path / "out" / "b_good.json").read_text())["sections"], "the worker was replaced"


def test_a_parser_asking_for_too_much_memory_is_named_and_its_worker_replaced(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    generated_pdf(src / "a_greedy.pdf")
    generated_pdf(src / "b_good.pdf")
    summary = parse_batch(src, tmp_path / "out", workers=1, memory_mb=512, parser=greedy_parser,
                          show_progress=False)
    assert summary["parsed"] == 1
    assert errors_of(tmp_path / "out")["a_greedy.pdf"] == (
        "exceeds the 512 MB memory limit (MemoryError; raise it with --max-memory-mb)")


def test_every_worker_runs_under_its_backends_limit_unless_told_otherwise(tmp_path):
    generated_pdf(tmp_path / "paper.pdf")
    for memory_mb, expected in ((None, str(BACKENDS["default"].memory_mb)), (300, "300"), (0, "none")):
        out = tmp_path / f"out{memory_mb}"
        parse_batch(tmp_path / "paper.pdf", out, memory_mb=memory_mb, parser=limit_reporter, show_progress=False)
        assert json.loads((out / "paper.json").read_text())["title"] == expected
    assert BACKENDS["default"].memory_mb == 1024


def test_the_one_off_parse_is_bounded_in_memory_and_time(tmp_path, bomb):
    with pytest.raises(PdfError, match="exceeds the 256 MB memory limit"):
        parse_in_child(bomb, memory_mb=256)
    slow = slow_pdf(tmp_path / "slow.pdf")
    start = time.monotonic()
    with pytest.raises(PdfError, match="parser timed out after 1 s"):
        parse_in_child(slow, timeout=1)
    assert time.monotonic() - start < 4
    assert parse_in_child(generated_pdf(tmp_path / "good.pdf"), memory_mb=256).sections


def test_cli_takes_the_memory_limit(tmp_path, bomb):
    assert main(["--in", str(bomb), "--out", str(tmp_path / "out"), "--max-memory-mb", "256"]) == 0
    assert errors_of(tmp_path / "out")["bomb.pdf"].startswith("exceeds the 256 MB memory limit")
