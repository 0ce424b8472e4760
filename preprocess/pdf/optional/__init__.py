"""The optional backends: GROBID (a server), PyMuPDF (an AGPL extra), Nougat (an OCR model), Markdown to sections."""
