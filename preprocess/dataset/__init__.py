"""Dataset building: a crawl's notes and parsed PDFs in, LLaMA-Factory training rows out (`make data`)."""
