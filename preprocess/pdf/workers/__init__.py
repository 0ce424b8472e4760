"""Parsing many PDFs: worker processes, each under a time and a memory limit, so one bad PDF costs only itself."""
