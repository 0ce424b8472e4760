"""`make predict BACKEND=vllm`: batch prediction with vLLM on GPUs, with the same config, prompts and output
file as LLaMA-Factory's own predict (`make predict`).

    python scripts/vllm_infer.py saves/<recipe>/predict.yaml [--dry-run] [--tensor-parallel N]

The config is the predict.yaml that lifecycle/run.py writes. It goes through LLaMA-Factory's own parser and
dataset code (template, cutoff_len, the prompt-only processor predict uses), so the prompts match
`make predict` token for token; vLLM only generates. Output: <output_dir>/generated_predictions.jsonl, one
{"prompt", "predict", "label"} per line, as LLaMA-Factory writes it. `--dry-run` stops before vLLM and
writes the prompts to <output_dir>/vllm_requests.jsonl instead: it runs on a CPU machine.
Needs `pip install vllm` (not in requirements.txt: it wants CUDA).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

CHUNK = 256  # prompts handed to vLLM at once; it batches inside


def load_config(path: Path) -> dict[str, Any]:
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("model_name_or_path", "eval_dataset", "output_dir"):
        if not config.get(key):
            raise SystemExit(f"error: {path} has no {key}: write it with `make predict BACKEND=vllm`")
    if config.get("rope_scaling") and config.get("adapter_name_or_path"):
        raise SystemExit("error: a RoPE-scaled run must be merged first (make export): vLLM takes the factor "
                         "from the merged config.json")
    return config


def adapter_rank(config: dict[str, Any]) -> int | None:
    """The LoRA rank of the adapter in the config, if one is served unmerged."""
    adapter = config.get("adapter_name_or_path")
    if not adapter:
        return None
    return int(json.loads((Path(adapter) / "adapter_config.json").read_text(encoding="utf-8"))["r"])


def engine_args(config: dict[str, Any], rank: int | None, tensor_parallel: int) -> dict[str, Any]:
    """vLLM `LLM(...)` arguments. An unmerged adapter (even one trained on a 4-bit base) is applied to the
    unquantized base, as `make export` merges it."""
    args = {"model": str(config["model_name_or_path"]), "trust_remote_code": bool(config.get("trust_remote_code")),
            "dtype": "auto", "max_model_len": int(config.get("cutoff_len", 2048)) + int(config["max_new_tokens"]),
            "tensor_parallel_size": tensor_parallel, "seed": int(config.get("seed", 42)),
            "disable_log_stats": True}
    if rank is not None:
        args.update(enable_lora=True, max_lora_rank=rank)
    return args


def sampling_args(config: dict[str, Any], stop_token_ids: list[int]) -> dict[str, Any]:
    """vLLM `SamplingParams(...)`: greedy unless the config samples, then LLaMA-Factory's defaults."""
    from llamafactory.hparams import GeneratingArguments

    defaults = GeneratingArguments()
    sample = bool(config.get("do_sample", defaults.do_sample))
    return {"temperature": float(config.get("temperature", defaults.temperature)) if sample else 0.0,
            "top_p": float(config.get("top_p", defaults.top_p)) if sample else 1.0,
            "top_k": int(config.get("top_k", defaults.top_k)) if sample else -1,
            "repetition_penalty": float(config.get("repetition_penalty", defaults.repetition_penalty)),
            "max_tokens": int(config["max_new_tokens"]), "stop_token_ids": stop_token_ids,
            "skip_special_tokens": bool(config.get("skip_special_tokens", True)), "seed": int(config.get("seed", 42))}


def prepare(config: dict[str, Any]) -> tuple[list[list[int]], list[str], list[str], list[int]]:
    """Prompt token ids, decoded prompts, decoded labels and the template's stop ids, built by LLaMA-Factory
    from the same config its predict reads."""
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.extras.constants import IGNORE_INDEX
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    model_args, data_args, training_args, _, _ = get_train_args(dict(config))
    tokenizer_module = load_tokenizer(model_args)
    tokenizer = tokenizer_module["tokenizer"]
    template = get_template_and_fix_tokenizer(tokenizer, data_args)
    dataset = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    rows = dataset["eval_dataset"]
    if isinstance(rows, dict):
        raise SystemExit("error: give one eval dataset at a time (DATA=<name>)")
    ids = [list(x) for x in rows["input_ids"]]
    prompts = tokenizer.batch_decode(ids, skip_special_tokens=False)
    labels = tokenizer.batch_decode([[t for t in row if t != IGNORE_INDEX] for row in rows["labels"]],
                                    skip_special_tokens=True)
    return ids, prompts, labels, template.get_stop_token_ids(tokenizer)


def requests(n_prompts: int, seeds: list[int]) -> list[tuple[int, int]]:
    """(prompt index, seed) for every completion: each prompt once per seed, seeds outermost."""
    return [(i, seed) for seed in seeds for i in range(n_prompts)]


def generate(ids: list[list[int]], engine: dict[str, Any], sampling: dict[str, Any], adapter: str | None,
             seeds: list[int]) -> dict[int, list[str]]:
    """Completions per seed, each in prompt order: the model loads once and every seed runs in one batch
    (a committee, `make predict N=...`); one seed is a plain batch prediction."""
    from vllm import LLM, SamplingParams
    from vllm.lora.request import LoRARequest

    llm = LLM(**engine)
    lora = LoRARequest("adapter", 1, adapter) if adapter else None
    jobs = requests(len(ids), seeds)
    texts: list[str] = []
    for start in range(0, len(jobs), CHUNK):
        chunk = jobs[start:start + CHUNK]
        batch = [{"prompt_token_ids": ids[i]} for i, _ in chunk]
        params = [SamplingParams(**{**sampling, "seed": seed}) for _, seed in chunk]
        texts += [r.outputs[0].text for r in llm.generate(batch, params, lora_request=lora)]
    return {seed: texts[k * len(ids):(k + 1) * len(ids)] for k, seed in enumerate(seeds)}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Written beside, then renamed into place: a killed run never leaves a file that looks whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path, help="saves/<recipe>/predict.yaml, written by make predict")
    parser.add_argument("--dry-run", action="store_true", help="build the prompts, write them, skip vLLM")
    parser.add_argument("--tensor-parallel", type=int, default=0, help="GPUs per model (default: all visible)")
    parser.add_argument("--seeds", default="", help="comma-separated seeds: one sample each, written to "
                        "<output_dir>/samples/seed-<s>/ (a committee); default: the config's seed, <output_dir>/")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    out_dir = Path(config["output_dir"])
    if not args.dry_run and importlib.util.find_spec("vllm") is None:
        print("error: vLLM is not installed: `.venv/bin/pip install vllm` on a CUDA machine", file=sys.stderr)
        return 2
    ids, prompts, labels, stop_ids = prepare(config)
    if args.dry_run:
        write_jsonl(out_dir / "vllm_requests.jsonl",
                    [{"prompt": p, "prompt_tokens": len(i), "label": lab} for p, i, lab in zip(prompts, ids, labels,
                                                                                                strict=True)])
        print(f"dry run: {len(ids)} prompts written to {out_dir / 'vllm_requests.jsonl'}")
        return 0
    import torch

    tp = args.tensor_parallel or max(torch.cuda.device_count(), 1)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or [int(config.get("seed", 42))]
    by_seed = generate(ids, engine_args(config, adapter_rank(config), tp), sampling_args(config, stop_ids),
                       config.get("adapter_name_or_path"), seeds)
    for seed, preds in by_seed.items():
        folder = out_dir / "samples" / f"seed-{seed}" if args.seeds else out_dir
        path = folder / "generated_predictions.jsonl"
        write_jsonl(path, [{"prompt": p, "predict": y, "label": lab}
                           for p, y, lab in zip(prompts, preds, labels, strict=True)])
        print(f"{len(preds)} predictions written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
