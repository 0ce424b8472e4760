"""Recipe checks for the preference stages (`stage: dpo` or `kto`, e.g. recipes/tiny_dpo.yaml), which LLaMA-Factory's
parser leaves to run time: the run starts from an SFT run's LoRA (without one, DPO would tune the raw base and
its reference would be the base), and each dataset has the stage's shape: chosen/rejected pairs registered with
`ranking: true` for dpo (`make pairs` writes `<name>_pairs`), one answer with a `kto_tag` column for kto
(`<name>_kto`). A dataset not built yet is judged by the name `make pairs` gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lifecycle.check.findings import Finding
from preprocess.core.names import dataset_list

SHAPES = {"dpo": ("pairs", "a preference dataset (ranking: true, chosen/rejected)"),
          "kto": ("kto", "a KTO dataset (one answer and a kto_tag column)")}


def _has_shape(stage: str, name: str, entry: dict[str, Any] | None) -> bool:
    if entry is None:
        return name.endswith(f"_{SHAPES[stage][0]}")
    if stage == "dpo":
        return bool(entry.get("ranking"))
    return "kto_tag" in (entry.get("columns") or {})


def check_preference(recipe: dict[str, Any], root: Path) -> list[Finding]:
    """Findings for a dpo or kto recipe; none for other stages."""
    stage = str(recipe.get("stage", "sft"))
    if stage not in SHAPES:
        return []
    out = []
    if not recipe.get("adapter_name_or_path"):
        out.append(Finding("adapter_name_or_path", f"a {stage} run starts from an SFT run's LoRA: name it "
                                                   "(saves/<sft recipe>, the run `make pairs` read)"))
    info_path = root / Path(recipe.get("dataset_dir", "data")) / "dataset_info.json"
    registered = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    kind, shape = SHAPES[stage]
    for name in dataset_list(recipe.get("dataset")):
        if not _has_shape(stage, name, registered.get(name)):
            out.append(Finding("dataset", f"{name} is not {shape}: stage {stage} reads <name>_{kind}, written by "
                                          "`make pairs RECIPE=<sft recipe>`"))
    return out
