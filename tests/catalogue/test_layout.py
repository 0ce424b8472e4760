"""Catalogue checks on the code's layout: one stage per folder, each with a short README; modules of at most
300 lines, functions of at most 60; no import cycle between the project's modules."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

PACKAGES = ("preprocess", "lifecycle", "eval")
SOURCES = sorted(p for top in (*PACKAGES, "bench", "scripts") for p in (REPO / top).rglob("*.py"))
STAGES = sorted(p.parent for top in ("preprocess", "lifecycle") for p in (REPO / top).glob("*/__init__.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_README_LINES = 300, 60, 30


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Project modules `path` imports (at any level, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def _ignored(path: str) -> bool:
    """Paths git ignores are outputs (data/crawl/, saves/, built datasets)."""
    return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=REPO).returncode == 0


def test_the_layout_is_collected():
    assert len(SOURCES) > 50 and len(STAGES) >= 6
    assert {p.name for p in STAGES} >= {"core", "crawl", "pdf", "dataset", "sample", "check", "review"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_stay_small(path: Path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path}: over {MAX_MODULE_LINES} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{path}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_no_import_cycles():
    modules = {module_name(p): p for p in SOURCES if p.parts[len(REPO.parts)] in PACKAGES}
    graph = {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}
    cycles, state = [], {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for nxt in sorted(graph[name]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [name, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("stage", STAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_stage_has_a_short_readme_naming_real_files(stage: Path):
    readme = stage / "README.md"
    assert readme.exists(), f"{stage} has no README.md saying what comes in and what goes out"
    text = readme.read_text(encoding="utf-8")
    assert 0 < len(text.splitlines()) <= MAX_README_LINES, f"{readme}: 1-{MAX_README_LINES} lines"
    modules = re.findall(r"`([\w.]+\.py)`", text)  # the stage's own modules; slash paths are repo paths
    paths = [n.rstrip("/") for n in re.findall(r"`([\w.-]+/[\w./-]*)`", text)]
    missing = [n for n in modules if not (stage / n).exists()]
    missing += [n for n in paths if not (REPO / n).exists() and not _ignored(n)]
    assert not missing, f"{readme} names files that do not exist: {missing}"
