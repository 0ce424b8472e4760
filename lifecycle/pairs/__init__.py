"""Preference pairs (DPO, KTO) from an SFT run's reviews of its own training split: `make pairs`."""
