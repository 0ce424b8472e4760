"""The committee's decision rule, which `lifecycle.committee` decides with, and the scoring of its predictions."""
