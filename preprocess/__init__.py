"""The data side, one sub-package per stage: crawl (OpenReview) -> pdf (parsing) -> dataset (training rows);
core holds what they share, sample renders the bundled synthetic crawl."""
