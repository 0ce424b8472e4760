"""The metrics of one batch prediction against the human reviews: each module one measure, on paired rows."""
