"""A reviewer committee: N sampled reviews, a meta-review and a decision with its probability."""
