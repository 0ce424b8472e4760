"""Catalogue checks: every recipe passes the checker (LLaMA-Factory's parser + ours), and each of our checks
catches the mistake it is for, naming the recipe and the key. Runs in-process: no weights, no training (`make
check-recipes` itself: tests/e2e/test_check_recipes_e2e.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import REPO

RECIPE_PATHS = sorted((REPO / "recipes").glob("*.yaml"))
CATALOGUE = {"tiny", "mistral_5k", "mistral_15k", "gemma_5k", "gemma_15k", "llama2_7b_16k", "llama2_13b_16k",
             "mixtral_8x7b", "llama31_8b_32k", "qwen25_7b_32k", "zephyr_7b", "longalpaca_7b_32k", "rwkv_raven_7b",
             "tiny_dpo", "mistral_5k_dpo"}


@pytest.fixture(scope="module")
def check():
    from lifecycle.check.args import argument_types
    from lifecycle.check.recipe import check_recipe

    return SimpleNamespace(argument_types=argument_types, check_recipe=check_recipe)


@pytest.fixture(scope="module")
def types_(check):
    return check.argument_types()


def errors(findings) -> list[tuple[str, str]]:
    return [(f.key, f.message) for f in findings if f.level == "error"]


def test_catalogue_is_collected():
    assert len(RECIPE_PATHS) > 0
    assert CATALOGUE <= {p.stem for p in RECIPE_PATHS}


@pytest.mark.parametrize("path", RECIPE_PATHS, ids=[p.stem for p in RECIPE_PATHS])
def test_every_recipe_passes_the_checker(check, types_, path: Path):
    findings = check.check_recipe(path, root=REPO, types_=types_)
    assert not errors(findings), "\n".join(map(str, findings))


@pytest.mark.parametrize("path", RECIPE_PATHS, ids=[p.stem for p in RECIPE_PATHS])
def test_every_dataset_is_registered_or_declared_by_a_make_data_line(check, types_, path: Path):
    findings = check.check_recipe(path, root=REPO, types_=types_)
    notes = [f.message for f in findings if f.key == "dataset"]
    registered = json.loads((REPO / "data" / "dataset_info.json").read_text())
    recipe = yaml.safe_load(path.read_text())
    for name in recipe["dataset"].split(","):
        declared = [n for n in notes if name in n and ("NAME=" in n or "built by `make pairs`" in n)]
        assert name in registered or declared, (name, notes)


def test_deepspeed_configs_are_json_with_the_stage_their_name_says():
    stages = {}
    for path in sorted((REPO / "recipes" / "deepspeed").glob("*.json")):
        zero = json.loads(path.read_text())["zero_optimization"]
        stages[path.name] = (zero["stage"], "offload_optimizer" in zero)
    assert stages == {"ds_z2_config.json": (2, False), "ds_z2_offload_config.json": (2, True),
                      "ds_z3_config.json": (3, False)}


# ---------- each check catches its mistake ----------

def variant(tmp_path: Path, base: str, stem: str, changes: dict, header: tuple[str, str] | None = None) -> Path:
    """recipes/<base>.yaml renamed to <stem> (header and output_dir), with `changes` applied (None deletes)."""
    text = (REPO / "recipes" / f"{base}.yaml").read_text()
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and not line.startswith("###"))
    head = head.replace(f"{base}:", f"{stem}:").replace(f"RECIPE={base}", f"RECIPE={stem}")
    if header:
        head = head.replace(*header)
    recipe = {**yaml.safe_load(text), "output_dir": f"saves/{stem}", **changes}
    recipe = {k: v for k, v in recipe.items() if v is not None}
    path = tmp_path / f"{stem}.yaml"
    path.write_text(head + "\n" + yaml.safe_dump(recipe, sort_keys=False))
    return path


CASES = [
    ("tiny", {"learning_rate": "1e-4"}, "learning_rate", "is a string"),
    ("tiny", {"flash_attn": "fa4"}, "flash_attn", "not one of ['auto', 'disabled', 'sdpa', 'fa2', 'fa3']"),
    ("tiny", {"rope_scaling": "ntk"}, "rope_scaling", "not one of ['linear', 'dynamic', 'yarn', 'llama3']"),
    ("tiny", {"quantization_bit": 4, "quantization_type": "nf5"}, "quantization_type", "not one of ['fp4', 'nf4']"),
    ("tiny", {"lora_rnak": 8}, "lora_rnak", "did you mean lora_rank"),
    ("tiny", {"template": "mistrall"}, "template", "not a LLaMA-Factory template"),
    ("mistral_15k", {"template": "llama2"}, "template", "chats in the 'mistral' format"),
    ("tiny", {"dataset": "nosuch_train"}, "dataset", "neither registered"),
    ("mistral_15k", {"cutoff_len": 8192}, "dataset", "fitted to 12288 tokens, over cutoff_len 8192"),
    ("mistral_15k", {"cutoff_len": 40960, "rope_scaling": "linear"}, "rope_scaling", "mistral ignores it"),
    ("gemma_15k", {"cutoff_len": 12288}, "cutoff_len", "cannot scale RoPE for gemma"),
    ("tiny", {"cutoff_len": 2048}, "cutoff_len", "exceeds models/tiny's context of 1024"),
    ("tiny", {"rope_scaling": "linear"}, "rope_scaling", "no effect"),
    ("llama31_8b_32k", {"rope_scaling": "linear"}, "rope_scaling", "would replace that with linear x4"),
    ("tiny", {"quantization_bit": 8, "deepspeed": "recipes/deepspeed/ds_z3_config.json"}, "quantization_bit",
     "ZeRO-3 shards only 4-bit"),
    ("tiny", {"quantization_bit": 4, "deepspeed": "recipes/deepspeed/ds_z3_config.json"}, "quantization_bit",
     "needs bf16 or fp16"),
    ("tiny", {"quantization_bit": 8, "quantization_type": "nf4"}, "quantization_type", "only applies to 4-bit"),
    ("tiny", {"deepspeed": "recipes/deepspeed/ds_z9.json"}, "deepspeed", "does not exist"),
    ("tiny", {"shift_attn": True}, "shift_attn", "needs transformers < 4.48"),
    ("tiny", {"lr_scheduler_type": "constant", "warmup_ratio": 0.03}, "lr_scheduler_type", "ignores warmup"),
    ("tiny", {"bf16": True, "fp16": True}, "fp16", "pick one"),
    ("tiny", {"output_dir": "saves/elsewhere"}, "output_dir", "must be saves/"),
    ("zephyr_7b", {"template": "mistral"}, "template", "chats in the 'zephyr' format"),
    ("zephyr_7b", {"cutoff_len": 40960, "rope_scaling": "yarn"}, "rope_scaling", "mistral ignores it"),
    ("longalpaca_7b_32k", {"rope_scaling": "linear"}, "rope_scaling", "already scales RoPE (linear to 32768"),
    ("longalpaca_7b_32k", {"cutoff_len": 40960}, "cutoff_len", "exceeds Yukang/LongAlpaca-7B's context of 32768"),
    ("rwkv_raven_7b", {"lora_target": "all"}, "lora_target", "'all' adapts RWKV's `head`"),
    ("rwkv_raven_7b", {"lora_target": "key,value"}, "lora_target", "'value' adapts `feed_forward.value`, rescaled"),
    ("rwkv_raven_7b", {"lora_target": "attention.key,output"}, "lora_target", "adapts `attention.output`"),
    ("rwkv_raven_7b", {"lora_target": "attention.key,head"}, "lora_target", "the output head"),
    ("rwkv_raven_7b", {"cutoff_len": 4096}, "cutoff_len", "cannot scale RoPE for rwkv"),
    ("rwkv_raven_7b", {"bf16": None, "fp16": True}, "fp16", "RWKV-4 overflows in fp16"),
    ("rwkv_raven_7b", {"neat_packing": True, "packing": True}, "neat_packing", "share one recurrent state"),
    ("rwkv_raven_7b", {"per_device_eval_batch_size": 4}, "per_device_eval_batch_size", "left padding"),
    ("tiny_dpo", {"adapter_name_or_path": None}, "adapter_name_or_path", "starts from an SFT run's LoRA"),
    ("tiny_dpo", {"dataset": "sample_train"}, "dataset", "sample_train is not a preference dataset"),
    ("tiny_dpo", {"stage": "kto"}, "dataset", "sample_pairs is not a KTO dataset"),
    # LLaMA-Factory's own parser, run on the recipe:
    ("tiny_dpo", {"quantization_bit": 4}, "LLaMA-Factory parser", "Cannot create new adapter upon a quantized model"),
    ("tiny", {"finetuning_type": "full", "quantization_bit": 4}, "LLaMA-Factory parser",
     "Quantization is only compatible with the LoRA or OFT method"),
    # ... with the DeepSpeed JSON held, so its ZeRO-3 rules apply on this CPU machine too:
    ("tiny", {"deepspeed": "recipes/deepspeed/ds_z3_config.json", "predict_with_generate": True,
              "eval_dataset": "sample_test"}, "LLaMA-Factory parser", "incompatible with DeepSpeed ZeRO-3"),
]


@pytest.mark.parametrize(("base", "changes", "key", "message"), CASES, ids=[c[2] + ":" + c[3][:24] for c in CASES])
def test_check_catches_and_names_recipe_and_key(check, types_, tmp_path, base, changes, key, message):
    path = variant(tmp_path, base, "broken", changes)
    found = [f for f in check.check_recipe(path, root=REPO, types_=types_) if f.level == "error"]
    hits = [f for f in found if f.key == key and message in f.message]
    assert hits, f"no {key!r} error containing {message!r}; got:\n" + "\n".join(map(str, found))
    assert str(hits[0]).startswith(f"{path}: {key}: ")


def test_header_must_give_the_run_line_and_an_override(check, types_, tmp_path):
    path = variant(tmp_path, "tiny", "broken", {}, header=("# Run:", "# Launch:"))
    found = errors(check.check_recipe(path, root=REPO, types_=types_))
    assert ("header", "missing the '# Run:' line") in found


def test_declared_dataset_must_say_cutoff_and_tokenizer(check, types_, tmp_path):
    path = variant(tmp_path, "mistral_15k", "broken", {}, header=(" CUTOFF=12288", ""))
    found = errors(check.check_recipe(path, root=REPO, types_=types_))
    assert any(k == "dataset" and "must name CUTOFF" in m for k, m in found), found


def test_rope_scaling_past_the_context_is_a_note_with_the_factor(check, types_, tmp_path):
    path = variant(tmp_path, "tiny", "longer", {"cutoff_len": 3000, "rope_scaling": "dynamic"})
    findings = check.check_recipe(path, root=REPO, types_=types_)
    notes = [f.message for f in findings if f.key == "rope_scaling" and f.level == "note"]
    assert notes and notes[0].startswith("dynamic x3: 1024 -> 3072")
    assert not [f for f in findings if f.level == "error" and f.key != "dataset"], findings


def test_yarn_as_an_override_on_a_llama_recipe_is_a_note_with_its_factor_and_temperature(check, types_, tmp_path):
    path = variant(tmp_path, "llama2_7b_16k", "yarn", {"rope_scaling": "yarn"})
    findings = check.check_recipe(path, root=REPO, types_=types_)
    notes = [f.message for f in findings if f.key == "rope_scaling" and f.level == "note"]
    assert notes == ["yarn x4: 4096 -> 16384 positions; YaRN also scales attention logits by 1.139 (0.1 ln 4 + 1)"]
    assert not [f for f in findings if f.level == "error" and f.key != "dataset"], findings


def test_yarn_factor_and_temperature_are_what_llamafactory_and_transformers_apply():
    """LLaMA-Factory's configure_rope on a Llama-2 config at 16,384 tokens, then transformers' YaRN init."""
    from llamafactory.hparams import ModelArguments
    from llamafactory.model.model_utils.rope import configure_rope
    from transformers import LlamaConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    from lifecycle.models import yarn_attention

    config = LlamaConfig(**json.loads((REPO / "lifecycle" / "estimate" / "configs" /
                                       "meta-llama__Llama-2-7b-chat-hf.json").read_text()))
    args = ModelArguments(model_name_or_path="x", rope_scaling="yarn")
    args.model_max_length = 16384
    configure_rope(config, args)
    assert config.rope_scaling == {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}
    _, attention_factor = ROPE_INIT_FUNCTIONS["yarn"](config, "cpu")
    assert attention_factor == pytest.approx(yarn_attention(4.0)) and round(attention_factor, 3) == 1.139


def test_a_local_config_json_is_read_directly(check, types_, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "mistral", "max_position_embeddings": 8192,
                                                   "sliding_window": 4096}))
    path = variant(tmp_path, "tiny", "local", {"model_name_or_path": str(model), "cutoff_len": 8192})
    findings = check.check_recipe(path, root=REPO, types_=types_)
    assert any(f.key == "cutoff_len" and f.level == "note" and "windowed at 4096" in f.message for f in findings)
    assert not [f for f in findings if f.key in ("cutoff_len", "model_name_or_path") and f.level == "error"]


def test_a_hub_model_missing_from_the_table_is_an_error(check, types_, tmp_path):
    path = variant(tmp_path, "tiny", "unknown", {"model_name_or_path": "someone/Unknown-7B"})
    found = errors(check.check_recipe(path, root=REPO, types_=types_))
    assert any(k == "model_name_or_path" and "lifecycle/models.py" in m for k, m in found), found
