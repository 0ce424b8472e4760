"""Catalogue checks on the code's layout: one stage per folder, each with a short README; modules of at most
300 lines, functions of at most 60; packages of at most 15 flat modules; no import cycle between the project's
modules, nor between sibling packages (a package counts with everything below it, so shared code must sit below
both of its users: a subpackage may use its own parent's modules); the unit tests' tree mirrors the packages."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

PACKAGES = ("preprocess", "lifecycle", "eval")
SOURCES = sorted(p for top in (*PACKAGES, "bench", "scripts") for p in (REPO / top).rglob("*.py"))
# every package folder below the tops, and eval itself: each says in a README what comes in and what goes out
STAGES = sorted({p.parent for top in PACKAGES for p in (REPO / top).rglob("__init__.py")} - {REPO / "preprocess"})
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_README_LINES = 300, 60, 30
MAX_FLAT_MODULES = 15  # modules directly in one package folder, __init__.py not counted
PACKAGE_DIRS = sorted({p.parent for top in PACKAGES for p in (REPO / top).rglob("__init__.py")})


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
    cycles = find_cycles(module_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of `graph` meets, each as the names along it."""
    cycles, state = [], {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for nxt in sorted(graph.get(name, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [name, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def sibling_graphs(edges: set[tuple[str, str]]) -> dict[str, dict[str, set[str]]]:
    """Module import edges (`a.b.c` -> `a.d.e`) as package graphs, one per parent: at each level the sibling
    packages (each with everything below it) and the arrows between them. Top-level packages are siblings too."""
    packages = {module_name(d / "__init__.py") for d in PACKAGE_DIRS}
    graphs: dict[str, dict[str, set[str]]] = {}
    for src, dst in edges:
        a, b = src.split("."), dst.split(".")
        common = 0
        while common < min(len(a), len(b)) and a[common] == b[common]:
            common += 1
        # the sibling packages under the deepest shared parent; a module of the parent itself is not a sibling
        left, right = ".".join(a[:common + 1]), ".".join(b[:common + 1])
        if left in packages and right in packages and left != right:
            graphs.setdefault(".".join(a[:common]), {}).setdefault(left, set()).add(right)
    return graphs


@functools.cache
def module_graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports (read once for both cycle tests)."""
    modules = {module_name(p): p for p in SOURCES if p.parts[len(REPO.parts)] in PACKAGES}
    return {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}


def test_no_import_cycles_between_sibling_packages():
    edges = {(src, dst) for src, dsts in module_graph().items() for dst in dsts}
    found = [f"under {parent or 'the repo'}: " + " -> ".join(cycle)
             for parent, graph in sorted(sibling_graphs(edges).items()) for cycle in find_cycles(graph)]
    assert not found, "packages that import each other back: " + "; ".join(found)


def test_the_package_check_sees_a_cycle():
    """A cycle through a subpackage is found; a subpackage using its parent's module is not a cycle."""
    edges = {("preprocess.dataset.build", "preprocess.sources.common"),
             ("preprocess.sources.common", "preprocess.dataset.build")}
    assert find_cycles(sibling_graphs(edges)["preprocess"])
    assert not sibling_graphs({("lifecycle.committee.batch", "lifecycle.launch")})


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: str(p.relative_to(REPO)))
def test_packages_stay_small_enough_to_see_at_once(package: Path):
    flat = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
    assert len(flat) <= MAX_FLAT_MODULES, (f"{package.relative_to(REPO)}: {len(flat)} flat modules (at most "
                                           f"{MAX_FLAT_MODULES}; group them in subpackages): {flat}")


def test_the_unit_tests_mirror_the_packages():
    """tests/unit/<a>/<b>/ exists only where the package <a>/<b>/ does."""
    unit = REPO / "tests" / "unit"
    dirs = [d for d in unit.rglob("*") if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))]
    stray = [str(d.relative_to(unit)) for d in dirs if not (REPO / d.relative_to(unit) / "__init__.py").exists()]
    assert not stray, f"tests/unit folders with no package of the same path: {sorted(stray)}"


@pytest.mark.parametrize("stage", STAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_stage_has_a_short_readme_naming_real_files(stage: Path):
    readme = stage / "README.md"
    assert readme.exists(), f"{stage} has no README.md saying what comes in and what goes out"
    text = readme.read_text(encoding="utf-8")
    assert 0 < len(text.splitlines()) <= MAX_README_LINES, f"{readme}: 1-{MAX_README_LINES} lines"
    modules = re.findall(r"`([\w.]+\.py)`", text)  # the stage's own modules; slash paths are repo paths
    paths = [n.rstrip("/") for n in re.findall(r"`([\w.-]+/[\w./-]*)`", text)]  # the stage's folders or repo paths
    missing = [n for n in modules if not (stage / n).exists()]
    missing += [n for n in paths if not (stage / n).exists() and not (REPO / n).exists() and not _ignored(n)]
    assert not missing, f"{readme} names files that do not exist: {missing}"
