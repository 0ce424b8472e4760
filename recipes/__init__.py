"""Recipes (YAML) and the thin Python that runs their lifecycle: train, export, predict, serve."""
