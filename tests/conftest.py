"""Shared test helpers: repo paths, the shared fixtures folder, the tiny model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def shared_fixture(relpath: str) -> Path:
    """A file under ../shared/fixtures; skip (never under CI=true, where it must exist) when absent."""
    path = SHARED_FIXTURES / relpath
    if not path.exists():
        if os.environ.get("CI") == "true":
            raise FileNotFoundError(f"{path} is missing under CI=true; ../shared must sit beside the repo")
        pytest.skip(f"{path} absent: real third-party fixtures live in ../shared/fixtures (see README)")
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
