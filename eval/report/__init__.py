"""The metrics dict written out: `metrics.json`, `report.md`, `report.html` and their plots."""
