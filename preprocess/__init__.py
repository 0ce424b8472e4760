"""Data preparation: crawl OpenReview, parse PDFs, normalise reviews, build LLaMA-Factory datasets."""
