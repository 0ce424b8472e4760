"""The prompt and the row: the paper laid out and fitted to a token budget with the model's tokenizer, the row formats
(alpaca, sharegpt, openai) and their registration; shared by the build and `make review`."""
