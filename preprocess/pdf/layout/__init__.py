"""The default backend: a PDF's text layer (pypdfium2, pypdf as fallback) read by its layout into a `ParsedPaper`."""
