"""The recipe checker (`make check-recipes`): LLaMA-Factory's own parser plus the checks it does not do."""
