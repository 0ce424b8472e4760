"""Catalogue checks on the README: its two commands, every make target and every path it names exist."""

import re
import subprocess

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
# A backticked token with a slash is a repo path (bare names like `notes.jsonl` name files inside outputs).
PATH_TOKEN = re.compile(r"`([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-/{}<>,]*)`")


def _expand(token: str) -> list[str]:
    """`data/x_{train,test}.jsonl` -> both names; tokens with <placeholders> are not paths."""
    if "<" in token or token.startswith("../"):  # placeholders; ../shared is outside the repo
        return []
    match = re.search(r"\{([^}]*)\}", token)
    if not match:
        return [token]
    return [token[: match.start()] + alt + token[match.end():] for alt in match.group(1).split(",")]


def _ignored(path: str) -> bool:
    """Paths git ignores are outputs the pipeline writes (saves/, models/, built data).

    An absent folder is tried with a trailing slash too: git matches a `dir/` pattern only to a path it
    knows is a folder, and on a clean clone the folder does not exist yet.
    """
    return any(
        subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=REPO).returncode == 0
        for name in (path, path + "/")
    )


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    assert re.search(r"^\s*make test\s*$", (REPO / ".ci" / "run").read_text(), re.MULTILINE)


def test_every_make_target_in_readme_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert named, "README names no make target"
    assert named <= targets, f"README names missing targets: {sorted(named - targets)}"


def test_every_path_in_readme_exists_or_is_a_pipeline_output():
    paths = [p for token in PATH_TOKEN.findall(README) for p in _expand(token.rstrip("/"))]
    assert len(paths) > 10, "the path pattern found too few paths: is it still matching?"
    missing = [p for p in paths if not (REPO / p).exists() and not _ignored(p)]
    assert not missing, f"README names paths that do not exist: {missing}"
