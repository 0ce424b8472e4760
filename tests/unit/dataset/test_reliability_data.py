"""Issue 24, data side: names that cannot escape their folders, builds that never replace a good dataset with
(nearly) nothing, a registry that keeps every entry under concurrency, a per-NAME build lock."""

from __future__ import annotations

import pytest

from preprocess.core.names import safe_name


@pytest.mark.parametrize("name", ["../../escape_probe", "../x", "a/b", "a\\b", ".hidden", "-rf", "", "a..b",
                                  "x" * 101, "name with space", "naïve", "a\nb"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(ValueError, match="dataset name"):
        safe_name(name, "dataset name")


@pytest.mark.parametrize("name", ["sample", "keep", "iclr_2024", "gemma-5k", "v1.2", "A9"])
def test_safe_names_pass_unchanged(name):
    assert safe_name(name, "dataset name") == name
