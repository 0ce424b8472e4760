"""Why the RWKV recipe names its LoRA targets (lifecycle/check/arch.py): a tiny random RWKV-4 in eval mode rescales
`attention.output` / `feed_forward.value` by 2 every `rescale_every` layers, but not a LoRA delta beside them, so
base + adapter disagrees with the merged model on those modules and agrees on the recipe's targets."""

from __future__ import annotations

import pytest

from lifecycle.check.arch import RWKV_SAFE_TARGETS, lora_hits


def adapter_vs_merged(targets: list[str]) -> float:
    """Largest logit gap between a LoRA'd tiny RWKV (random B, eval mode) and the same adapter merged."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import RwkvConfig, RwkvForCausalLM

    def adapted():
        torch.manual_seed(0)
        base = RwkvForCausalLM(RwkvConfig(vocab_size=64, context_length=64, hidden_size=32, attention_hidden_size=32,
                                          intermediate_size=64, num_hidden_layers=2, rescale_every=1))
        model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=targets))
        with torch.no_grad():
            for name, param in model.named_parameters():
                if "lora_B" in name:
                    param.normal_(0, 0.5)  # a trained adapter, not the zero init
        return model

    ids = torch.randint(0, 64, (1, 24), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        unmerged = adapted().eval()(ids).logits
        merged = adapted().merge_and_unload().eval()(ids).logits  # merged before any rescaling, as make export does
    return float((unmerged - merged).abs().max())


def test_an_unmerged_lora_on_the_rescaled_modules_predicts_wrong_and_the_recipe_targets_do_not():
    assert adapter_vs_merged(["output"]) > 0.1
    assert adapter_vs_merged(["value"]) > 0.1  # feed_forward.value
    assert adapter_vs_merged(RWKV_SAFE_TARGETS.split(",")) < 1e-4


@pytest.mark.parametrize(("target", "hits"), [
    ("output", ["rwkv.blocks.0.attention.output"]), ("value", ["rwkv.blocks.0.feed_forward.value"]),
    ("feed_forward.value", ["rwkv.blocks.0.feed_forward.value"]), ("head", ["head"]),
    ("attention.value", []), ("key", []), ("receptance", [])])
def test_lora_target_names_match_as_peft_matches_them(target, hits):
    assert lora_hits(target) == hits
