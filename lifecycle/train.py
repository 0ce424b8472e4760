"""`make train`: start a run, resume it (RESUME=1) or start over (FRESH=1), never mixing two runs in one folder.

A run owns `saves/<name>/` (see `runs`). A new run starts only in an empty folder: one holding an unfinished run
is refused (RESUME=1 continues it), one holding a finished run of other settings is refused (FRESH=1 moves it to
`saves/<name>.<time>/` and starts over), and the same finished run again is nothing to do. RESUME=1 takes the
recorded ARGS (ARGS given now are added), refuses when recipe, ARGS or data no longer make the same run (or,
into a finished run, when ARGS other than its length are given: nothing would train with them), and resumes
from the newest complete checkpoint of that run, passing over cut-short ones. `train.yaml`, the run's record
that export, predict and review read, is written once; a resume launches from `train.resume.yaml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle.launch import cli, launch_env, write_config
from lifecycle.recipe import RecipeError, saves
from lifecycle.runs import (
    LENGTH_KEYS,
    RunRecord,
    archive,
    describe,
    differences,
    has_outputs,
    last_good_checkpoint,
    now,
    stamp,
)
from lifecycle.s2attn.launcher import launch_train


def _change(key: str, recorded: object, given: object) -> str:
    """One ARGS setting against the recorded run's, as an error message shows it."""
    return f"{key}: {given!r}, the same as recorded" if recorded == given else f"{key}: {recorded!r} -> {given!r}"


def train(name: str, recipe: dict[str, Any], overrides: dict[str, Any], nproc: int, resume: bool,
          fresh: bool = False) -> int:
    folder = saves() / name
    if resume and fresh:
        raise RecipeError("RESUME=1 and FRESH=1 contradict each other: give one")
    if resume:
        return _resume(name, recipe, overrides, nproc, folder)
    return _start(name, recipe, overrides, nproc, folder, fresh)


def _launch(folder: Path, record: RunRecord, config_path: Path, env: dict[str, str]) -> int:
    record.status = "running"
    record.save(folder)
    code = launch_train(config_path, env, cli)  # llamafactory-cli, or our launcher for s2_attn
    stamp(folder, record.identity)
    record.status, record.ended = ("finished" if code == 0 else f"failed (exit {code})"), now()
    record.save(folder)
    return code


def _start(name: str, recipe: dict[str, Any], overrides: dict[str, Any], nproc: int, folder: Path,
           fresh: bool) -> int:
    config = {**recipe, "output_dir": str(folder), **overrides}
    new = describe(name, config, overrides)
    if has_outputs(folder):
        old = RunRecord.load(folder)
        if not fresh:
            if old and old.status == "finished" and old.identity == new.identity and old.length == new.length:
                print(f"{folder} holds this run already, finished {old.ended} (same recipe, ARGS and data): "
                      "nothing to do; FRESH=1 trains it again", flush=True)
                return 0
            raise RecipeError(_occupied(folder, old, new))
        print(f"FRESH=1: the earlier run in {folder} moved to {archive(folder)}", flush=True)
    env = launch_env(nproc, config)
    record = write_config(folder / "train.yaml", config,
                          f"written by lifecycle/run.py: recipes/{name}.yaml with overrides {overrides or {}}")
    return _launch(folder, new, record, env)


def _occupied(folder: Path, old: RunRecord | None, new: RunRecord) -> str:
    aside = f"FRESH=1 moves it to {folder}.<time>/ and starts over"
    if old is None:
        return (f"{folder} holds training outputs but no run record (trained before runs were recorded, or not "
                f"by make train), so they cannot be matched to this run: {aside}")
    if old.status == "finished":
        changed = "; ".join(differences(old, new)) or f"length {old.length} -> {new.length}"
        return (f"{folder} holds a finished run with other settings ({changed}): {aside}; to train the same run "
                "longer, RESUME=1 with more max_steps or num_train_epochs")
    return (f"{folder} holds an unfinished run ({old.status}, started {old.started}): RESUME=1 continues it "
            f"from its last complete checkpoint; {aside}")


def _resume(name: str, recipe: dict[str, Any], overrides: dict[str, Any], nproc: int, folder: Path) -> int:
    old = RunRecord.load(folder)
    if old is None:
        raise RecipeError(f"RESUME=1: no run record in {folder} ({folder / 'run.json'}), so no checkpoint there "
                          "can be matched to this run; start it with `make train` (FRESH=1 if the folder is not empty)")
    merged = {**old.overrides, **overrides}
    config = {**recipe, "output_dir": str(folder), **merged}
    new = describe(name, config, merged)
    if new.identity != old.identity:
        raise RecipeError(f"RESUME=1: recipe, ARGS and data no longer make the run in {folder}: "
                          f"{'; '.join(differences(old, new))}. Resume with the recorded settings, or FRESH=1 "
                          "to start over")
    stamp(folder, old.identity)  # complete checkpoints a killed launcher left unstamped belong to this folder's run
    ckpt, passed = last_good_checkpoint(folder, old.identity)
    for line in passed:
        print(line, flush=True)
    if old.status == "finished" and new.length == old.length:
        given = {k: v for k, v in overrides.items() if k not in LENGTH_KEYS}
        if given:  # settings a caller believes it trained with, while nothing trains
            changes = "; ".join(_change(k, old.config.get(k, recipe.get(k)), v) for k, v in given.items())
            raise RecipeError(f"RESUME=1: the run in {folder} finished {old.ended} and nothing would train, so ARGS "
                              f"would change nothing ({changes}). Drop them, give more max_steps or "
                              "num_train_epochs to extend the run, or FRESH=1 to train it again")
        print(f"the run in {folder} finished {old.ended}: nothing to resume (more max_steps or num_train_epochs "
              "in ARGS extend it)", flush=True)
        return 0
    if ckpt is None:
        raise RecipeError(f"RESUME=1: no complete checkpoint of the run in {folder}; FRESH=1 starts over")
    print(f"resuming from {ckpt}", flush=True)
    launch = {**config, "resume_from_checkpoint": str(ckpt), "overwrite_output_dir": False}
    env = launch_env(nproc, launch)
    path = write_config(folder / "train.resume.yaml", launch,
                        f"written by lifecycle/run.py: {folder / 'train.yaml'} resumed from {ckpt.name}")
    old.resumes.append({"from": ckpt.name, "at": now(), "length": new.length})
    old.overrides, old.length = merged, new.length
    return _launch(folder, old, path, env)
