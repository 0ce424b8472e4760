"""The model's lifecycle from a recipe: train, export, predict, eval, serve, review; the recipe checker."""
