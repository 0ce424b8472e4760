"""`make estimate`'s pieces without training: the catalogue's configs against the models' published parameter
counts, the TINY shrink, the word tokenizer, row lengths, the report's arithmetic and what a CPU drops. The trained
runs are in tests/e2e/test_estimate_e2e.py, liger-kernel's patching in tests/e2e/test_liger_kernel_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lifecycle.estimate import model, report, rows
from lifecycle.estimate.__main__ import make_plan

# Parameter counts as the model cards and safetensors indexes publish them.
PUBLISHED = {
    "mistralai/Mistral-7B-Instruct-v0.2": 7_241_732_096, "mistralai/Mixtral-8x7B-Instruct-v0.1": 46_702_792_704,
    "google/gemma-7b-it": 8_537_680_896, "meta-llama/Llama-2-7b-chat-hf": 6_738_415_616,
    "meta-llama/Llama-2-13b-chat-hf": 13_015_864_320, "meta-llama/Llama-3.1-8B-Instruct": 8_030_261_248,
    "Qwen/Qwen2.5-7B-Instruct": 7_615_616_512,
    "HuggingFaceH4/zephyr-7b-beta": 7_241_732_096,  # Mistral-7B-v0.1's
    # Llama-2-7b's count plus one 4,096-wide row in the embedding and the head for the added pad token (32,001).
    "Yukang/LongAlpaca-7B": 6_738_415_616 + 2 * 4096,
    # No published count: RWKV-4 by hand, 32 x (5 D^2 + 2 D F + 11 D) + 2 V D + 4 D with D 4,096, F 16,384,
    # V 50,277 (x 2 bytes = the 14.8 GB bf16 checkpoint).
    "RWKV/rwkv-raven-7b": 32 * (5 * 4096**2 + 2 * 4096 * 16384 + 11 * 4096) + 2 * 50277 * 4096 + 4 * 4096}


def catalogue() -> list[Path]:
    """Every recipe but those on models built here under models/ (tiny, tiny_dpo; smollm2_cpu by make base-model)."""
    return sorted(p for p in Path("recipes").glob("*.yaml")
                  if not yaml.safe_load(p.read_text())["model_name_or_path"].startswith("models/"))


def test_every_catalogue_model_has_its_config_with_the_published_parameter_count():
    models = {yaml.safe_load(p.read_text())["model_name_or_path"] for p in catalogue()}
    assert models == set(PUBLISHED)
    for name, published in PUBLISHED.items():
        assert model.parameter_counts(model.base_config(name))[0] == published, name


def test_shrink_keeps_the_architecture_and_divides_the_context():
    mixtral = model.shrink(model.base_config("mistralai/Mixtral-8x7B-Instruct-v0.1"))
    assert (mixtral["model_type"], mixtral["num_local_experts"], mixtral["num_experts_per_tok"]) == ("mixtral", 4, 2)
    assert (mixtral["num_attention_heads"], mixtral["num_key_value_heads"]) == (4, 1)  # 32:8 grouped-query
    assert mixtral["max_position_embeddings"] == 32768 // 16
    llama3 = model.shrink(model.base_config("meta-llama/Llama-3.1-8B-Instruct"))
    assert llama3["rope_scaling"]["rope_type"] == "llama3"
    assert llama3["rope_scaling"]["original_max_position_embeddings"] == 8192 // 16
    gemma = model.shrink(model.base_config("google/gemma-7b-it"))
    assert gemma["head_dim"] == 16 and gemma["hidden_activation"] == "gelu_pytorch_tanh"
    assert "eos_token_id" not in gemma
    total, _ = model.parameter_counts(gemma)
    assert total < 1_000_000


def test_a_model_without_a_config_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="no config.json for org/unknown: .*mistralai/Mistral-7B-Instruct-v0.2"):
        model.base_config("org/unknown")


def test_the_word_tokenizer_gives_one_token_a_word_and_the_templates_special_tokens():
    tok = model.word_tokenizer("llama3")
    assert len(tok("w1 w2 w1999", add_special_tokens=False)["input_ids"]) == 3
    for special in ("<|start_header_id|>", "<|eot_id|>", "<|im_start|>", "<start_of_turn>", "</s>"):
        assert len(tok(special, add_special_tokens=False)["input_ids"]) == 1, special
    assert (tok.bos_token, tok.eos_token) == ("<|begin_of_text|>", "<|eot_id|>")
    assert model.word_tokenizer("qwen").bos_token is None


def test_row_lengths_are_the_worst_case_without_a_meta_and_follow_the_built_papers_with_one():
    lengths, source = rows.row_lengths(5, 12288, None)
    assert lengths == [12288] * 5 and "worst case" in source
    meta = {"paper_tokens": {"after_fit": {"p50": 5000, "p95": 7800, "max": 8100}}, "args": {"review_tokens": 4096}}
    lengths, source = rows.row_lengths(200, 12288, meta)
    assert lengths[0] == 8100 + 4096 + rows.OVERHEAD and lengths == sorted(lengths, reverse=True)
    assert min(lengths) >= 2500 + 4096 and "p50 5000" in source


def test_rows_tokenize_to_their_lengths(tmp_path):
    rows.write_rows(tmp_path, [300, 120])
    tok = model.word_tokenizer("mistral")
    written = [yaml.safe_load(line) for line in (tmp_path / "estimate_rows.jsonl").read_text().splitlines()]
    counts = [sum(len(tok(r[k], add_special_tokens=False)["input_ids"]) for k in ("instruction", "input", "output"))
              for r in written]
    assert counts == [300 - rows.OVERHEAD + 4, 120 - rows.OVERHEAD + 4]


def test_the_report_counts_active_parameters_flops_and_the_projection():
    config = model.base_config("mistralai/Mixtral-8x7B-Instruct-v0.1")
    total, embeddings = model.parameter_counts(config)
    active = report.active_parameters(config, total, embeddings)
    assert 12.7e9 < active < 12.8e9  # Mixtral's "12.9B active" counts the input embeddings (0.13B) too
    assert report.flops_per_token(config, active, 1000) == 6 * active + 12 * 32 * 32 * 128 * 1000
    header = "# Tokens:  2 x 8 accum = 16 samples/step; 15,000 samples -> ~940 steps/epoch"
    assert report.rows_in_run({}, header, None) == (15000, "the recipe header")
    assert report.rows_in_run({}, header, {"counts": {"train rows": 68}})[0] == 68
    measured = {"seconds": [9.0, 5.0, 2.0, 2.0, 4.0], "tokens_seen": [100, 200, 300, 400, 500], "world_size": 1,
                "peak": {"device": "NVIDIA H100 80GB HBM3"}}
    recipe = {"gradient_accumulation_steps": 8, "per_device_train_batch_size": 2, "num_train_epochs": 2.0}
    summary = report.summarize(measured, recipe, 15000, 1e9)
    assert summary["seconds_per_micro_step"] == 2.0 and summary["seconds_per_step"] == 16.0
    assert summary["tokens_per_s"] == 300 / 8.0
    assert summary["projected_steps"] == 1876 and summary["projected_hours"] == 1876 * 16.0 / 3600
    assert summary["mfu"] == pytest.approx(37.5 * 1e9 / 989.4e12)


@pytest.mark.parametrize(("name", "tflops"), [("NVIDIA H200", 989.4), ("NVIDIA H100 PCIe", 756.5),
                                              ("NVIDIA H100 80GB HBM3", 989.4), ("NVIDIA A100-SXM4-80GB", 312.0),
                                              ("NVIDIA L40S", 362.1), ("NVIDIA L4", 121.0), ("NVIDIA A10", 125.0),
                                              ("cpu", None)])
def test_peaks_by_card_name(name, tflops):
    assert report.peak_tflops(name) == tflops


def test_on_a_cpu_the_gpu_only_settings_are_dropped_each_with_a_reason():
    plan = make_plan("llama31_8b_32k", {}, tiny=True)
    assert set(plan.dropped) == {"bf16", "enable_liger_kernel", "deepspeed"}
    assert "bf16" not in plan.recipe and plan.recipe["cutoff_len"] == 32768 // 16
    assert plan.config["hidden_size"] == 64 and plan.dtype == "float32"
    assert "deepspeed" in make_plan("mistral_15k", {}, tiny=True, keep_deepspeed=True).recipe
