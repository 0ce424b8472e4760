"""Crawling OpenReview: one venue's submissions with their replies (API v1 or v2), then their PDFs."""
