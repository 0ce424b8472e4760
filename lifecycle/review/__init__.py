"""Review one paper with a trained recipe: the CLI (`make review`) and the page (`make review-ui`)."""
