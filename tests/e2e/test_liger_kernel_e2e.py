"""liger-kernel 0.7.0 patching LLaMA-Factory's Llama under the pinned transformers (the 32K recipes' fused
kernels): a fresh Python importing LLaMA-Factory, transformers and liger-kernel takes tens of seconds on CPU, so
it runs in this layer; `make estimate`'s other pieces are in tests/unit/lifecycle/estimate/test_estimate.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_liger_kernel_070_patches_llama_under_the_pinned_transformers():
    code = ("from transformers import LlamaConfig\n"
            "from transformers.models.llama import modeling_llama as m\n"
            "from llamafactory.hparams import ModelArguments\n"
            "from llamafactory.model.model_utils.liger_kernel import apply_liger_kernel\n"
            "apply_liger_kernel(LlamaConfig(), ModelArguments(model_name_or_path='x', enable_liger_kernel=True),"
            " is_trainable=True, require_logits=False)\n"
            "print(m.LlamaRMSNorm.__module__, m.LlamaMLP.__module__)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1].split() == ["liger_kernel.transformers.rms_norm",
                                                    "liger_kernel.transformers.swiglu"]
