"""What every stage shares: typed records, venue tables, prompts, the review target format, the LLM client,
JSONL I/O."""
