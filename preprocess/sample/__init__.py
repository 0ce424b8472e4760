"""Render the bundled synthetic sample `data/sample/` from `data/sample_source/` (`python -m preprocess.sample`)."""
