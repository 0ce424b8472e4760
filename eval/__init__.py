"""Evaluation of generated reviews against the human reviews of the test split (`python -m eval`)."""
