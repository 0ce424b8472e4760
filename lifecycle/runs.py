"""A training run's record and its checkpoints: what `make train` knows before it starts, resumes or refuses.

`saves/<name>/run.json` records the run that owns the folder: its identity (a hash of the recipe's training
keys with ARGS and of the training data's bytes), the ARGS, the data fingerprint, the run length, its status
(running, finished, failed) and each resume. Each checkpoint gets the identity as `run_identity.json`.
Keys that change no weight (logging, saving, workers; `NOT_IDENTITY`) are left out of the identity, and so is
the run's length (`LENGTH_KEYS`), so a finished run can be extended by resuming with more steps.

A checkpoint is complete when Trainer finished writing it: `trainer_state.json` (written last) reads as JSON
with the folder's step, the weights are there and whole (a safetensors file as long as its header says, a `.bin`
a whole zip archive), and `optimizer.pt`, when present, is a whole zip archive.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from preprocess.core.jsonl import write_json
from preprocess.core.names import dataset_list

RUN_FILE = "run.json"
STAMP = "run_identity.json"
NOT_IDENTITY = frozenset({
    "output_dir", "overwrite_output_dir", "resume_from_checkpoint", "logging_steps", "save_steps",
    "save_total_limit", "save_strategy", "save_only_model", "plot_loss", "report_to", "run_name",
    "overwrite_cache", "preprocessing_num_workers", "dataloader_num_workers", "per_device_eval_batch_size",
    "max_new_tokens", "eval_dataset", "do_predict", "predict_with_generate"})
LENGTH_KEYS = ("max_steps", "num_train_epochs")
WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin", "model.safetensors", "model.safetensors.index.json",
           "pytorch_model.bin", "pytorch_model.bin.index.json")
OUTPUTS = ("checkpoint-*", "adapter_config.json", "trainer_state.json", "train.yaml", "merged", RUN_FILE)


@dataclass
class RunRecord:
    """Who a run is (`identity` over `config` and `data`) and what became of it."""

    identity: str
    recipe: str
    overrides: dict[str, Any]
    config: dict[str, Any]  # the training keys the identity covers
    data: dict[str, str]  # training dataset -> sha256 of its file
    length: dict[str, Any]  # max_steps, num_train_epochs
    status: str = "running"  # running | finished | failed (exit N)
    started: str = ""
    ended: str = ""
    resumes: list[dict[str, Any]] = field(default_factory=list)

    def save(self, folder: Path) -> None:
        write_json(folder / RUN_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> RunRecord | None:
        path = folder / RUN_FILE
        if not path.exists():
            return None
        obj = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: obj[k] for k in cls.__dataclass_fields__ if k in obj})


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return "not a local file"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(config: dict[str, Any]) -> dict[str, str]:
    """sha256 of each training dataset's file, as `dataset_info.json` under `dataset_dir` names it, and of each
    LoRA the run starts from or its reference loads (a preference run on an SFT run), as `adapter <path>`."""
    root = Path(str(config.get("dataset_dir", "data")))
    info_path = root / "dataset_info.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    out = {}
    for name in dataset_list(config.get("dataset")):
        file_name = (info.get(name) or {}).get("file_name")
        out[name] = _sha256(root / file_name if file_name else None)
    for adapter in dataset_list(config.get("adapter_name_or_path")) + dataset_list(config.get("ref_model_adapters")):
        out[f"adapter {adapter}"] = _sha256(Path(adapter) / "adapter_model.safetensors")
    return out


def describe(recipe_name: str, config: dict[str, Any], overrides: dict[str, Any]) -> RunRecord:
    """The record a run of `config` (recipe + ARGS) would have; identity included."""
    keys = {k: v for k, v in sorted(config.items()) if k not in NOT_IDENTITY and k not in LENGTH_KEYS}
    data = data_fingerprint(config)
    blob = json.dumps({"recipe": recipe_name, "config": keys, "data": data}, sort_keys=True, default=str)
    return RunRecord(identity=hashlib.sha256(blob.encode()).hexdigest()[:16], recipe=recipe_name,
                     overrides=dict(overrides), config=keys, data=data,
                     length={k: config[k] for k in LENGTH_KEYS if k in config}, started=now())


def differences(old: RunRecord, new: RunRecord) -> list[str]:
    """What makes `new` another run than `old`, one phrase per key or dataset."""
    out = [f"{k}: {old.config.get(k)!r} -> {new.config.get(k)!r}"
           for k in sorted(set(old.config) | set(new.config)) if old.config.get(k) != new.config.get(k)]
    out += [f"data {name}: its file changed" for name in sorted(set(old.data) | set(new.data))
            if old.data.get(name) != new.data.get(name)]
    return out or ([f"recipe: {old.recipe} -> {new.recipe}"] if old.recipe != new.recipe else [])


def step_of(path: Path) -> int:
    tail = path.name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else -1


def checkpoints(folder: Path) -> list[Path]:
    """`checkpoint-<step>` folders, newest first."""
    found = [p for p in folder.glob("checkpoint-*") if p.is_dir() and step_of(p) >= 0]
    return sorted(found, key=step_of, reverse=True)


def safetensors_problem(path: Path) -> str | None:
    """Why `path` is not a whole safetensors file, from its header alone (no tensor is read), or None.

    The format: an 8-byte little-endian header length, a JSON header whose tensors' `data_offsets` index the
    bytes after it; the safetensors loader refuses a file whose length is not header + the last offset."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            return f"{path.name} is cut short ({size} bytes)"
        (length,) = struct.unpack("<Q", head)
        if length > min(size - 8, 100_000_000):  # the loader's own cap on a header is 100 MB
            return f"{path.name} is cut short ({size:,} bytes, its header alone says {length:,})"
        try:
            header = json.loads(handle.read(length))
        except ValueError:
            return f"{path.name} has an unreadable header"
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)
            and len(v.get("data_offsets") or ()) == 2]
    expected = 8 + length + max(ends, default=0)
    return None if size == expected else f"{path.name} is cut short ({size:,} of {expected:,} bytes)"


def file_problem(path: Path) -> str | None:
    """Why one saved file is cut short (safetensors by its header; torch's .bin/.pt by their zip directory), or None."""
    if path.suffix == ".safetensors":
        return safetensors_problem(path)
    if path.suffix in (".bin", ".pt") and not zipfile.is_zipfile(path):
        return f"{path.name} is cut short"
    return None


def weights_problem(ckpt: Path) -> str | None:
    """Why the weights in `ckpt` cannot be loaded (none there, or a file cut short), or None."""
    present = [ckpt / name for name in WEIGHTS if (ckpt / name).is_file()]
    if not any(p.stat().st_size for p in present):
        return "no weights"
    return next((problem for path in present if (problem := file_problem(path))), None)


def checkpoint_problem(ckpt: Path) -> str | None:
    """Why `ckpt` is not a complete checkpoint (a save that was cut short), or None."""
    try:
        state = json.loads((ckpt / "trainer_state.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "no trainer_state.json (the save was cut short)"
    except ValueError:
        return "trainer_state.json is cut short"
    if state.get("global_step") != step_of(ckpt):
        return f"trainer_state.json is at step {state.get('global_step')}, not {step_of(ckpt)}"
    optimizer = ckpt / "optimizer.pt"
    return weights_problem(ckpt) or (file_problem(optimizer) if optimizer.exists() else None)


def stamp(folder: Path, identity: str) -> None:
    """Write the run's identity into each complete checkpoint that has none yet."""
    for ckpt in checkpoints(folder):
        if not (ckpt / STAMP).exists() and checkpoint_problem(ckpt) is None:
            write_json(ckpt / STAMP, {"identity": identity})


def stamped(ckpt: Path) -> str | None:
    try:
        return json.loads((ckpt / STAMP).read_text(encoding="utf-8")).get("identity")
    except (FileNotFoundError, ValueError):
        return None


def last_good_checkpoint(folder: Path, identity: str) -> tuple[Path | None, list[str]]:
    """The newest complete checkpoint of run `identity`, and a line for each newer one passed over."""
    passed = []
    for ckpt in checkpoints(folder):
        problem = checkpoint_problem(ckpt)
        if problem is None and stamped(ckpt) not in (None, identity):
            problem = f"written by another run ({stamped(ckpt)})"
        if problem is None:
            return ckpt, passed
        passed.append(f"skipping {ckpt.name}: {problem}")
    return None, passed


def has_outputs(folder: Path) -> bool:
    return folder.is_dir() and any(next(folder.glob(pattern), None) for pattern in OUTPUTS)


def archive(folder: Path) -> Path:
    """Move a run folder aside (`<folder>.<time>`), keeping everything in it; returns the new path."""
    target = folder.with_name(f"{folder.name}.{time.strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while target.exists():
        target = folder.with_name(f"{folder.name}.{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    folder.rename(target)
    return target
