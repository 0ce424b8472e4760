"""Four-part targets from human reviews (the parts of `core.target.ROLES`): by the review's own fields and headings,
a sentence classifier with sequence decoding, or an LLM."""
