"""What a check finds: one typed record per problem (an error fails the recipe, a note is shown)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal


@dataclass(frozen=True)
class Finding:
    """One thing a check found about one key of a recipe."""

    key: str
    message: str
    level: Literal["error", "note"] = "error"
    recipe: str = ""  # the recipe file, filled in by `check_recipe`

    def __str__(self) -> str:
        return f"{self.recipe}: {self.key}: {self.message}"

    def of(self, recipe: str) -> Finding:
        return replace(self, recipe=recipe)


def note(key: str, message: str) -> Finding:
    return Finding(key, message, "note")
