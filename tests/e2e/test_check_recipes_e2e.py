"""`make check-recipes` as a user runs it: a fresh Python loading LLaMA-Factory's parser over every recipe (tens of
seconds on CPU). The checker's rules, recipe by recipe and in-process, are in tests/catalogue/test_recipes.py."""

from __future__ import annotations

import subprocess

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow
RECIPE_PATHS = sorted((REPO / "recipes").glob("*.yaml"))


def test_make_check_recipes_passes_on_the_catalogue():
    proc = subprocess.run(["make", "--no-print-directory", "check-recipes"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    n = len(RECIPE_PATHS)
    assert f"{n} recipe(s): {n} ok, 0 with errors" in proc.stdout
